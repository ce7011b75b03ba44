import Foundation

extension ImageGrid {
  /// How much of the heat map's colour covers the grey image (0 shows only the image).
  static let overlayOpacity = 0.5

  /// The "jet" colour of t ∈ [0, 1]: dark blue, cyan, yellow, red, each channel a clipped tent.
  static func jet(_ t: Double) -> (r: Double, g: Double, b: Double) {
    func tent(_ centre: Double) -> Double { Swift.min(1, Swift.max(0, 1.5 - Swift.abs(4 * t - centre))) }
    return (tent(3), tent(2), tent(1))
  }

  /// One overlaid image as `column row red green blue` lines (0…255) for gnuplot's `rgbimage`:
  /// each pixel is (1 − a)·grey + a·jet(heat), with a = `overlayOpacity`.
  func overlaidRows(_ grey: [Double], _ heat: [Double]) -> String {
    let a = Self.overlayOpacity
    var text = ""
    for r in 0..<height {
      for c in 0..<width {
        let i = r * width + c
        let g = grey[i].isFinite ? grey[i] : 0, h = heat[i].isFinite ? Swift.min(1, Swift.max(0, heat[i])) : 0
        let (cr, cg, cb) = Self.jet(h)
        func byte(_ colour: Double) -> Int { Int((255 * ((1 - a) * g + a * colour)).rounded()) }
        text += "\(c) \(r) \(byte(cr)) \(byte(cg)) \(byte(cb))\n"
      }
      text += "\n"
    }
    return text
  }
}
