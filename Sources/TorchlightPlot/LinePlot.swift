import Foundation

/// Curves or point sets against a shared x axis, with a legend: training curves, functions,
/// and scatter plots (series drawn with `.points`).
///
/// The legend goes in a corner that no data passes through, or below the plot if there is none.
/// Non-finite values (and values ≤ 0 on a log axis) leave gaps. Series on the `.right` axis are
/// read against a second y axis with its own scale and label (`y2Label`): accuracy beside a loss.
/// Tics are spaced so their labels never touch, and a log x axis with a few values (batch sizes
/// 2, 8, 64) gets a tic at each of them.
public struct LinePlot: CanvasFigure {
  public let title: String, xLabel: String, yLabel: String
  public let series: [Series]
  public let logX: Bool, logY: Bool
  public let xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?
  /// The right axis: its label and, optionally, its range.
  public let y2Label: String, y2Range: ClosedRange<Double>?

  public init(title: String, xLabel: String, yLabel: String, series: [Series], logX: Bool = false, logY: Bool = false,
              xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
              y2Label: String = "", y2Range: ClosedRange<Double>? = nil) {
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    self.logX = logX; self.logY = logY; self.xRange = xRange; self.yRange = yRange
    self.y2Label = y2Label; self.y2Range = y2Range
  }

  /// The same plot with the left y axis fixed to `range` (panels of a `PlotGrid` that share it).
  func with(yRange range: ClosedRange<Double>?) -> LinePlot {
    LinePlot(title: title, xLabel: xLabel, yLabel: yLabel, series: series, logX: logX, logY: logY,
             xRange: xRange, yRange: range, y2Label: y2Label, y2Range: y2Range)
  }

  var left: [Series] { series.filter { $0.axis == .left } }
  var right: [Series] { series.filter { $0.axis == .right } }

  /// A scatter plot (every series drawn as points) keeps gnuplot's rounded axis ranges; curves
  /// span the full width of the plot.
  var isScatter: Bool { !series.isEmpty && series.allSatisfy { $0.style == .points } }

  /// A range around the one value an axis shows, if it shows only one (gnuplot would warn
  /// that the range is empty); nil otherwise.
  static func around(_ values: [Double], log: Bool) -> ClosedRange<Double>? {
    let shown = values.filter { $0.isFinite && (!log || $0 > 0) }
    guard let v = shown.first, shown.allSatisfy({ $0 == v }) else { return nil }
    if log { return (v / 2)...(v * 2) }
    let d = v == 0 ? 1 : abs(v) / 10
    return (v - d)...(v + d)
  }

