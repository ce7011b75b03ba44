/// Group normalization as one fused op, for speed: through layer norm and two broadcast ops it
/// reads the activation three times forward and records three nodes, and the SiLU that follows
/// it in a U-Net block is two more passes (a sigmoid and a product). The fused kernel
/// (`FusedGroupNorm`, in Torchlight) reads x once forward and twice backward, SiLU included.

/// `groupNorm`, optionally followed by SiLU, as one differentiable op. The closed-form backward
/// (see `GroupNormKernel`) runs in ordinary training; when backward is itself recorded
/// (`createGraph`), the gradient is taken through the op-by-op reference instead
/// (`groupNormReference`, then x·σ(x)), so second derivatives work too.
func groupNormFused(_ x: Tensor, numGroups: Int, weight: Tensor?, bias: Tensor?, eps: Double, silu: Bool) -> Tensor {
  // float16/bfloat16: the float32 kernel on float32 copies, cast back; the casts carry the gradient.
  if x.dtype.isReducedPrecision {
    return groupNormFused(x.float(), numGroups: numGroups, weight: weight?.float(), bias: bias?.float(), eps: eps, silu: silu).to(x.dtype)
  }
  let (y, mean, rstd) = FusedGroupNorm.forward(x, groups: numGroups, weight: weight, bias: bias, eps: eps, silu: silu)
  let inputs = [x] + [weight, bias].compactMap { $0 }
  let reference = {
    let normalized = groupNormReference(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
    return silu ? siluReference(normalized) : normalized
  }
  return y.recordedFused(silu ? "GroupNormSiluBackward" : "NativeGroupNormBackward", inputs: inputs, saving: inputs,
                         reference: reference) { g in
    let d = FusedGroupNorm.backward(g, x, groups: numGroups, mean: mean, rstd: rstd, weight: weight, bias: bias, silu: silu,
                                    input: x.requiresGrad, weightGradient: weight?.requiresGrad ?? false,
                                    biasGradient: bias?.requiresGrad ?? false)
    var grads: [Tensor?] = [d.input]
    if let weight { grads.append(d.weight?.reshaped(weight.shape)) }
    if let bias { grads.append(d.bias?.reshaped(bias.shape)) }
    return grads
  }
}

/// silu(groupNorm(x)) in one pass (the normalization and activation of a U-Net residual block).
/// `silu(groupNormReference(x, …))` is its definition, op by op.
public func groupNormSiLU(_ x: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
  checkGroupNorm("groupNormSiLU", x, numGroups)
  return groupNormFused(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps, silu: true)
}

extension GroupNorm {
  /// silu(self(x)), fused into one op (`groupNormSiLU`).
  public func silu(_ x: Tensor) -> Tensor {
    guard x.rank >= 2, x.shape[1] == numChannels else {
      fatalError("GroupNorm(\(numGroups), \(numChannels)).silu: expected input [N, \(numChannels), …], got shape \(x.shape)")
    }
    return groupNormSiLU(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
  }
}
