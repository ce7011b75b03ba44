/// Random changes of brightness and contrast (`transforms.ColorJitter(brightness, contrast)`;
/// saturation and hue mean nothing for grayscale Fashion-MNIST and are left out).
///
/// Each image draws a brightness factor b ~ U[max(0, 1 − brightness), 1 + brightness] and a
/// contrast factor k ~ U[max(0, 1 − contrast), 1 + contrast], and applies them in a random order:
/// brightness scales every pixel, x ↦ b·x; contrast pulls pixels towards (k < 1) or pushes them
/// away from (k > 1) the image's mean gray level m, x ↦ k·x + (1 − k)·m. Pixels are clamped to
/// [0, 1] after each step, as torchvision does for float images, so apply it before `Normalize`.
public struct ColorJitter: Transform {
  public let brightness: Double, contrast: Double

  public init(brightness: Double = 0, contrast: Double = 0) {
    precondition(brightness >= 0 && brightness.isFinite, "ColorJitter: brightness must be a non-negative number, got \(brightness)")
    precondition(contrast >= 0 && contrast.isFinite, "ColorJitter: contrast must be a non-negative number, got \(contrast)")
    (self.brightness, self.contrast) = (brightness, contrast)
  }

  /// The range each factor is drawn from.
  public var brightnessRange: ClosedRange<Double> { Swift.max(0, 1 - brightness)...(1 + brightness) }
  public var contrastRange: ClosedRange<Double> { Swift.max(0, 1 - contrast)...(1 + contrast) }

  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    let (n, c, h, w) = shape4(images, "ColorJitter")
    precondition(contrast == 0 || c == 1 || c == 3, "ColorJitter: contrast needs grayscale or RGB images (1 or 3 channels), got \(c) channels")
    // Three draws per image: the order, then the two factors.
    let draws = Tensor.rand([n, 3], dtype: .float64, generator: generator).toDoubles()
    var x = pixels(images)
    let plane = h * w, size = c * plane
    // The gray level of a pixel: itself, or the ITU-R 601 luma of red, green and blue.
    let luma: [Float] = c == 3 ? [0.299, 0.587, 0.114] : [1]
    for i in 0..<n {
      let b = Float(brightnessRange.lowerBound + (brightnessRange.upperBound - brightnessRange.lowerBound) * draws[3 * i + 1])
      let k = Float(contrastRange.lowerBound + (contrastRange.upperBound - contrastRange.lowerBound) * draws[3 * i + 2])
      func brighten() {
        guard brightness > 0 else { return }
        for j in (i * size)..<((i + 1) * size) { x[j] = Swift.min(Swift.max(b * x[j], 0), 1) }
      }
      func contrasted() {
        guard contrast > 0 else { return }
        var gray: Float = 0
        for ch in 0..<c { for j in 0..<plane { gray += luma[ch] * x[i * size + ch * plane + j] } }
        let m = gray / Float(plane)
        for j in (i * size)..<((i + 1) * size) { x[j] = Swift.min(Swift.max(k * x[j] + (1 - k) * m, 0), 1) }
      }
      if draws[3 * i] < 0.5 { brighten(); contrasted() } else { contrasted(); brighten() }
    }
    return Tensor(x, shape: images.shape)
  }
}
