/// Overlaid histograms of several value sets over shared bins (activation distributions, …).
/// The binning is done here; gnuplot draws translucent boxes.
public struct Histogram: Figure {
  public let title: String, xLabel: String, yLabel: String
  public let series: [(name: String, values: [Double])]
  public let bins: Int

  public init(title: String, xLabel: String, yLabel: String = "count", series: [(name: String, values: [Double])], bins: Int = 30) {
    precondition(bins > 0, "Histogram: bins must be positive")
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.bins = bins
  }

  /// Shared bin edges over every finite value.
  var range: (lo: Double, width: Double) {
    let all = series.flatMap(\.values).filter(\.isFinite)
    let lo = all.min() ?? 0, hi = all.max() ?? 1
    return (lo, hi > lo ? (hi - lo) / Double(bins) : 1)
  }

  public func data() -> String {
    let (lo, width) = range
    return series.map { s in
      var counts = [Int](repeating: 0, count: bins)
      for v in s.values where v.isFinite { counts[min(bins - 1, max(0, Int((v - lo) / width)))] += 1 }
      return "# \(s.name)\n" + counts.enumerated().map { "\(lo + (Double($0) + 0.5) * width) \($1)" }.joined(separator: "\n")
    }.joined(separator: "\n\n\n") + "\n"
  }

  public func script(dataFile: String) -> String {
    var lines = Style.header(title: title, xLabel: xLabel, yLabel: yLabel)
    lines += ["set key outside right top box opaque", "set style fill transparent solid 0.45 noborder", "set boxwidth \(range.width)"]
    let plots = series.enumerated().map { i, s in
      "\(Style.quoted(dataFile)) index \(i) using 1:2 with boxes lc rgb '\(Style.colors[i % Style.colors.count])' title \(Style.quoted(s.name))"
    }
    lines.append("plot " + (plots.isEmpty ? "NaN notitle" : plots.joined(separator: ", \\\n     ")))
    return lines.joined(separator: "\n") + "\n"
  }
}
