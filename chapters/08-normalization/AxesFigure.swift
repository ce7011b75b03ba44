import Foundation
import TorchlightPlot

/// The four-cube picture of which values share one mean and variance: a batch of feature maps
/// drawn as a block with N (examples) across, C (channels) going back and H, W (pixels, flattened)
/// up. The shaded cells are one normalization group:
/// - batch norm: one channel, every example and pixel;
/// - layer norm: one example, every channel and pixel;
/// - instance norm: one example and one channel, every pixel;
/// - group norm: one example, a group of channels, every pixel.
struct NormalizationAxesFigure: Figure {
  static let n = 6, c = 6, hw = 4, group = 3

  /// Whether the cell (example n, channel c, pixel row h) is in the shaded group of each method.
  static let methods: [(title: String, subtitle: String, shaded: @Sendable (Int, Int, Int) -> Bool)] = [
    ("Batch norm", "one μ, σ² per channel", { _, c, _ in c == 0 }),
    ("Layer norm", "one μ, σ² per example", { n, _, _ in n == Self.n - 1 }),
    ("Instance norm", "per example and channel", { n, c, _ in n == Self.n - 1 && c == 0 }),
    ("Group norm", "per example and channel group", { n, c, _ in n == Self.n - 1 && c < Self.group }),
  ]

  /// Depth axis slant and the gap between cubes.
  static let slant = 0.55, spacing = 12.0

  /// A point of the block (n across, c back, h up) in the plane, for cube k.
  static func project(_ n: Double, _ c: Double, _ h: Double, cube k: Int) -> (Double, Double) {
    (Double(k) * spacing + n + slant * c, h + slant * c)
  }

  /// The visible faces' cells as polygons, each with whether it is shaded: the front face
  /// (channel 0), the top (pixel row hw − 1) and the right side (example n − 1).
  func cells(cube k: Int) -> [(corners: [(Double, Double)], shaded: Bool)] {
    let (n, c, hw) = (Self.n, Self.c, Self.hw)
    let shaded = Self.methods[k].shaded
    func poly(_ points: [(Double, Double, Double)]) -> [(Double, Double)] { points.map { Self.project($0.0, $0.1, $0.2, cube: k) } }
    var out: [([(Double, Double)], Bool)] = []
    for i in 0..<n { for h in 0..<hw {
      let (x, y) = (Double(i), Double(h))
      out.append((poly([(x, 0, y), (x + 1, 0, y), (x + 1, 0, y + 1), (x, 0, y + 1)]), shaded(i, 0, h)))
    } }
    for i in 0..<n { for j in 0..<c {
      let (x, z, top) = (Double(i), Double(j), Double(hw))
      out.append((poly([(x, z, top), (x + 1, z, top), (x + 1, z + 1, top), (x, z + 1, top)]), shaded(i, j, hw - 1)))
    } }
    for j in 0..<c { for h in 0..<hw {
      let (z, y, right) = (Double(j), Double(h), Double(n))
      out.append((poly([(right, z, y), (right, z + 1, y), (right, z + 1, y + 1), (right, z, y + 1)]), shaded(n - 1, j, h)))
    } }
    return out
  }

  /// Two blocks: the shaded cells, then the others; each cell a closed polygon, cells separated
  /// by one blank line.
  func data() -> String {
    let all = Self.methods.indices.flatMap { cells(cube: $0) }
    func block(_ wanted: Bool) -> String {
      all.filter { $0.shaded == wanted }.map { cell in
        (cell.corners + [cell.corners[0]]).map { "\($0.0) \($0.1)" }.joined(separator: "\n")
      }.joined(separator: "\n\n")
    }
    return "# shaded cells (one normalization group): x y, one polygon per cell\n" + block(true)
      + "\n\n\n# other cells\n" + block(false) + "\n"
  }

  func script(dataFile: String) -> String {
    let file = "'" + dataFile.replacingOccurrences(of: "'", with: "''") + "'"
    let (n, c, hw) = (Double(Self.n), Double(Self.c), Double(Self.hw))
    var lines = [
      "set encoding utf8", "unset border", "unset tics", "unset key", "unset grid",
      "set title \"Which values share one mean and variance (shaded): N examples, C channels, H×W pixels\" font ',13'",
      "set size ratio -1",
      "set xrange [-2.5:\(Double(Self.methods.count - 1) * Self.spacing + n + Self.slant * c + 1.5)]",
      "set yrange [-3:\(hw + Self.slant * c + 1.2)]",
    ]
    for (k, method) in Self.methods.enumerated() {
      let (bx, by) = Self.project(n / 2, 0, 0, cube: k)
      lines.append("set label \(10 * k + 1) \"\(method.title)\" at \(bx + 1), \(by - 1.4) center font ',12'")
      lines.append("set label \(10 * k + 2) \"\(method.subtitle)\" at \(bx + 1), \(by - 2.3) center font ',10' textcolor rgb '#444444'")
      let (lx, ly) = Self.project(0, 0, hw / 2, cube: k)
      lines.append("set label \(10 * k + 3) \"H, W\" at \(lx - 0.4), \(ly) right font ',10'")
      let (nx, ny) = Self.project(n / 2, 0, 0, cube: k)
      lines.append("set label \(10 * k + 4) \"N\" at \(nx), \(ny - 0.5) center font ',10'")
      let (cx, cy) = Self.project(0, c / 2, hw, cube: k)
      lines.append("set label \(10 * k + 5) \"C\" at \(cx - 0.3), \(cy + 0.4) right font ',10'")
    }
    lines.append("plot \(file) index 0 with filledcurves closed fc rgb '#6baed6' fs solid 1.0 border lc rgb '#08306b', \\")
    lines.append("     \(file) index 1 with filledcurves closed fc rgb '#f4f4f4' fs solid 1.0 border lc rgb '#7f7f7f'")
    return lines.joined(separator: "\n") + "\n"
  }
}
