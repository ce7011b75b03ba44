import Foundation

/// A function of two variables as a colour map with contour lines, and paths drawn on top:
/// loss surfaces with an optimizer's trajectory.
///
/// `x` and `y` must be evenly spaced and increasing (as from a linspace): gnuplot draws the
/// colour map as an image, one cell per value.
public struct ContourPlot: CanvasFigure {
  public let title: String, xLabel: String, yLabel: String
  public let x: [Double], y: [Double]
  /// z[i][j] is the value at (x[j], y[i]).
  public let z: [[Double]]
  public let levels: Int
  /// Space the contour levels (and colours) logarithmically: for bowls whose floor matters,
  /// like a loss that spans several orders of magnitude. Values ≤ 0 get the lowest colour.
  public let logLevels: Bool
  public let overlays: [Series]
  /// What the colours mean, written beside the colour bar ("loss", "f(x)").
  public let colorLabel: String

  public init(title: String, xLabel: String, yLabel: String, x: [Double], y: [Double], z: [[Double]],
              levels: Int = 15, logLevels: Bool = false, overlays: [Series] = [], colorLabel: String = "") {
    precondition(x.count >= 2 && y.count >= 2, "ContourPlot: need at least 2 x and 2 y values, got \(x.count) and \(y.count)")
    precondition(z.count == y.count && z.allSatisfy { $0.count == x.count },
                 "ContourPlot: z must have \(y.count) rows (one per y) of \(x.count) values (one per x)")
    precondition(levels > 0, "ContourPlot: levels must be positive, not \(levels)")
    self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
    self.x = x; self.y = y; self.z = z; self.levels = levels; self.logLevels = logLevels; self.overlays = overlays
    self.colorLabel = colorLabel
  }

  /// The colour range: finite values, and on a log scale positive ones, with the floor at most
  /// eight decades below the top (a zero minimum would otherwise stretch the scale to nothing).
  var range: (lo: Double, hi: Double) {
    let values = z.joined().filter { $0.isFinite && (!logLevels || $0 > 0) }
    guard var lo = values.min(), var hi = values.max() else { return logLevels ? (0.1, 1) : (0, 1) }
    if logLevels { lo = max(lo, hi * 1e-8) }
    if hi <= lo {
      if logLevels { lo /= 2; hi *= 2 } else { lo -= 0.5; hi += 0.5 }
    }
    return (lo, hi)
  }

  /// Every shown value the same: no contour lines to draw.
  var isFlat: Bool {
    let values = z.joined().filter { $0.isFinite && (!logLevels || $0 > 0) }
    return values.min() == values.max()
  }

  /// The contour levels: `levels` values evenly (or geometrically) spaced strictly inside the range.
  var levelValues: [Double] {
    let (lo, hi) = range
    return (1...levels).map { k in
      let t = Double(k) / Double(levels + 1)
      return logLevels ? lo * Foundation.pow(hi / lo, t) : lo + t * (hi - lo)
    }
  }

  public func data() -> String {
    // Block 0: the grid in gnuplot's scan format (one y per scan, a blank line between scans).
    // The separating blank lines inside this block are single; blocks are two apart.
    let rows = y.indices.map { i in
      x.indices.map { j in "\(Theme.number(x[j])) \(Theme.number(y[i])) \(Theme.number(z[i][j]))" }.joined(separator: "\n")
    }
    let grid = "# surface: x y z (z[i][j] at x[j], y[i])\n" + rows.joined(separator: "\n\n")
    guard !overlays.isEmpty else { return grid + "\n" }
    return grid + "\n\n\n" + Theme.blocks(overlays.map { s in
      (s.name.isEmpty ? "path" : s.name, zip(s.x, s.y).map { "\(Theme.number($0)) \(Theme.number($1))" })
    })
  }

  public func script(dataFile: String) -> String { script(dataFile: dataFile, canvas: .png) }

