import Foundation

/// A figure gnuplot can draw: its data, and the commands that plot that data.
///
/// `data()` is the text of the `.dat` file: blocks separated by two blank lines, which the
/// script addresses as `index 0`, `index 1`, …. `script(dataFile:)` holds the plotting commands
/// only, reading the data file by that name; `Plotter` adds the terminal and output lines, so the
/// same figure can go to a PNG or be drawn with characters in a terminal.
public protocol Figure: Sendable {
  func data() -> String
  func script(dataFile: String) -> String
}

/// Where a figure is drawn: a PNG of some size in pixels, or characters in a terminal. The
/// figures in this module lay out their legend (and a few details) for it.
struct Canvas: Sendable {
  /// Pixels, or characters and lines for text.
  var width: Double, height: Double
  var isText: Bool

  /// The default PNG, 800×500.
  static let png = Canvas(width: 800, height: 500, isText: false)

  /// A character's width and a line's height: about 7 and 17 pixels at 11 pt.
  var charWidth: Double { isText ? 1 : 7 }
  var lineHeight: Double { isText ? 1 : 17 }
  /// The plot area, about: the canvas less tic labels and the y label on the left, and the
  /// title, tic labels and the x label above and below.
  var plotWidth: Double { max(10 * charWidth, width - 12 * charWidth) }
  var plotHeight: Double { max(5 * lineHeight, height - 5.5 * lineHeight) }
}

/// A figure of this module: its script depends on the canvas.
protocol CanvasFigure: Figure {
  func script(dataFile: String, canvas: Canvas) -> String
}

/// One named curve or point set of a plot.
public struct Series: Sendable {
  /// How the series is drawn: a line, dots (scatter plots), a line with a dot at every value
  /// (few values, or an optimizer's steps), or a dashed line (a second, comparable curve).
  public enum Style: Sendable { case lines, points, linesPoints, dashed }

  /// The legend entry; an empty name leaves the series out of the legend.
  public let name: String
  public let x: [Double]
  public let y: [Double]
  public let style: Style
  /// Which colour of the palette to draw with; nil takes the series' position in its plot.
  /// Give two series the same colour to pair them (a model's train and test loss, a function
  /// and its derivative), and tell them apart by style.
  public let color: Int?
  /// Which y axis the series is read against: the left one, or the right one (a second
  /// quantity of another scale, such as accuracy beside a loss).
  public let axis: Axis

  /// The y axis a series belongs to.
  public enum Axis: Sendable { case left, right }

  public init(_ name: String, x: [Double], y: [Double], style: Style = .lines, color: Int? = nil, axis: Axis = .left) {
    precondition(x.count == y.count, "Series \"\(name)\": \(x.count) x values but \(y.count) y values")
    self.name = name; self.x = x; self.y = y; self.style = style; self.color = color; self.axis = axis
  }
}

/// The house style shared by every figure: colours, fonts, quoting, number formatting, and
/// where the legend goes.
enum Theme {
  /// Line colours in order: the familiar matplotlib/Tableau sequence (blue, orange, green, red, …),
  /// distinct on screen and in print.
  static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

  static func color(_ i: Int) -> String { colors[i % colors.count] }

  /// The font every PNG uses (DejaVu Sans ships with every Debian/Ubuntu desktop and with
  /// gnuplot's dependencies; cairo falls back to another sans font if it is missing).
  static let font = "DejaVu Sans"

  /// Settings every PNG starts with (after the terminal line): quiet axes, a light grid, titles a
  /// little larger than the text. Figures override what they need.
  static let preamble = [
    "set encoding utf8",
    "set border 3 lw 1 lc rgb '#4d4d4d'",
    "set tics nomirror out scale 0.6 textcolor rgb '#333333'",
    "set grid xtics ytics lt 1 lw 1 lc rgb '#e6e6e6'",
    "set title font ',13' textcolor rgb '#111111'",
    "set xlabel textcolor rgb '#222222'",
    "set ylabel textcolor rgb '#222222'",
    "set key textcolor rgb '#222222'",
  ]

