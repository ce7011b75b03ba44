/// Curves or point sets against a shared x axis, with a legend: training curves, functions,
/// scatter plots (series with `.points`).
public struct LinePlot: Figure {
  public let title: String, xLabel: String, yLabel: String
  public let series: [Series]
  public let logX: Bool, logY: Bool
  public let xRange: ClosedRange<Double>?, yRange: ClosedRange<Double>?

  public init(title: String, xLabel: String, yLabel: String, series: [Series], logX: Bool = false, logY: Bool = false,
              xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    self.logX = logX; self.logY = logY; self.xRange = xRange; self.yRange = yRange
  }

  public func data() -> String {
    series.map { s in
      "# \(s.name)\n" + zip(s.x, s.y).map { "\(Style.number($0)) \(Style.number($1))" }.joined(separator: "\n")
    }.joined(separator: "\n\n\n") + "\n"
  }

  public func script(dataFile: String) -> String {
    var lines = Style.header(title: title, xLabel: xLabel, yLabel: yLabel)
    lines.append("set key outside right top box opaque")
    if logX { lines += ["set logscale x", "set format x '%g'"] }
    if logY { lines += ["set logscale y", "set format y '%g'"] }
    if let r = xRange { lines.append("set xrange [\(r.lowerBound):\(r.upperBound)]") }
    if let r = yRange { lines.append("set yrange [\(r.lowerBound):\(r.upperBound)]") }
    let plots = series.enumerated().map { i, s in
      "\(Style.quoted(dataFile)) index \(i) using 1:2 \(Style.plotStyle(s.style, color: Style.colors[i % Style.colors.count])) title \(Style.quoted(s.name))"
    }
    lines.append("plot " + (plots.isEmpty ? "NaN notitle" : plots.joined(separator: ", \\\n     ")))
    return lines.joined(separator: "\n") + "\n"
  }
}
