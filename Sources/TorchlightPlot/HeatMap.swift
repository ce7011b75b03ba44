import Foundation

/// A matrix as coloured cells, row 0 at the top as matrices are read: confusion matrices,
/// attention weights. Optional tick labels name the rows and columns.
public struct HeatMap: Figure {
  public let title: String, xLabel: String, yLabel: String
  public let values: [[Double]]
  public let xTickLabels: [String]?, yTickLabels: [String]?
  public let showValues: Bool

  public init(title: String, xLabel: String, yLabel: String, values: [[Double]], xTickLabels: [String]? = nil,
              yTickLabels: [String]? = nil, showValues: Bool = false) {
    precondition(!values.isEmpty && values.allSatisfy { $0.count == values[0].count }, "HeatMap: values must be a non-empty rectangle")
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.values = values
    self.xTickLabels = xTickLabels; self.yTickLabels = yTickLabels; self.showValues = showValues
  }

  public func data() -> String {
    var text = "# column row value\n"
    for (i, row) in values.enumerated() {
      text += row.enumerated().map { "\($0) \(i) \(Style.number($1))" }.joined(separator: "\n") + "\n\n"
    }
    return text
  }

  public func script(dataFile: String) -> String {
    let rows = values.count, cols = values[0].count
    let finite = values.flatMap { $0 }.filter(\.isFinite)
    let hi = finite.max() ?? 1
    var lines = Style.header(title: title, xLabel: xLabel, yLabel: yLabel)
    lines += [
      "set palette defined (0 '#f7fbff', 1 '#c6dbef', 2 '#6baed6', 3 '#2171b5', 4 '#08306b')",
      "set xrange [-0.5:\(Double(cols) - 0.5)]", "set yrange [\(Double(rows) - 0.5):-0.5]",  // row 0 on top
      "set size ratio \(Double(rows) / Double(cols))", "unset key", "set tics scale 0",
    ]
    if let labels = xTickLabels {
      lines.append("set xtics (" + labels.enumerated().map { "\(Style.quoted($1)) \($0)" }.joined(separator: ", ") + ") rotate by 45 right")
    }
    if let labels = yTickLabels {
      lines.append("set ytics (" + labels.enumerated().map { "\(Style.quoted($1)) \($0)" }.joined(separator: ", ") + ")")
    }
    var plot = "plot \(Style.quoted(dataFile)) using 1:2:3 with image"
    if showValues {
      // Dark text on light cells, white on dark ones.
      plot += ", '' using 1:2:(sprintf('%g', $3)):($3 > \(hi / 2) ? 0xffffff : 0x000000) with labels tc rgb variable font ',9'"
    }
    lines.append(plot)
    return lines.joined(separator: "\n") + "\n"
  }
}
