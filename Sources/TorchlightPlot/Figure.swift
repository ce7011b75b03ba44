/// A figure gnuplot can draw: its data, and the commands that plot that data.
///
/// `data()` is the text of the `.dat` file: blocks separated by two blank lines, which the
/// script addresses as `index 0`, `index 1`, …. `script(dataFile:)` holds the plotting commands
/// only; `Plotter` adds the terminal and output lines, so the same figure can go to a PNG or to
/// the text terminal.
public protocol Figure: Sendable {
  func data() -> String
  func script(dataFile: String) -> String
}

/// One named curve or point set of a plot.
public struct Series: Sendable {
  public enum Style: Sendable { case lines, points, linesPoints, dashed }
  public let name: String
  public let x: [Double]
  public let y: [Double]
  public let style: Style

  public init(_ name: String, x: [Double], y: [Double], style: Style = .lines) {
    precondition(x.count == y.count, "Series \(name): \(x.count) x values but \(y.count) y values")
    self.name = name; self.x = x; self.y = y; self.style = style
  }
}

/// The colours used in order (colour-blind friendly), and shared text helpers.
enum Style {
  static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

  /// A string as a gnuplot single-quoted literal.
  static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

  /// A number for a data file: finite values in full precision, NaN for gaps.
  static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "NaN" }

  /// The lines every figure starts with: title and axis labels.
  static func header(title: String, xLabel: String, yLabel: String) -> [String] {
    ["set title \(quoted(title))", "set xlabel \(quoted(xLabel))", "set ylabel \(quoted(yLabel))"]
  }

  /// How a series is drawn.
  static func plotStyle(_ s: Series.Style, color: String) -> String {
    switch s {
    case .lines: "with lines lw 2 lc rgb '\(color)'"
    case .points: "with points pt 7 ps 0.6 lc rgb '\(color)'"
    case .linesPoints: "with linespoints lw 2 pt 7 ps 0.8 lc rgb '\(color)'"
    case .dashed: "with lines lw 2 dt 2 lc rgb '\(color)'"
    }
  }
}
