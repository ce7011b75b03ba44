/// A batch whose images were blended in pairs, with soft targets to match: the result of
/// `MixUp` and `CutMix`. Train on it with `softTargetCrossEntropy(logits:targets:)`.
public struct MixedBatch {
  /// The mixed images `[N, C, H, W]`.
  public let images: Tensor
  /// Class probabilities `[N, classes]`: λ on each image's own label, 1 − λ on its partner's.
  public let targets: Tensor
  /// The weight λ of each image's own content (for CutMix, the share of its pixels it kept).
  public let lambda: Double
  /// The partner of image i is image `partners[i]` (torchvision pairs each image with the one
  /// before it: `batch.roll(1, 0)`).
  public let partners: [Int]
  /// CutMix only: the rectangle pasted from the partner.
  public let box: PixelWindow?
}

/// A batch-level augmentation that mixes images and their labels (`transforms.v2.MixUp`, `CutMix`).
public protocol BatchMixing {
  /// Mixes `images` `[N, C, H, W]` whose `labels` are class indices (int64 `[N]`) or already
  /// class probabilities (`[N, classes]`, for example from an earlier mix).
  func callAsFunction(_ images: Tensor, labels: Tensor, generator: Generator) -> MixedBatch
}

/// Image i's partner, i − 1 (the last for the first): `roll(1, dims=0)`.
func rolledPartners(_ n: Int) -> [Int] { (0..<n).map { ($0 + n - 1) % n } }

/// Labels as class probabilities `[N, classes]` in `dtype`, checking them on the way.
func probabilityTargets(_ labels: Tensor, count n: Int, classes: Int, dtype: DType, op: String) -> Tensor {
  if labels.dtype.isFloatingPoint {
    precondition(labels.shape == [n, classes], "\(op): probability labels must be [\(n), \(classes)], got \(labels.shape)")
    return labels.to(dtype)
  }
  precondition(labels.shape == [n], "\(op): expected \(n) class labels [N] for images [N, C, H, W], got labels \(labels.shape)")
  let values = labels.toArray(Int64.self)
  if let bad = values.first(where: { $0 < 0 || $0 >= Int64(classes) }) {
    preconditionFailure("\(op): label \(bad) is outside 0..<\(classes) (classes: \(classes))")
  }
  var oneHot = [Double](repeating: 0, count: n * classes)
  for (i, v) in values.enumerated() { oneHot[i * classes + Int(v)] = 1 }
  return Tensor(oneHot, shape: [n, classes], dtype: dtype)
}

/// The mixing weight λ ~ Beta(α, α): near 0 or 1 for small α (mostly one image), uniform for α = 1.
func mixingWeight(alpha: Double, generator: Generator) -> Double {
  Tensor.beta([1], alpha: alpha, beta: alpha, dtype: .float64, generator: generator).item()
}
