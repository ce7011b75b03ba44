import Foundation

/// Arrows on a plane, over a faint cloud of points (gnuplot's `with vectors`), in panels side by
/// side: a learned score or velocity field at a few moments, with the data it points to.
public struct VectorFieldGrid: Figure {
  /// One panel: arrows from (x, y) along (dx, dy), and background points.
  public struct Panel: Sendable {
    public let title: String
    public let x: [Double], y: [Double], dx: [Double], dy: [Double]
    public let pointsX: [Double], pointsY: [Double]

    public init(title: String, x: [Double], y: [Double], dx: [Double], dy: [Double], pointsX: [Double] = [], pointsY: [Double] = []) {
      precondition(x.count == y.count && x.count == dx.count && x.count == dy.count,
                   "VectorFieldGrid.Panel \"\(title)\": x, y, dx and dy must have the same count")
      precondition(pointsX.count == pointsY.count, "VectorFieldGrid.Panel \"\(title)\": \(pointsX.count) x but \(pointsY.count) y points")
      self.title = title; self.x = x; self.y = y; self.dx = dx; self.dy = dy; self.pointsX = pointsX; self.pointsY = pointsY
    }
  }

  public let title: String
  public let panels: [Panel]
  public let columns: Int
  public let xRange: ClosedRange<Double>, yRange: ClosedRange<Double>

  public init(title: String, panels: [Panel], columns: Int, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
    precondition(columns > 0, "VectorFieldGrid: columns must be positive, got \(columns)")
    self.title = title; self.panels = panels; self.columns = columns; self.xRange = xRange; self.yRange = yRange
  }

  /// Two blocks per panel: the points (x y), then the arrows (x y dx dy).
  public func data() -> String {
    panels.map { p in
      let points = zip(p.pointsX, p.pointsY).map { "\(Theme.number($0)) \(Theme.number($1))" }
      let arrows = p.x.indices.map { i in [p.x[i], p.y[i], p.dx[i], p.dy[i]].map(Theme.number).joined(separator: " ") }
      return ["# points", points.isEmpty ? "NaN NaN" : points.joined(separator: "\n"), "", "",
              "# arrows", arrows.joined(separator: "\n")].joined(separator: "\n")
    }.joined(separator: "\n\n\n")
  }

  public func script(dataFile: String) -> String {
    let rows = max(1, (panels.count + columns - 1) / columns)
    var lines = ["set multiplot layout \(rows),\(columns) title \(Theme.quoted(title))"]
    for (k, panel) in panels.enumerated() {
      lines += ["", "reset"] + Theme.preamble
      lines += ["set title \(Theme.quoted(panel.title))", "unset key", "set size ratio -1",
                "set xrange [\(Theme.short(xRange.lowerBound)):\(Theme.short(xRange.upperBound))]",
                "set yrange [\(Theme.short(yRange.lowerBound)):\(Theme.short(yRange.upperBound))]",
                "plot \(Theme.file(dataFile)) index \(2 * k) using 1:2 with points pt 7 ps 0.25 lc rgb '#c7c7c7', \\",
                "     '' index \(2 * k + 1) using 1:2:3:4 with vectors head filled size graph 0.012,20 lw 1.2 lc rgb '\(Theme.color(0))'"]
    }
    lines.append("unset multiplot")
    return lines.joined(separator: "\n") + "\n"
  }
}
