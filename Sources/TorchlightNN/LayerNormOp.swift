/// Layer normalization as one fused op, for speed: op by op it is a mean, a variance, a
/// subtraction, a square root, a division, a product and a sum, each reading the activation and
/// recording a node; the fused kernel (`FusedLayerNorm`, in Torchlight) reads it once forward and
/// twice backward.

/// `layerNorm` as one differentiable op. With x̂ = (x − μ)·r and r = 1/√(σ² + ε) per row, and
/// ĝ = γ ⊙ ∂L/∂y: ∂L/∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)), ∂L/∂γ = Σ ∂L/∂y ⊙ x̂, ∂L/∂β = Σ ∂L/∂y,
/// the sums over every row. When backward is itself recorded (`createGraph`), the gradient is
/// taken through `layerNormReference` instead, so second derivatives work too.
func layerNormFused(_ x: Tensor, normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Double) -> Tensor {
  // float16/bfloat16: the float32 kernel on float32 copies, cast back; the casts carry the gradient.
  if x.dtype.isReducedPrecision {
    return layerNormFused(x.float(), normalizedShape: normalizedShape, weight: weight?.float(), bias: bias?.float(), eps: eps).to(x.dtype)
  }
  let n = normalizedShape.reduce(1, *)
  let (y, mean, rstd) = FusedLayerNorm.forward(x, normalizedCount: n, weight: weight, bias: bias, eps: eps)
  let inputs = [x] + [weight, bias].compactMap { $0 }
  let reference = { layerNormReference(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps) }
  return y.recordedFused("NativeLayerNormBackward", inputs: inputs, saving: inputs, reference: reference) { g in
    let d = FusedLayerNorm.backward(g, x, normalizedCount: n, mean: mean, rstd: rstd, weight: weight,
                                    input: x.requiresGrad, weightGradient: weight?.requiresGrad ?? false,
                                    biasGradient: bias?.requiresGrad ?? false)
    var grads: [Tensor?] = [d.input]
    if weight != nil { grads.append(d.weight?.reshaped(normalizedShape)) }
    if bias != nil { grads.append(d.bias?.reshaped(normalizedShape)) }
    return grads
  }
}
