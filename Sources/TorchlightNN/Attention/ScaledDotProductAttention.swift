/// Scaled dot-product attention (Vaswani et al., 2017), written op by op:
///
///     Attention(Q, K, V) = softmax(Q Kᵀ · s + M) V,   s = 1/√d by default,
///
/// for queries Q [L, d], keys K [S, d] and values V [S, dᵥ]: each query's output is an average
/// of the values, weighted by how well the query matches each key. Dividing by √d keeps the dot
/// products of d-dimensional vectors at unit variance, so the softmax does not saturate. M is the
/// additive mask (0 or −∞). This is the readable reference a fused kernel will be tested against.

/// softmax(q·kᵀ·scale + bias)·v with optional dropout on the weights, returning the output and
/// the weights that were applied. `bias` must already broadcast to the scores [batch…, L, S].
/// Rows where every key is masked out get weights 0.
func attend(_ query: Tensor, _ key: Tensor, _ value: Tensor, bias: Tensor?, scale: Double,
            dropout p: Double, generator: Generator?) -> (output: Tensor, weights: Tensor) {
  var scores = query.matmul(key.transposed(-2, -1)) * scale
  if let bias { scores = scores + bias }
  var weights = bias == nil ? softmax(scores, axis: -1) : softmaxOverAllowedKeys(scores)
  if p > 0 { weights = dropout(weights, p: p, training: true, generator: generator) }
  return (weights.matmul(value), weights)
}

/// Scaled dot-product attention with PyTorch's semantics (`F.scaled_dot_product_attention`):
/// query [N, …, L, E], key [N, …, S, E], value [N, …, S, Eᵥ] → output [N, …, L, Eᵥ]. The leading
/// axes broadcast as in `matmul`.
///
/// - Parameters:
///   - mask: broadcastable to [N, …, L, S]. **A bool mask is true where a key TAKES PART** in
///     attention (PyTorch's SDPA convention; the opposite of `MultiheadAttention`'s `attnMask`).
///     A float mask is added to the scores.
///   - dropout: probability of dropping each attention weight. Applied whenever it is above 0,
///     as PyTorch does here: pass `isTraining ? p : 0` from a layer.
///   - isCausal: query i attends to keys 0…i only (the top-left lower triangle of L × S). Cannot
///     be combined with `mask`.
///   - scale: the factor on Q Kᵀ; 1/√E when nil.
/// A query whose every key is masked out gets output 0 (PyTorch 2.5+ does the same).
///
/// Runs as one fused op (`attendFused`: one kernel per batch×head, closed-form backward). With
/// `dropout` above 0 it runs op by op instead, as `scaledDotProductAttentionReference` (the
/// kernel has no dropout); so does a backward pass that is itself recorded (`createGraph`).
public func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor? = nil,
                                      dropout: Double = 0, isCausal: Bool = false, scale: Double? = nil,
                                      generator: Generator? = nil) -> Tensor {
  if let c = Autocast.inputs(of: .scaledDotProductAttention, [query, key, value, mask]) {
    return scaledDotProductAttention(c[0]!, c[1]!, c[2]!, mask: c[3], dropout: dropout, isCausal: isCausal, scale: scale, generator: generator)
  }
  let setup = AttentionSetup(query, key, value, mask: mask, dropout: dropout, isCausal: isCausal, scale: scale)
  guard dropout == 0 else {
    return attend(query, key, value, bias: setup.referenceBias(), scale: setup.scale, dropout: dropout, generator: generator).output
  }
  return attendFused(query, key, value, bias: setup.mask, causal: isCausal, scale: setup.scale)
}

/// `scaledDotProductAttention` op by op: a product, the scale, the mask, a softmax and another
/// product, each an autograd node. The readable definition, and the reference that the fused
/// op is tested against (outputs and gradients, first and second order).
public func scaledDotProductAttentionReference(_ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor? = nil,
                                               dropout: Double = 0, isCausal: Bool = false, scale: Double? = nil,
                                               generator: Generator? = nil) -> Tensor {
  scaledDotProductAttentionWithWeights(query, key, value, mask: mask, dropout: dropout, isCausal: isCausal,
                                       scale: scale, generator: generator).output
}

