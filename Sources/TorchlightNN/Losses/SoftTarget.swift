/// Cross-entropy against a whole distribution over the classes (timm's `SoftTargetCrossEntropy`),
/// the loss for the mixed targets of MixUp and CutMix:
///
///     ℓᵢ = −Σ_c pᵢ꜀ · log softmax(xᵢ)꜀,    ∂ℓᵢ/∂xᵢ꜀ = softmax(xᵢ)꜀ · Σ_c′ pᵢ꜀′ − pᵢ꜀
///
/// so for rows p that sum to 1 the gradient is the familiar q − p. With one-hot p it is the
/// ordinary cross-entropy. The class axis is 1 (`[N, C]`, or `[N, C, H, W]` for a per-pixel
/// distribution, where ℓ has shape `[N, H, W]`); `mean` averages ℓ over every position.
/// The targets are used as given: they are not renormalised, and they get a gradient
/// (−log softmax(x)) if they require one. `crossEntropy(logits:targets:)` with `[N, C]`
/// probability targets computes the same.
public func softTargetCrossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .crossEntropy, [logits, targets]) {
    return softTargetCrossEntropy(logits: c[0]!, targets: c[1]!, reduction: reduction)
  }
  guard logits.rank >= 2 else {
    fatalError("softTargetCrossEntropy: expected logits [N, C] or [N, C, ...], got \(logits.shape)")
  }
  guard targets.dtype.isFloatingPoint else {
    fatalError("softTargetCrossEntropy: targets must be class probabilities (a float tensor of the logits' shape \(logits.shape)), got \(targets.dtype) \(targets.shape); for class indices use crossEntropy")
  }
  checkSameShapes("softTargetCrossEntropy", ["logits": logits, "targets": targets])
  let losses = (-targets.to(logits.dtype) * logSoftmax(logits, axis: 1)).sum(axis: 1)
  return reduction.apply(losses)
}
