import Foundation

/// A matrix as coloured cells, row 0 at the top as matrices are read: confusion matrices,
/// attention weights, weight matrices. Optional tick labels name the columns and rows, and
/// `showValues` writes each value in its cell.
///
/// Non-negative values go from white to dark blue; values of both signs use a diverging
/// blue–white–red scale centred on zero. Non-finite cells stay empty.
public struct HeatMap: CanvasFigure {
  public let title: String, xLabel: String, yLabel: String
  public let values: [[Double]]
  public let xTickLabels: [String]?, yTickLabels: [String]?
  public let showValues: Bool

  public init(title: String, xLabel: String, yLabel: String, values: [[Double]], xTickLabels: [String]? = nil,
              yTickLabels: [String]? = nil, showValues: Bool = false) {
    precondition(!values.isEmpty && !values[0].isEmpty && values.allSatisfy { $0.count == values[0].count },
                 "HeatMap: values must be a non-empty rectangle (rows of equal length)")
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.values = values
    self.xTickLabels = xTickLabels; self.yTickLabels = yTickLabels; self.showValues = showValues
  }

  var finite: [Double] { values.joined().filter(\.isFinite) }
  var isIntegral: Bool { finite.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 } }
  /// Both signs: a diverging scale centred on zero.
  var isSigned: Bool { (finite.min() ?? 0) < 0 && (finite.max() ?? 0) > 0 }

  /// The colour range.
  var range: (lo: Double, hi: Double) {
    var lo = finite.min() ?? 0, hi = finite.max() ?? 1
    if isSigned {
      let m = max(-lo, hi)
      (lo, hi) = (-m, m)
    } else if lo >= 0 {
      lo = 0  // counts and probabilities: white means none
    }
    if hi <= lo { hi = lo + 1 }
    return (lo, hi)
  }

  public func data() -> String {
    var text = "# column row value label (row 0 is drawn at the top)\n"
    let integral = isIntegral
    for (i, row) in values.enumerated() {
      text += row.enumerated().map { j, v in
        "\(j) \(i) \(Theme.number(v)) \(Theme.quoted(Theme.label(v, integral: integral)))"
      }.joined(separator: "\n") + "\n\n"
    }
    return text
  }

  /// Tick labels for one axis: all of them if they fit, else every k-th.
  func tics(_ labels: [String], count: Int) -> String {
    let shown = labels.prefix(count)
    let step = max(1, Int((Double(shown.count) / 25).rounded(.up)))
    return "(" + shown.enumerated().filter { $0.offset % step == 0 }
      .map { "\(Theme.quoted($1)) \($0)" }.joined(separator: ", ") + ")"
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String { script(dataFile: dataFile, canvas: canvas, block: nil, colorRange: nil) }

  /// The script, reading data block `block` of the file when given (a panel of a `HeatMapGrid`),
  /// with the colour range `colorRange` instead of this map's own when given.
  func script(dataFile: String, canvas: Canvas, block: Int?, colorRange: (lo: Double, hi: Double)?) -> String {
    let rows = values.count, cols = values[0].count
    let (lo, hi) = colorRange ?? range
    var lines = Theme.header(title: title, xLabel: xLabel, yLabel: yLabel, canvas: canvas)
    if isSigned {
      lines.append("set palette defined (0 '#2166ac', 0.25 '#67a9cf', 0.5 '#f7f7f7', 0.75 '#ef8a62', 1 '#b2182b')")
    } else {
      lines.append("set palette defined (0 '#f7fbff', 0.25 '#c6dbef', 0.5 '#6baed6', 0.75 '#2171b5', 1 '#08306b')")
    }
    lines += [
      "set cbrange [\(Theme.short(lo)):\(Theme.short(hi))]",
      "set cbtics scale 0.5 nomirror out",
      "set style line 100 lc rgb '#4d4d4d' lw 1", "set colorbox border 100",
      "set xrange [-0.5:\(Double(cols) - 0.5)]",
      "set yrange [\(Double(rows) - 0.5):-0.5]",  // reversed: row 0 at the top
      "set size ratio \(Theme.short(min(3, max(1.0 / 3, Double(rows) / Double(cols)))))",
      "set border 15 lw 1 lc rgb '#4d4d4d'",
      "unset grid", "unset key",
      "set tics scale 0 nomirror",
    ]
    if let labels = xTickLabels {
      let longest = labels.map(\.count).max() ?? 0
      // Slanted when the labels would not fit side by side: too many characters in all, or too
      // many for the width of the plot (a panel of a `HeatMapGrid` is narrow).
      let characters = Double((longest + 1) * min(cols, 25))
      let rotate = longest > 3 && (characters > 60 || characters * canvas.charWidth > 0.6 * canvas.plotWidth)
      lines.append("set xtics \(tics(labels, count: cols))" + (rotate ? " rotate by 40 right" : ""))
    } else if cols <= 25 {
      lines.append("set xtics 1")
    }
    if let labels = yTickLabels {
      lines.append("set ytics \(tics(labels, count: rows))")
    } else if rows <= 25 {
      lines.append("set ytics 1")
    }
    let file = Theme.file(dataFile) + (block.map { " index \($0)" } ?? "")
    // gnuplot's `with image` needs at least 2 × 2 cells; a single row or column (a vector) is
    // drawn as filled boxes instead, which look the same.
    var plot = rows >= 2 && cols >= 2
      ? "plot \(file) using 1:2:3 with image notitle"
      : "plot \(file) using 1:2:(0.5):(0.5):3 with boxxyerror fc palette fs solid 1.0 noborder notitle"
    if showValues {
      // Font size by cell count; white text on dark cells, near-black on light ones.
      let size = max(6, min(11, Int(140 / Double(max(rows, cols)))))
      let dark = isSigned
        ? "(abs($3) > \(Theme.short(0.6 * hi)))"
        : "(($3 - \(Theme.short(lo))) > \(Theme.short(0.55 * (hi - lo))))"
      plot += ", \\\n     \(file) using 1:2:4:(\(dark) ? 0xffffff : 0x1a1a1a) with labels tc rgb variable font ',\(size)' notitle"
    }
    lines.append(plot)
    return lines.joined(separator: "\n") + "\n"
  }
}
