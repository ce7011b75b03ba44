/// A rectangle of whole pixels in an image: rows top..<top + height, columns left..<left + width.
/// Crops, erasing and CutMix all choose one.
public struct PixelWindow: Equatable, Sendable, CustomStringConvertible {
  public var top: Int, left: Int, height: Int, width: Int
  public init(top: Int, left: Int, height: Int, width: Int) { (self.top, self.left, self.height, self.width) = (top, left, height, width) }
  /// Pixels inside.
  public var area: Int { height * width }
  public var description: String { "\(height)×\(width) at (\(top), \(left))" }
}

/// Resamples `window` of one `h × w` plane to `outHeight × outWidth`, bilinearly, with pixel
/// centres aligned as PyTorch's default (`align_corners=False`): output pixel (y, x) reads the
/// input at row top + (y + ½)·height/outHeight − ½ (clamped to the window), blending the four
/// pixels around that point by their distance. No antialiasing, as `F.interpolate`.
func resampleBilinear(_ src: UnsafeBufferPointer<Float>, width w: Int, window: PixelWindow,
                      into out: UnsafeMutableBufferPointer<Float>, outHeight: Int, outWidth: Int) {
  let sy = Double(window.height) / Double(outHeight), sx = Double(window.width) / Double(outWidth)
  // The two source columns and the weight of the right one, per output column.
  let columns = (0..<outWidth).map { x -> (Int, Int, Float) in
    let fx = Swift.max((Double(x) + 0.5) * sx - 0.5, 0)
    let x0 = Swift.min(Int(fx), window.width - 1), x1 = Swift.min(x0 + 1, window.width - 1)
    return (window.left + x0, window.left + x1, Float(fx - Double(x0)))
  }
  for y in 0..<outHeight {
    let fy = Swift.max((Double(y) + 0.5) * sy - 0.5, 0)
    let y0 = Swift.min(Int(fy), window.height - 1), y1 = Swift.min(y0 + 1, window.height - 1)
    let ty = Float(fy - Double(y0))
    let top = (window.top + y0) * w, bottom = (window.top + y1) * w
    for (x, (x0, x1, tx)) in columns.enumerated() {
      let upper = src[top + x0] * (1 - tx) + src[top + x1] * tx
      let lower = src[bottom + x0] * (1 - tx) + src[bottom + x1] * tx
      out[y * outWidth + x] = upper * (1 - ty) + lower * ty
    }
  }
}

/// The images as float32 pixels, one contiguous `[N, C, H, W]` array.
func pixels(_ images: Tensor) -> [Float] { images.contiguous().float().toArray(Float.self) }
