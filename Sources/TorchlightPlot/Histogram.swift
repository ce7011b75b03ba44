import Foundation

/// Overlaid histograms of several sets of values over shared bins: weight or activation
/// distributions, per-layer gradient sizes. The counting is done here, so the `.dat` file holds
/// one row per bin (its centre, its count, its edges); gnuplot draws translucent boxes.
public struct Histogram: CanvasFigure {
  public let title: String, xLabel: String, yLabel: String
  public let series: [(name: String, values: [Double])]
  public let bins: Int

  public init(title: String, xLabel: String, yLabel: String = "count", series: [(name: String, values: [Double])], bins: Int = 30) {
    precondition(bins > 0, "Histogram: bins must be positive, not \(bins)")
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.bins = bins
  }

  /// The shared bins: `bins` equal widths from the smallest to the largest finite value.
  var edges: (lo: Double, width: Double) {
    let all = series.flatMap(\.values).filter(\.isFinite)
    guard let lo = all.min(), let hi = all.max() else { return (0, 1 / Double(bins)) }
    if hi > lo { return (lo, (hi - lo) / Double(bins)) }
    // Every value the same: one-unit-wide bins, the middle one centred on it.
    return (lo - Double(bins / 2) - 0.5, 1)
  }

  /// How many finite values of each series fall in each bin; the last bin includes its upper edge.
  var counts: [[Int]] {
    let (lo, width) = edges
    return series.map { s in
      var counts = [Int](repeating: 0, count: bins)
      for v in s.values where v.isFinite {
        counts[min(bins - 1, max(0, Int(((v - lo) / width).rounded(.down))))] += 1
      }
      return counts
    }
  }

  public func data() -> String {
    let (lo, width) = edges
    return Theme.blocks(zip(series, counts).map { s, counts in
      ("\(s.name): bin centre, count, bin from, bin to",
       counts.enumerated().map { k, n in
         let from = lo + Double(k) * width
         return "\(Theme.number(from + width / 2)) \(n) \(Theme.number(from)) \(Theme.number(from + width))"
       })
    })
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String {
    let (lo, width) = edges
    let counts = counts
    let top = Double(max(1, counts.joined().max() ?? 1))
    var lines = Theme.header(title: title, xLabel: xLabel, yLabel: yLabel, canvas: canvas)
    lines += [
      "set style fill transparent solid 0.35 border",
      "set boxwidth \(Theme.short(width)) absolute",
      "set xrange [\(Theme.short(lo - width)):\(Theme.short(lo + Double(bins + 1) * width))]",
      "set yrange [0:*]",
      "set grid noxtics",
    ]
    if top <= 8 { lines.append("set ytics 1") }  // few values: whole counts only
    // The bars as the legend sees them: columns from 0 up to each count.
    let samples = counts.flatMap { counts in
      counts.enumerated().flatMap { k, n in
        let x = (Double(k) + 1.5) / Double(bins + 2)
        return stride(from: 0.0, through: Double(n) / (top * 1.05), by: 0.02).map { (x, $0) }
      }
    }
    let named = series.map(\.name).filter { !$0.isEmpty }
    lines += Theme.key(samples: samples, names: named, canRaiseTop: true, canvas: canvas)
    let plots = series.enumerated().map { i, s in
      "\(Theme.file(dataFile)) index \(i) using 1:2 with boxes lw 1.5 lc rgb '\(Theme.color(i))' \(Theme.title(s.name))"
    }
    if plots.isEmpty {
      lines += ["set label 1 \"no data\" at graph 0.5, graph 0.5 center textcolor rgb '#888888'",
                "set yrange [0:1]", "unset key", "plot -1 notitle"]
    } else {
      lines.append("plot " + plots.joined(separator: ", \\\n     "))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
