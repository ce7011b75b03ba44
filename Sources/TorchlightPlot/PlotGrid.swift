import Foundation

/// Several line plots side by side in rows and columns, under one title (gnuplot's multiplot):
/// small multiples such as the learning rate of every scheduler, each on its own axes.
///
/// All panels share one data file; panel k's series are the blocks after those of panels 0…k−1.
/// Each panel is drawn from a clean slate (`reset` and the house style), so a log axis or a range
/// set for one panel does not leak into the next.
///
/// With `sharedY`, every panel's left y axis spans the values of all panels, so heights compare
/// across panels (a learning rate of 0.05 is at the same height everywhere).
public struct PlotGrid: CanvasFigure {
  public let title: String
  public let panels: [LinePlot]
  public let columns: Int
  public let sharedY: Bool

  public init(title: String, panels: [LinePlot], columns: Int = 3, sharedY: Bool = false) {
    precondition(columns > 0, "PlotGrid: columns must be positive, got \(columns)")
    self.title = title; self.panels = panels; self.columns = columns; self.sharedY = sharedY
  }

  /// The range of every panel's left-axis values together (positive ones on log axes).
  var commonYRange: ClosedRange<Double>? {
    let log = panels.contains(where: \.logY)
    let ys = panels.flatMap { $0.left.flatMap(\.y) }.filter { $0.isFinite && (!log || $0 > 0) }
    guard let lo = ys.min(), let hi = ys.max(), hi > lo else { return nil }
    return lo...hi
  }

  var rows: Int { max(1, (panels.count + columns - 1) / columns) }

  public func data() -> String {
    panels.map { $0.data() }.joined(separator: "\n\n")
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String {
    let panelCanvas = Canvas(width: canvas.width / Double(columns), height: canvas.height / Double(rows), isText: canvas.isText)
    var lines = ["set multiplot layout \(rows),\(columns) title \(Theme.quoted(title))"]
    var firstBlock = 0
    let shared = sharedY ? commonYRange : nil
    for panel in panels {
      lines += ["", "reset"] + Theme.preamble
      lines.append((shared.map { panel.yRange == nil ? panel.with(yRange: $0) : panel } ?? panel).script(dataFile: dataFile, canvas: panelCanvas, firstBlock: firstBlock))
      firstBlock += panel.series.count
    }
    lines.append("unset multiplot")
    return lines.joined(separator: "\n") + "\n"
  }
}
