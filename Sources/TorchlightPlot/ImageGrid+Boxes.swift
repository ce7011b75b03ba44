/// A rectangle drawn over an image of an `ImageGrid`, with an optional label at its top-left
/// corner: a ground-truth box, an anchor, a detection with its class and score.
public struct GridBox: Sendable {
  /// Pixel-edge corners: the box covers columns x₁..<x₂ and rows y₁..<y₂ of the image.
  public let x1: Double, y1: Double, x2: Double, y2: Double
  public let label: String
  /// A colour of the palette (as `Series.color`).
  public let color: Int
  /// Dashed for a second kind of box on the same image (ground truth under detections).
  public let dashed: Bool

  public init(x1: Double, y1: Double, x2: Double, y2: Double, label: String = "", color: Int = 0, dashed: Bool = false) {
    (self.x1, self.y1, self.x2, self.y2, self.label, self.color, self.dashed) = (x1, y1, x2, y2, label, color, dashed)
  }
}

extension ImageGrid {
  /// gnuplot `set object rectangle` and `set label` lines for every box, shifted into its cell.
  /// Pixel (c, r) is drawn centred on (c, r), so the pixel edge x sits at x − ½.
  func boxLines(_ layout: Layout) -> [String] {
    var lines: [String] = []
    for (k, list) in boxes.enumerated() where k < images.count {
      let ox = Double(k % columns) * layout.cellWidth - 0.5, oy = Double(k / columns) * layout.cellHeight - 0.5
      for box in list {
        // Clipped to the image, so a box that runs past the canvas edge stays in its cell.
        let x1 = Swift.max(0, Swift.min(Double(width), box.x1)), x2 = Swift.max(0, Swift.min(Double(width), box.x2))
        let y1 = Swift.max(0, Swift.min(Double(height), box.y1)), y2 = Swift.max(0, Swift.min(Double(height), box.y2))
        guard x2 > x1, y2 > y1 else { continue }
        let colour = Theme.color(box.color)
        lines.append("set object rectangle from \(Theme.short(ox + x1)),\(Theme.short(oy + y1)) to \(Theme.short(ox + x2)),\(Theme.short(oy + y2)) fs empty border lc rgb '\(colour)' lw 1.5\(box.dashed ? " dt 2" : "") front")
        if !box.label.isEmpty {
          lines.append("set label \(Theme.quoted(box.label)) at \(Theme.short(ox + x1)),\(Theme.short(oy + y1)) left front offset 0.1,0.45 tc rgb '\(colour)' font ',7'")
        }
      }
    }
    return lines
  }
}
