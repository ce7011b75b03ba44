/// Cross-entropy with class-index targets as one fused op, for speed. Op by op (log-softmax,
/// gather, negate, mean) it is about fifteen small tensor ops forward and as many backward, each
/// with its own allocation and graph node; the fused kernel (`FusedCrossEntropy`, in Torchlight)
/// reads the logits once forward and once backward.
///
/// Loss ℓᵢ = logsumexp(xᵢ) − xᵢ,ₜᵢ per example, reduced by `reduction` (the mean is over the
/// examples whose target is not `ignoreIndex`). Gradient, in closed form:
/// ∂L/∂xᵢⱼ = gᵢ·(softmax(xᵢ)ⱼ − [j = tᵢ]), with gᵢ the upstream gradient (divided by the count
/// for a mean). When backward is itself recorded (`createGraph`), the gradient is taken through
/// `crossEntropyReference` instead, so second derivatives work too.
func crossEntropyFused(logits: Tensor, targets: Tensor, ignoreIndex: Int, reduction: Reduction) -> Tensor {
  let (losses, total, saved) = FusedCrossEntropy.forward(logits: logits, targets: targets, ignoreIndex: ignoreIndex)
  let value: Tensor, scale: Double
  switch reduction {
  case .none: (value, scale) = (losses, 1)
  case .sum: (value, scale) = (Tensor(total, dtype: logits.dtype), 1)
  case .mean: (value, scale) = (Tensor(total / Double(saved.counted), dtype: logits.dtype), 1 / Double(saved.counted))
  }
  let reference = { crossEntropyReference(logits: logits, targets: targets, ignoreIndex: ignoreIndex, reduction: reduction) }
  return value.recordedFused("NllLossBackward", inputs: [logits], reference: reference) { g in
    [FusedCrossEntropy.backward(g, scale: scale, saved)]
  }
}