  /// A string as a gnuplot double-quoted literal. Every terminal is `noenhanced`, so `_`, `^`
  /// and `{}` print as written (`train_loss` stays `train_loss`); a newline starts a new line.
  static func quoted(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      case "\t": out += "    "
      case "\r": break
      default: out.unicodeScalars.append(c)
      }
    }
    return out + "\""
  }

  /// A file name as a gnuplot single-quoted literal (no backslash escapes, `''` for a quote).
  static func file(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

  /// A number for a data file: finite values in full precision (shortest exact form), NaN for
  /// gaps, which gnuplot skips.
  static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "NaN" }

  /// A number in a script (ranges, levels): short but exact enough.
  static func short(_ v: Double) -> String {
    guard v.isFinite else { return "NaN" }
    return String(format: "%.10g", v)
  }

  /// Title and axis labels. In text, where gnuplot cannot turn the y label on its side (and
  /// would run it into the tic labels), the y label sits above the top of the y axis.
  static func header(title: String, xLabel: String, yLabel: String, canvas: Canvas = .png) -> [String] {
    var lines = ["set title \(quoted(fitted(title: title, canvas: canvas)))", "set xlabel \(quoted(xLabel))"]
    if canvas.isText {
      lines.append("unset ylabel")
      if !yLabel.isEmpty { lines.append("set label 100 \(quoted(yLabel)) at graph 0, graph 1 right offset -1, 1") }
    } else {
      lines.append("set ylabel \(quoted(yLabel))")
    }
    return lines
  }

  /// Titles are set larger than labels: about 9 pixels a character.
  static let titleCharWidth = 9.0

  /// The title, broken into two lines at the space nearest its middle when one line would run
  /// past the edges of the picture (gnuplot centres it and cuts what does not fit).
  static func fitted(title: String, canvas: Canvas) -> String {
    guard !canvas.isText, !title.contains("\n"), Double(title.count) * titleCharWidth > canvas.width - 60 else { return title }
    let characters = Array(title), middle = characters.count / 2
    let spaces = characters.indices.filter { characters[$0] == " " }
    guard let cut = spaces.min(by: { abs($0 - middle) < abs($1 - middle) }) else { return title }
    return String(characters[..<cut]) + "\n" + String(characters[(cut + 1)...])
  }

  /// The characters that mark points in text, one per series.
  static let textPoints = ["o", "x", "+", "#", "@", "%", "&", "="]

  /// How series `index` is drawn, in the given colour (`#rrggbb`, or `#aarrggbb` with transparency).
  /// Lines of many values (a loss at every step) are drawn thinner, so their noise does not
  /// become a solid band.
  static func plotStyle(_ s: Series.Style, color: String, pointSize: Double = 0.6, index: Int = 0,
                        count: Int = 0, canvas: Canvas = .png) -> String {
    let point = canvas.isText ? "pt '\(textPoints[index % textPoints.count])'" : "pt 7"
    let width = count > 2000 ? 1 : 2
    return switch s {
    case .lines: "with lines lw \(width) lc rgb '\(color)'"
    case .points: "with points \(point) ps \(pointSize) lc rgb '\(color)'"
    case .linesPoints: "with linespoints lw \(width) \(point) ps 0.8 lc rgb '\(color)'"
    case .dashed: "with lines lw \(width) dt (9,5) lc rgb '\(color)'"
    }
  }

  /// `title "name"`, or `notitle` for an unnamed series.
  static func title(_ name: String) -> String { name.isEmpty ? "notitle" : "title \(quoted(name))" }

  /// Data blocks joined the way gnuplot's `index` counts them. An empty block would vanish
  /// (gnuplot merges runs of blank lines) and shift every later index, so it gets one NaN row.
  static func blocks(_ blocks: [(comment: String, rows: [String])]) -> String {
    blocks.map { block in
      let rows = block.rows.isEmpty ? ["NaN NaN"] : block.rows
      return "# \(block.comment.replacingOccurrences(of: "\n", with: " "))\n" + rows.joined(separator: "\n")
    }.joined(separator: "\n\n\n") + "\n"
  }

  /// The legend's look: sample before the name, names left-aligned, a light frame.
  static let keyStyle = "reverse Left samplen 2.5 spacing 1.1 width 1 opaque box lc rgb '#d0d0d0'"

  /// The legend, placed so that it hides no data: inside the plot in the first corner (top
  /// right, top left, bottom right, bottom left) that no data point or line passes through;
  /// else in a top corner after raising the top of the y axis a little (when it is autoscaled);
  /// else below the plot.
  ///
  /// - Parameters:
  ///   - samples: where the data lies, in plot coordinates scaled to 0…1 (x right, y up).
  ///   - names: the legend entries.
  ///   - canRaiseTop: the y axis is autoscaled, so headroom may be added above the data.
  ///   - style: how the legend looks.
  ///   - sides: room to leave left and right of the data, as a fraction of the x range
  ///     (so that markers at the ends are not cut by the axes).
  ///   - canvas: the figure's size, which decides how much of the plot the legend covers.
  static func key(samples: [(Double, Double)], names: [String], canRaiseTop: Bool,
                  style: String = keyStyle, sides: Double = 0, canvas: Canvas = .png) -> [String] {
    let side = sides > 0 ? "graph \(String(format: "%.3f", sides))" : "0"
    let padding = sides > 0 ? ["set offsets \(side), \(side), 0, 0"] : []
    guard !names.isEmpty else { return padding + ["unset key"] }
    let (w, h) = keySize(names, canvas: canvas)
    if let corner = emptyCorner(samples: samples, width: w, height: h) { return padding + ["set key inside \(corner) \(style)"] }
    if canRaiseTop {
      // Headroom: with the top raised by `raise` (a fraction of the range), the data's highest
      // point under a top corner sits at y / (1 + raise), below the legend.
      let needed = [("top right", (1 - w)...1.02), ("top left", -0.02...w)].map { corner, xs in
        let top = samples.filter { xs.contains($0.0) }.map(\.1).max() ?? 0
        return (corner, max(0, (top + 0.03) / (1 - h) - 1))
      }
      if let best = needed.min(by: { $0.1 < $1.1 }), best.1 <= 0.4 {
        return ["set offsets \(side), \(side), graph \(String(format: "%.3f", best.1)), 0", "set key inside \(best.0) \(style)"]
      }
    }
    // Below the plot, in as many rows as its entries need; gnuplot's own bottom margin would let
    // the legend touch the x label, so the margin is set here.
    // gnuplot gives every column the width of the longest entry; the estimate errs wide (20%
    // more per character), since too few rows would put the legend over the x axis's labels.
    let longest = Double((names.map(\.count).max() ?? 0) + 8) * canvas.charWidth * 1.2
    let columns = max(1, min(names.count, Int(canvas.plotWidth / longest)))
    let rows = (names.count + columns - 1) / columns
    return padding + ["set key outside below center horizontal \(style)", "set bmargin \(short(4.2 + 1.3 * Double(rows)))"]
  }

  /// The legend's size as a fraction of the plot area, with a margin: the longest name, its
  /// line sample and padding across; a line per entry and the frame down.
  static func keySize(_ names: [String], canvas: Canvas) -> (width: Double, height: Double) {
    let longest = names.map { $0.split(separator: "\n").map(\.count).max() ?? 0 }.max() ?? 0
    let lines = names.reduce(0) { $0 + max(1, $1.split(separator: "\n").count) }
    // The sample line or marker and gnuplot's spacing take about nine characters, and text
    // runs wider than the estimate of a character: a narrow estimate put the legend of
    // chapter 12's scatter panels over a mode of the data.
    let width = Double(longest + 9) * canvas.charWidth * (canvas.isText ? 1 : 1.15) / canvas.plotWidth
    let height = (Double(lines) * (canvas.isText ? 1 : 1.1) + (canvas.isText ? 2 : 0.8)) * canvas.lineHeight / canvas.plotHeight
    return (min(0.9, width + 0.03), min(0.9, height + 0.03))
  }

  /// The first empty corner for a legend of these entries, or nil when every corner has data.
  static func emptyCorner(samples: [(Double, Double)], width w: Double, height h: Double) -> String? {
    let corners: [(String, ClosedRange<Double>, ClosedRange<Double>)] = [
      ("top right", (1 - w)...1.02, (1 - h)...1.02), ("top left", -0.02...w, (1 - h)...1.02),
      ("bottom right", (1 - w)...1.02, -0.02...h), ("bottom left", -0.02...w, -0.02...h),
    ]
    return corners.first { _, xs, ys in !samples.contains { xs.contains($0.0) && ys.contains($0.1) } }?.0
  }

  /// Points along a series in 0…1 plot coordinates, with lines filled in between its values
  /// so that a line crossing a corner counts as data there (long series are dense already).
  static func samples(x: [Double], y: [Double], connected: Bool,
                      scaleX: (Double) -> Double?, scaleY: (Double) -> Double?) -> [(Double, Double)] {
    var out: [(Double, Double)] = []
    var previous: (Double, Double)?
    for (xv, yv) in zip(x, y) {
      guard let px = scaleX(xv), let py = scaleY(yv) else { previous = nil; continue }
      if connected, x.count <= 5000, let (qx, qy) = previous {
        let steps = min(200, Int((abs(px - qx) + abs(py - qy)) / 0.01))
        if steps > 1 {
          for k in 1..<steps {
            let t = Double(k) / Double(steps)
            out.append((qx + t * (px - qx), qy + t * (py - qy)))
          }
        }
      }
      out.append((px, py))
      previous = (px, py)
    }
    return out
  }

  /// Maps values on an axis to 0…1 (log10 first on a log axis), or nil for values the axis
  /// cannot show.
  static func scale(values: [Double], log: Bool, range: ClosedRange<Double>?) -> (Double) -> Double? {
    let t: (Double) -> Double? = { v in
      guard v.isFinite else { return nil }
      if log { return v > 0 ? Foundation.log10(v) : nil }
      return v
    }
    var lo: Double, hi: Double
    if let range, let a = t(range.lowerBound), let b = t(range.upperBound) {
      lo = a; hi = b
    } else {
      let shown = values.compactMap(t)
      lo = shown.min() ?? 0; hi = shown.max() ?? 1
    }
    if hi <= lo { lo -= 0.5; hi += 0.5 }
    let (l, span) = (lo, hi - lo)
    return { v in t(v).map { ($0 - l) / span } }
  }

  /// A tic spacing of 1, 2 or 5 × 10^k that puts at most `maxTicks` tics on a span: gnuplot's
  /// own choice assumes a full-size plot and runs long labels together on narrow ones.
  static func tickStep(span: Double, maxTicks: Double) -> Double? {
    guard span.isFinite, span > 0, maxTicks >= 1 else { return nil }
    var unit = pow(10, (log10(span / maxTicks)).rounded(.down))
    while true {
      for m in [1.0, 2, 5] where span / (m * unit) <= maxTicks { return m * unit }
      unit *= 10
    }
  }

  /// The widest tic label a linear axis over `lo…hi` prints (gnuplot's `%g`), in characters.
  static func tickLabelWidth(lo: Double, hi: Double, step: Double) -> Int {
    let digits = max(0, -Int(log10(step).rounded(.down)))
    return [lo, hi].map { v in String(format: "%.\(digits)f", v).count }.max() ?? 1
  }

  /// The tic command for a linear axis (`xtics`, `ytics`, `y2tics`) over these values, spaced
  /// so its labels do not touch: across, each label needs its width and three characters; down,
  /// two lines.
  static func ticks(_ axis: String, values: [Double], range: ClosedRange<Double>?, length: Double, across: Bool,
                    canvas: Canvas) -> String? {
    let shown = values.filter(\.isFinite)
    guard let lo = range?.lowerBound ?? shown.min(), let hi = range?.upperBound ?? shown.max(), hi > lo else { return nil }
    // Two passes: the label width depends on the step.
    var step = tickStep(span: hi - lo, maxTicks: across ? length / (8 * canvas.charWidth) : length / (2 * canvas.lineHeight))
    if across, let first = step {
      let width = Double(tickLabelWidth(lo: lo, hi: hi, step: first) + 3) * canvas.charWidth
      step = tickStep(span: hi - lo, maxTicks: length / width)
    }
    // Labels with as many decimals as the step has, and no more (0.02, 0.04, not 0.0200000).
    return step.map { "set \(axis) \(short($0))\nset format \(axis.dropLast(4)) '%.\(max(0, -Int(log10($0).rounded(.down))))f'" }
  }

  /// Enough digits to tell apart the values of a colour bar or a cell.
  static func label(_ v: Double, integral: Bool) -> String {
    guard v.isFinite else { return "" }
    if integral { return String(Int(v.rounded())) }
    let a = abs(v)
    if a == 0 { return "0" }
    if a >= 1000 || a < 0.01 { return String(format: "%.1e", v) }
    if a >= 100 { return String(format: "%.0f", v) }
    if a >= 10 { return String(format: "%.1f", v) }
    return String(format: "%.2f", v)
  }
}