  func script(dataFile: String, canvas: Canvas) -> String {
    let (lo, hi) = range
    let file = Theme.file(dataFile)
    let xs = (x.first!, x.last!), ys = (y.first!, y.last!)
    // What the colour map shows: the value itself, clamped into the colour range so that values
    // below a log scale's floor (zeros) get the lowest colour instead of none.
    let clamp = "($3 < \(Theme.short(lo)) ? \(Theme.short(lo)) : $3)"
    var lines = Theme.header(title: title, xLabel: xLabel, yLabel: yLabel, canvas: canvas)
    if !isFlat {
      lines += [
        "# Contour lines: computed by splot into a table, then drawn as lines over the colour map.",
        "set contour base", "unset surface", "set view map",
        "set cntrparam linear levels discrete " + levelValues.map(Theme.short).joined(separator: ","),
        "set table $contours",
        "splot \(file) index 0 using 1:2:\(clamp) with lines notitle",
        "unset table", "unset contour", "set surface",
        "",
      ]
    }
    lines += [
      "# The colour map (a perceptually uniform palette, dark = low) and its colour bar.",
      "set palette defined (0 '#0d0887', 0.15 '#41049d', 0.3 '#6a00a8', 0.45 '#8f0da4', 0.55 '#b12a90', 0.65 '#cc4778', 0.75 '#e16462', 0.85 '#f2844b', 0.93 '#fca636', 1 '#f0f921')",
      "set cbrange [\(Theme.short(lo)):\(Theme.short(hi))]",
      "set style line 100 lc rgb '#4d4d4d' lw 1",
      "set colorbox user origin graph 1.03, graph 0 size character 1.6, graph 1 border 100",
      "set cbtics scale 0.5 nomirror out",
    ]
    if logLevels { lines += ["set logscale cb", "set format cb '%g'"] }
    if !colorLabel.isEmpty { lines.append("set cblabel \(Theme.quoted(colorLabel)) offset 0.5,0") }
    lines += [
      "set xrange [\(Theme.short(xs.0)):\(Theme.short(xs.1))]",
      "set yrange [\(Theme.short(ys.0)):\(Theme.short(ys.1))]",
      "set rmargin \(colorLabel.isEmpty ? 11 : 13)",
      "set border 15 lw 1 lc rgb '#4d4d4d'",
      "set tics front",
      "unset grid",
    ]

    // Where the paths lie, for the legend.
    let scaleX = Theme.scale(values: x, log: false, range: min(xs.0, xs.1)...max(xs.0, xs.1))
    let scaleY = Theme.scale(values: y, log: false, range: min(ys.0, ys.1)...max(ys.0, ys.1))
    let samples = overlays.flatMap { s in
      Theme.samples(x: s.x, y: s.y, connected: s.style != .points, scaleX: scaleX, scaleY: scaleY)
    }
    let named = overlays.map(\.name).filter { !$0.isEmpty }
    // A dark legend, so that light path colours show in it as they do on the map.
    let style = "reverse Left samplen 2.5 spacing 1.1 width 2 opaque fc rgb '#2e2e2e' textcolor rgb '#f2f2f2' box lc rgb '#2e2e2e'"
    lines += Theme.key(samples: samples, names: named, canRaiseTop: false, style: style, canvas: canvas)

    var plots = ["\(file) index 0 using 1:2:\(clamp) with image notitle"]
    if !isFlat { plots.append("$contours using 1:2 with lines lw 1 lc rgb '#80ffffff' notitle") }
    // Paths in colours that stand out on both the dark and the bright end of the palette,
    // each drawn over a thin dark outline. A long path (hundreds of small steps that zigzag)
    // is drawn thin, so it does not cover the paths beside it.
    let overlayColors = ["#ffffff", "#00e5ff", "#7CFC00", "#ffe600", "#ff4081"]
    for (i, s) in overlays.enumerated() {
      let color = overlayColors[i % overlayColors.count]
      let source = "\(file) index \(i + 1) using 1:2"
      switch s.style {
      case .points:
        plots.append("\(source) with points pt 7 ps 1.6 lc rgb '#202020' notitle")
        plots.append("\(source) with points pt 7 ps 1.1 lc rgb '\(color)' \(Theme.title(s.name))")
      case .lines, .dashed:
        // A long path is drawn thin and a little transparent, so paths that share a valley show
        // through each other; a dot marks where it ended.
        let long = s.x.count > 60
        let shown = long ? "#40" + color.dropFirst() : color
        plots.append("\(source) with lines lw \(long ? 2.5 : 4) lc rgb '#a0202020' notitle")
        plots.append("\(source) \(Theme.plotStyle(s.style, color: shown, index: i, count: long ? 5000 : 0, canvas: canvas)) \(Theme.title(s.name))")
        if long, let x = s.x.last, let y = s.y.last {
          plots.append("'+' using (\(Theme.short(x))):(\(Theme.short(y))) every ::0::0 with points pt 7 ps 1.5 lc rgb '#202020' notitle")
          plots.append("'+' using (\(Theme.short(x))):(\(Theme.short(y))) every ::0::0 with points pt 7 ps 1.0 lc rgb '\(color)' notitle")
        }
      case .linesPoints:
        plots.append("\(source) with linespoints lw 4 pt 7 ps 1.0 lc rgb '#a0202020' notitle")
        plots.append("\(source) with linespoints lw 2 pt 7 ps 0.6 lc rgb '\(color)' \(Theme.title(s.name))")
      }
    }
    lines.append("plot " + plots.joined(separator: ", \\\n     "))
    return lines.joined(separator: "\n") + "\n"
  }
}
