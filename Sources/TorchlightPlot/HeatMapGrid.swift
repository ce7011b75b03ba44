import Foundation

/// Several heat maps side by side in rows and columns, under one title (gnuplot's multiplot):
/// the attention weights of every head, or of one model at several settings. Each panel is a
/// `HeatMap` with its own title, labels and tick labels. With `sharedColorRange` every panel uses
/// the colour range of all values together, so equal colours mean equal values across panels.
public struct HeatMapGrid: CanvasFigure {
  public let title: String
  public let panels: [HeatMap]
  public let columns: Int
  public let sharedColorRange: Bool

  public init(title: String, panels: [HeatMap], columns: Int = 3, sharedColorRange: Bool = false) {
    precondition(columns > 0, "HeatMapGrid: columns must be positive, got \(columns)")
    precondition(!panels.isEmpty, "HeatMapGrid: give at least one panel")
    self.title = title; self.panels = panels; self.columns = columns; self.sharedColorRange = sharedColorRange
  }

  var rows: Int { max(1, (panels.count + columns - 1) / columns) }

  /// The colour range of all panels together (as one `HeatMap` of every value would choose it).
  var commonRange: (lo: Double, hi: Double) {
    HeatMap(title: "", xLabel: "", yLabel: "", values: [panels.flatMap { $0.values.joined() }]).range
  }

  /// Panel k's data is block k (blocks two blank lines apart, as gnuplot's `index` counts them).
  public func data() -> String {
    panels.map { $0.data() }.joined(separator: "\n\n")
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String {
    let panelCanvas = Canvas(width: canvas.width / Double(columns), height: canvas.height / Double(rows), isText: canvas.isText)
    let shared = sharedColorRange ? commonRange : nil
    var lines = ["set multiplot layout \(rows),\(columns) title \(Theme.quoted(title))"]
    for (k, panel) in panels.enumerated() {
      lines += ["", "reset"] + Theme.preamble
      lines.append(panel.script(dataFile: dataFile, canvas: panelCanvas, block: k, colorRange: shared))
    }
    lines.append("unset multiplot")
    return lines.joined(separator: "\n") + "\n"
  }
}
