import Foundation

extension ImageGrid {
  /// How much of the heat map's colour covers the grey image (0 shows only the image).
  static let overlayOpacity = 0.5

  /// The "jet" colour of t ∈ [0, 1]: dark blue, cyan, yellow, red, each channel a clipped tent.
  static func jet(_ t: Double) -> (r: Double, g: Double, b: Double) {
    func tent(_ centre: Double) -> Double { Swift.min(1, Swift.max(0, 1.5 - Swift.abs(4 * t - centre))) }
    return (tent(3), tent(2), tent(1))
  }

  /// The colour of class k of a class overlay as a hex string: black (drawn as no colour at
  /// all) for the background, class 0; then the line colours in order, so class k matches
  /// `Series(color: k − 1)` and `GridBox`.
  static func classHex(_ k: Int) -> String { k > 0 ? Theme.color(k - 1) : "#000000" }

  /// `classHex(k)` as red, green, blue in 0…1.
  static func classColor(_ k: Int) -> (r: Double, g: Double, b: Double) {
    let hex = classHex(k).dropFirst()
    func channel(_ at: Int) -> Double { Double(Int(hex.dropFirst(at).prefix(2), radix: 16) ?? 0) / 255 }
    return (channel(0), channel(2), channel(4))
  }

  /// One overlaid image as `column row red green blue` lines (0…255) for gnuplot's `rgbimage`:
  /// each pixel is (1 − a)·grey + a·colour, with a = `overlayOpacity` and the colour jet(heat);
  /// for a class overlay, the class's colour, and no colour at all on the background.
  func overlaidRows(_ grey: [Double], _ heat: [Double]) -> String {
    let classes = !overlayClasses.isEmpty
    let palette = overlayClasses.indices.map(Self.classColor)      // once, not per pixel
    var text = ""
    for r in 0..<height {
      for c in 0..<width {
        let i = r * width + c
        let g = grey[i].isFinite ? grey[i] : 0
        var a = Self.overlayOpacity, colour: (r: Double, g: Double, b: Double)
        if classes {
          let k = heat[i].isFinite ? Int(heat[i].rounded()) : 0
          if k > 0 && k < palette.count { colour = palette[k] } else { colour = (0, 0, 0); a = 0 }
        } else {
          colour = Self.jet(heat[i].isFinite ? Swift.min(1, Swift.max(0, heat[i])) : 0)
        }
        func byte(_ value: Double) -> Int { Int((255 * ((1 - a) * g + a * value)).rounded()) }
        text += "\(c) \(r) \(byte(colour.r)) \(byte(colour.g)) \(byte(colour.b))\n"
      }
      text += "\n"
    }
    return text
  }
}
