/// Scaled dot-product attention as one fused op, for speed. Op by op, attention is a product, a
/// scale, a mask, a max, an exp, a sum, a division and another product per head, each a graph
/// node with a full [B, heads, L, S] result; here it is one node and one kernel per batch×head
/// (`FusedAttention`, in Torchlight), which keeps only the output and one logsumexp per query.

/// softmax(query·keyᵀ·scale + bias)·value, where `causal` also hides every key after the query's
/// own position (the top-left triangle), as one differentiable op. `bias` is additive and
/// broadcasts to the scores [B…, L, S]; a query that sees no key gets output 0.
///
/// Gradients, with W the weights and D = rowsum(W ⊙ ∂W): ∂V = Wᵀ∂O, ∂W = ∂O Vᵀ,
/// ∂S = W ⊙ (∂W − D), ∂Q = scale·∂S K, ∂K = scale·∂Sᵀ Q, ∂bias = ∂S, computed by the kernel
/// (which recomputes W from the logsumexp rather than storing it). When backward is itself
/// recorded (`createGraph`), the gradient is taken through `attend`, the op-by-op reference, so
/// second derivatives work too.
func attendFused(_ query: Tensor, _ key: Tensor, _ value: Tensor, bias: Tensor?, causal: Bool, scale: Double) -> Tensor {
  // float16/bfloat16: the float32 kernel on float32 copies, cast back; the casts carry the gradient.
  if query.dtype.isReducedPrecision {
    return attendFused(query.float(), key.float(), value.float(), bias: bias?.float(), causal: causal, scale: scale).to(query.dtype)
  }
  let (output, logSumExp) = FusedAttention.forward(query: query, key: key, value: value, bias: bias, causal: causal, scale: scale)
  let inputs = [query, key, value] + (bias.map { [$0] } ?? [])
  let reference = {
    var mask = bias
    if causal {
      let l = query.shape[query.rank - 2], s = key.shape[key.rank - 2]
      let triangle = additiveMask(causalMaskedOut(queries: l, keys: s), trueMeans: .maskedOut, dtype: query.dtype,
                                  op: "scaledDotProductAttention", what: "mask")
      mask = mask.map { $0 + triangle } ?? triangle
    }
    return attend(query, key, value, bias: mask, scale: scale, dropout: 0, generator: nil).output
  }
  return output.recordedFused("ScaledDotProductAttentionBackward", inputs: inputs, saving: inputs, reference: reference) { g in
    let d = FusedAttention.backward(g, query: query, key: key, value: value, bias: bias, causal: causal, scale: scale,
                                    logSumExp: logSumExp, biasGradient: bias?.requiresGrad ?? false)
    return [d.query, d.key, d.value] + (bias == nil ? [] : [d.bias])
  }
}
