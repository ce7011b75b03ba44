/// A function of two variables as a colour map with contour lines, and paths drawn on top:
/// loss surfaces with an optimizer's trajectory.
public struct ContourPlot: Figure {
  public let title: String, xLabel: String, yLabel: String
  public let x: [Double], y: [Double]
  /// z[i][j] is the value at (x[j], y[i]).
  public let z: [[Double]]
  public let levels: Int
  /// Space the contour levels (and colours) logarithmically: for bowls whose floor matters.
  public let logLevels: Bool
  public let overlays: [Series]

  public init(title: String, xLabel: String, yLabel: String, x: [Double], y: [Double], z: [[Double]],
              levels: Int = 15, logLevels: Bool = false, overlays: [Series] = []) {
    precondition(z.count == y.count && z.allSatisfy { $0.count == x.count },
                 "ContourPlot: z must have \(y.count) rows of \(x.count) values")
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    self.x = x; self.y = y; self.z = z; self.levels = levels; self.logLevels = logLevels; self.overlays = overlays
  }

  /// The plotted value: log10 of z when `logLevels`, so equal colour steps are equal ratios.
  func shown(_ v: Double) -> Double { logLevels ? log10(max(v, 1e-300)) : v }

  public func data() -> String {
    // Block 0: the grid, one scan line per y (gnuplot's grid format: blank line between rows).
    // Exactly two blank lines separate blocks; within the grid, one blank line ends each row.
    let rows = y.indices.map { i in
      x.indices.map { "\(x[$0]) \(y[i]) \(Style.number(shown(z[i][$0])))" }.joined(separator: "\n")
    }
    let grid = "# grid: x y z\n" + rows.joined(separator: "\n\n")
    let paths = overlays.map { s in "# \(s.name)\n" + zip(s.x, s.y).map { "\($0) \($1)" }.joined(separator: "\n") }
    return ([grid] + paths).joined(separator: "\n\n\n") + "\n"
  }

  public func script(dataFile: String) -> String {
    let finite = z.flatMap { $0 }.map(shown).filter(\.isFinite)
    let lo = finite.min() ?? 0, hi = finite.max() ?? 1
    let step = hi > lo ? (hi - lo) / Double(levels) : 1
    var lines = Style.header(title: title, xLabel: xLabel, yLabel: yLabel)
    lines += [
      "set view map", "set key outside right top box opaque",
      "set palette defined (0 '#0d0887', 1 '#5302a3', 2 '#8b0aa5', 3 '#b83289', 4 '#db5c68', 5 '#f48849', 6 '#febd2a', 7 '#f0f921')",
      "set cblabel \(Style.quoted(logLevels ? "log10 value" : "value"))",
      "set contour base", "set cntrparam levels incremental \(lo),\(step),\(hi)", "unset clabel",
      "set xrange [\(x.first ?? 0):\(x.last ?? 1)]", "set yrange [\(y.first ?? 0):\(y.last ?? 1)]",
      // Contour lines are computed into a table first, then drawn over the colour map in 2-D.
      "unset surface", "set table $contours", "splot \(Style.quoted(dataFile)) index 0 using 1:2:3 with lines notitle",
      "unset table", "unset contour", "set surface",
    ]
    var plots = ["\(Style.quoted(dataFile)) index 0 using 1:2:3 with image notitle",
                 "$contours using 1:2 with lines lw 1 lc rgb '#ffffff' dt 1 notitle"]
    for (i, s) in overlays.enumerated() {
      let color = ["#00e5ff", "#39ff14", "#ff4040", "#ffffff"][i % 4]
      plots.append("\(Style.quoted(dataFile)) index \(i + 1) using 1:2 \(Style.plotStyle(s.style, color: color)) title \(Style.quoted(s.name))")
    }
    lines.append("plot " + plots.joined(separator: ", \\\n     "))
    return lines.joined(separator: "\n") + "\n"
  }
}

import Foundation