  public func data() -> String {
    Theme.blocks(series.map { s in
      (s.name.isEmpty ? "series" : s.name, zip(s.x, s.y).map { "\(Theme.number($0)) \(Theme.number($1))" })
    })
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String { script(dataFile: dataFile, canvas: canvas, firstBlock: 0) }

  /// The script, reading its series from data blocks `firstBlock`, `firstBlock + 1`, … (a panel
  /// of a `PlotGrid` shares one data file with the other panels).
  func script(dataFile: String, canvas: Canvas, firstBlock: Int) -> String {
    var lines = Theme.header(title: title, xLabel: xLabel, yLabel: yLabel, canvas: canvas)
    if logX { lines += ["set logscale x", "set format x '%g'", "set mxtics 10"] }
    if logY { lines += ["set logscale y", "set format y '%g'", "set mytics 10"] }
    if (logX || logY) && !canvas.isText {
      // Faint lines at 2, 3, … 9 on a log axis, so values can be read between the decades.
      let minor = (logX ? "mxtics " : "nomxtics ") + (logY ? "mytics" : "nomytics")
      lines.append("set grid \(minor) lt 1 lw 1 lc rgb '#e6e6e6', lt 1 lw 0.6 lc rgb '#f3f3f3'")
    }
    if let r = xRange ?? Self.around(series.flatMap(\.x), log: logX) {
      lines.append("set xrange [\(Theme.short(r.lowerBound)):\(Theme.short(r.upperBound))]")
    } else if !isScatter {
      lines.append("set autoscale xfix")
    }
    let xs = series.flatMap(\.x).filter(\.isFinite)
    let distinctX = Set(xs.filter { !logX || $0 > 0 }).sorted()
    if !logX, xRange == nil, let lo = xs.min(), let hi = xs.max(), hi > lo, hi - lo <= 12,
       xs.allSatisfy({ $0 == $0.rounded() }), Double(hi - lo + 1) * 4 * canvas.charWidth <= canvas.plotWidth {
      // Whole numbers over a short span (a few epochs): a tic at each, not at 1.5, 2.5, ….
      lines.append("set xtics 1")
    } else if logX, (2...8).contains(distinctX.count) {
      // A log axis over a few values (batch sizes 2, 8, 64): a tic at each value.
      lines.append("set xtics (" + distinctX.map { "\"\(Theme.short($0))\" \(Theme.short($0))" }.joined(separator: ", ") + ")")
    } else if !logX, let tics = Theme.ticks("xtics", values: xs, range: xRange, length: canvas.plotWidth, across: true, canvas: canvas) {
      lines.append(tics)
    }
    let leftYs = left.flatMap(\.y)
    if let r = yRange ?? Self.around(leftYs, log: logY) {
      lines.append("set yrange [\(Theme.short(r.lowerBound)):\(Theme.short(r.upperBound))]")
    }
    if !logY, let tics = Theme.ticks("ytics", values: leftYs, range: yRange, length: canvas.plotHeight, across: false, canvas: canvas) {
      lines.append(tics)
    }
    if !right.isEmpty {
      // A second y axis at the right, for the `.right` series: its own tics, label and range.
      let rightYs = right.flatMap(\.y)
      lines += ["set ytics nomirror", "set border 11 lw 1 lc rgb '#4d4d4d'",
                "set y2tics nomirror out scale 0.6 textcolor rgb '#333333'", "set y2label \(Theme.quoted(y2Label)) textcolor rgb '#222222'"]
      if let r = y2Range ?? Self.around(rightYs, log: false) {
        lines.append("set y2range [\(Theme.short(r.lowerBound)):\(Theme.short(r.upperBound))]")
      }
      if let tics = Theme.ticks("y2tics", values: rightYs, range: y2Range, length: canvas.plotHeight, across: false, canvas: canvas) {
        lines.append(tics)
      }
    }

    // Where the data lies, for the legend; series on the right axis on their own scale.
    let scaleX = Theme.scale(values: series.flatMap(\.x), log: logX, range: xRange)
    let scaleY = Theme.scale(values: leftYs, log: logY, range: yRange)
    let scaleY2 = Theme.scale(values: right.flatMap(\.y), log: false, range: y2Range)
    let samples = series.flatMap { s in
      Theme.samples(x: s.x, y: s.y, connected: s.style != .points, scaleX: scaleX, scaleY: s.axis == .right ? scaleY2 : scaleY)
    }
    let named = series.map(\.name).filter { !$0.isEmpty }
    // Curves span the full width; with markers, a little room at both ends keeps them whole.
    let markers = xRange == nil && !isScatter && series.contains { $0.style == .points || $0.style == .linesPoints }
    lines += Theme.key(samples: samples, names: named, canRaiseTop: yRange == nil && right.isEmpty, sides: markers ? 0.015 : 0, canvas: canvas)

    // Many points in a scatter plot: smaller and slightly transparent, so dense regions show.
    let pointCount = series.filter { $0.style == .points }.reduce(0) { $0 + $1.x.count }
    let crowded = pointCount > 400
    let plots = series.enumerated().map { i, s in
      var color = Theme.color(s.color ?? i)
      if crowded && s.style == .points { color = "#40" + color.dropFirst() }
      let size = crowded ? 0.5 : 0.7
      let axes = s.axis == .right ? "axes x1y2 " : ""
      return "\(Theme.file(dataFile)) index \(firstBlock + i) using 1:2 \(axes)\(Theme.plotStyle(s.style, color: color, pointSize: size, index: i, count: s.x.count, canvas: canvas)) \(Theme.title(s.name))"
    }
    if plots.isEmpty || series.allSatisfy({ $0.x.isEmpty }) {
      // Nothing to draw: an empty frame that says so, rather than an error.
      lines += ["unset logscale", "set xrange [0:1]", "set yrange [0:1]",
                "set label 1 \"no data\" at graph 0.5, graph 0.5 center textcolor rgb '#888888'",
                "unset key", "plot -1e300 notitle"]
    } else {
      lines.append("plot " + plots.joined(separator: ", \\\n     "))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
