/// Adds independent normal noise N(mean, std²) to every pixel (`transforms.v2.GaussianNoise`),
/// then clamps to [0, 1] when `clip` is on (images in [0, 1], before `Normalize`).
public struct GaussianNoise: Transform {
  public let mean: Double, std: Double, clip: Bool

  public init(mean: Double = 0, std: Double = 0.1, clip: Bool = true) {
    precondition(std >= 0 && std.isFinite, "GaussianNoise: std must be a non-negative number, got \(std)")
    precondition(mean.isFinite, "GaussianNoise: mean must be finite, got \(mean)")
    (self.mean, self.std, self.clip) = (mean, std, clip)
  }

  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    _ = shape4(images, "GaussianNoise")
    let noisy = images.float() + Tensor.normal(images.shape, mean: mean, std: std, dtype: .float32, generator: generator)
    return clip ? noisy.clamp(min: 0, max: 1) : noisy
  }
}
