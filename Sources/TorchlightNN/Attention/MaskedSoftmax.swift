/// Softmax over the keys with some keys hidden. Attention turns scores into weights with a
/// softmax along the last axis; a mask sets the scores of keys a query must not see (padding,
/// the future) so low that their weights come out exactly 0.

/// Softmax along the last axis of `scores` [B, Q, K] where only the first `validLens` keys
/// count, as d2l's `masked_softmax`: the other scores are replaced by −10⁶ before the softmax,
/// and e^(−10⁶ − max) is exactly 0 in float32 and float64, so those keys get weight 0.
///
/// `validLens` holds one length per batch row, shape [B] (the same for every query of that
/// row), or one per query, shape [B, Q]; int64 or float. nil gives the plain softmax. More
/// generally `scores` may be [B, …, K], with `validLens` [B] or `scores` without its last axis.
/// A length of 0 hides every key, and the row comes out uniform (d2l's behaviour: −10⁶ is
/// large, not infinite).
public func maskedSoftmax(_ scores: Tensor, validLens: Tensor?) -> Tensor {
  guard let validLens else { return softmax(scores, axis: -1) }
  guard scores.rank >= 2 else {
    fatalError("maskedSoftmax: scores must have at least 2 axes [B, …, K], got shape \(scores.shape)")
  }
  let perRow = [scores.shape[0]], perQuery = Array(scores.shape.dropLast())
  guard validLens.shape == perRow || validLens.shape == perQuery else {
    fatalError("maskedSoftmax: validLens of shape \(validLens.shape) fits neither one length per batch row \(perRow) nor one per query \(perQuery) for scores of shape \(scores.shape)")
  }
  guard validLens.dtype != .bool else {
    fatalError("maskedSoftmax: validLens must hold lengths (int64 or float), got a bool tensor of shape \(validLens.shape); for a mask use maskedSoftmax(_:mask:)")
  }
  // Lengths as [B, 1, …, 1] (per row) or [B, …, Q, 1] (per query), against key positions [K].
  let lengths = validLens.shape == perQuery
    ? validLens.unsqueezed(axis: -1)
    : validLens.reshaped([scores.shape[0]] + Array(repeating: 1, count: scores.rank - 1))
  let hidden = keyPositions(scores.shape[scores.rank - 1]) .>= lengths.to(.float64)
  return softmax(scores.maskedFill(hidden, with: -1e6), axis: -1)
}

/// Softmax along the last axis of `scores` with a mask in the convention of `nn.MultiheadAttention`'s
/// and `nn.Transformer`'s `attn_mask`:
/// - a **bool** mask is true where a key is **masked out** (not allowed); those scores become −∞;
/// - a **float** mask is **added** to the scores (0 to keep, −∞ or a large negative number to hide).
///
/// The mask broadcasts to the shape of `scores`. Hidden keys get weight exactly 0. A row whose
/// every key is hidden gets weights 0 everywhere (not NaN), as PyTorch's
/// `scaled_dot_product_attention` gives. nil gives the plain softmax.
///
/// (`scaledDotProductAttention` reads a bool mask the other way round, true = take part, as
/// PyTorch's `F.scaled_dot_product_attention` does.)
public func maskedSoftmax(_ scores: Tensor, mask: Tensor?) -> Tensor {
  guard let mask else { return softmax(scores, axis: -1) }
  requireMaskBroadcasts(mask, to: scores.shape, op: "maskedSoftmax", what: "mask")
  return softmaxOverAllowedKeys(scores + additiveMask(mask, trueMeans: .maskedOut, dtype: scores.dtype, op: "maskedSoftmax", what: "mask"))
}

/// Softmax along the last axis where a row whose scores are all −∞ (every key masked out) gives
/// weights 0 instead of 0/0 = NaN. The weights of such a row are constants, so their gradient is 0.
func softmaxOverAllowedKeys(_ scores: Tensor) -> Tensor {
  let deadRows = withNoGrad { scores.amax(axes: [-1], keepDims: true) .== -Double.infinity }
  guard withNoGrad({ deadRows.sum().item() }) > 0 else { return softmax(scores, axis: -1) }
  return softmax(scores.maskedFill(deadRows, with: 0), axis: -1).maskedFill(deadRows, with: 0)
}

/// 0, 1, …, count − 1 as float64: the key positions that valid lengths are compared with.
func keyPositions(_ count: Int) -> Tensor { Tensor.arange(count, dtype: .float64) }
