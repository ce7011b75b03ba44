/// MixUp (Zhang et al. 2018): each image becomes λ·xᵢ + (1 − λ)·xⱼ with its partner j, and its
/// target λ·yᵢ + (1 − λ)·yⱼ, one λ ~ Beta(α, α) for the whole batch. Training on these
/// in-between examples keeps the network's output linear between classes, a strong regulariser.
public struct MixUp: BatchMixing {
  public let alpha: Double
  public let classes: Int

  public init(alpha: Double = 1, classes: Int) {
    precondition(alpha > 0 && alpha.isFinite, "MixUp: alpha must be positive, got \(alpha)")
    precondition(classes > 0, "MixUp: classes must be positive, got \(classes)")
    (self.alpha, self.classes) = (alpha, classes)
  }

  public func callAsFunction(_ images: Tensor, labels: Tensor, generator: Generator) -> MixedBatch {
    let (n, _, _, _) = shape4(images, "MixUp")
    let dtype: DType = images.dtype.isFloatingPoint ? images.dtype : .float32
    let targets = probabilityTargets(labels, count: n, classes: classes, dtype: dtype, op: "MixUp")
    let lambda = mixingWeight(alpha: alpha, generator: generator)
    let partners = rolledPartners(n)
    let index = Tensor(partners.map(Int64.init), shape: [n])
    let x = images.to(dtype)
    return MixedBatch(images: lambda * x + (1 - lambda) * x.indexSelect(axis: 0, index: index),
                      targets: lambda * targets + (1 - lambda) * targets.indexSelect(axis: 0, index: index),
                      lambda: lambda, partners: partners, box: nil)
  }
}