/// `scaledDotProductAttention`, also returning the attention weights [N, …, L, S] (after dropout,
/// when there is dropout: the weights actually applied to the values), for plotting. Op by op.
public func scaledDotProductAttentionWithWeights(_ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor? = nil,
                                                 dropout: Double = 0, isCausal: Bool = false, scale: Double? = nil,
                                                 generator: Generator? = nil) -> (output: Tensor, weights: Tensor) {
  let setup = AttentionSetup(query, key, value, mask: mask, dropout: dropout, isCausal: isCausal, scale: scale)
  return attend(query, key, value, bias: setup.referenceBias(), scale: setup.scale, dropout: dropout, generator: generator)
}

/// The arguments of `scaledDotProductAttention`, checked once for every implementation: the
/// mask in additive form (a bool mask, true = takes part, becomes 0 / −∞) and the scale.
struct AttentionSetup {
  let mask: Tensor?
  let isCausal: Bool
  let queries: Int, keys: Int
  let dtype: DType
  let scale: Double

  init(_ query: Tensor, _ key: Tensor, _ value: Tensor, mask: Tensor?, dropout: Double, isCausal: Bool, scale: Double?) {
    let op = "scaledDotProductAttention"
    guard query.rank >= 2, key.rank >= 2, value.rank >= 2 else {
      fatalError("\(op): query, key and value need at least 2 axes (…, sequence, features), got shapes \(query.shape), \(key.shape), \(value.shape)")
    }
    let l = query.shape[query.rank - 2], s = key.shape[key.rank - 2], e = query.shape[query.rank - 1]
    guard key.shape[key.rank - 1] == e else {
      fatalError("\(op): query of shape \(query.shape) and key of shape \(key.shape) must have the same number of features in their last axis (\(e) ≠ \(key.shape[key.rank - 1]))")
    }
    guard value.shape[value.rank - 2] == s else {
      fatalError("\(op): key of shape \(key.shape) and value of shape \(value.shape) must hold the same number of positions S in their second-to-last axis (\(s) ≠ \(value.shape[value.rank - 2]))")
    }
    guard (0...1).contains(dropout) else { fatalError("\(op): dropout must lie in [0, 1], got \(dropout)") }
    guard query.dtype.isFloatingPoint, key.dtype == query.dtype, value.dtype == query.dtype else {
      fatalError("\(op): query, key and value must share one float dtype, got \(query.dtype), \(key.dtype) and \(value.dtype)")
    }
    let batch = Layout.broadcastShapes(Layout.broadcastShapes(Array(query.shape.dropLast(2)), Array(key.shape.dropLast(2)), op: op),
                                       Array(value.shape.dropLast(2)), op: op)
    if let mask {
      guard !isCausal else {
        fatalError("\(op): pass either mask or isCausal: true, not both (PyTorch refuses this too); fold the causal triangle into your mask instead")
      }
      requireMaskBroadcasts(mask, to: batch + [l, s], op: op, what: "mask")
      self.mask = additiveMask(mask, trueMeans: .takesPart, dtype: query.dtype, op: op, what: "mask")
    } else {
      self.mask = nil
    }
    self.isCausal = isCausal
    queries = l; keys = s; dtype = query.dtype
    self.scale = scale ?? 1 / Double(e).squareRoot()
  }

  /// The mask as the op-by-op path adds it: the causal triangle spelled out as 0 / −∞.
  func referenceBias() -> Tensor? {
    guard isCausal else { return mask }
    return additiveMask(causalMaskedOut(queries: queries, keys: keys), trueMeans: .maskedOut, dtype: dtype,
                        op: "scaledDotProductAttention", what: "mask")
  }
}
