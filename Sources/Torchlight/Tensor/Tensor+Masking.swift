/// Masking: overwrite chosen elements with a constant (`maskedFill`), or keep only a triangle of
/// each matrix (`tril`, `triu`). Attention uses both: a padding mask hides the keys past a
/// sequence's end, a triangular mask hides the future from a decoder.
///
/// A filled element no longer depends on the input, so its gradient is 0; every other element
/// passes its gradient through unchanged. The backward is the same masking applied to g, which
/// is itself differentiable, so second derivatives work.
extension Tensor {
  /// `value` where `mask` is true, this tensor's element elsewhere (`masked_fill`). `mask` is a
  /// bool tensor; the two broadcast together and the result has their common shape (usually
  /// this tensor's, with the mask broadcast to it). The dtype stays this tensor's.
  ///
  ///     scores.maskedFill(padding, with: -.infinity)   // padded keys get weight 0 after softmax
  public func maskedFill(_ mask: Tensor, with value: Double) -> Tensor {
    guard mask.dtype == .bool else {
      fatalError("maskedFill: the mask must be a bool tensor, got \(mask.dtype) with shape \(mask.shape); build it with a comparison such as x .> 0")
    }
    if !dtype.isFloatingPoint && !value.isFinite || dtype == .int64 && Swift.abs(value) >= 9.2e18 {
      fatalError("maskedFill: the value \(value) cannot be stored in a \(dtype) tensor (shape \(shape))")
    }
    _ = Layout.broadcastShapes(shape, mask.shape, op: "maskedFill")  // stops naming both shapes
    let filled = withNoGrad { Tensor.where(mask, Tensor.full([], value, dtype: dtype), self) }
    return filled.recorded("MaskedFillBackward", inputs: [self], saving: [mask]) { g in [g.maskedFill(mask, with: 0)] }
  }

  /// The lower triangle of the matrices in the last two axes (`tril`): element (i, j) is kept
  /// when j − i ≤ `diagonal` and set to 0 otherwise. `diagonal: 0` keeps the main diagonal,
  /// −1 drops it too, 1 keeps one diagonal above it. Leading axes are a batch of matrices.
  public func tril(diagonal: Int = 0) -> Tensor { triangle(lower: true, diagonal: diagonal) }

  /// The upper triangle of the matrices in the last two axes (`triu`): element (i, j) is kept
  /// when j − i ≥ `diagonal` and set to 0 otherwise.
  public func triu(diagonal: Int = 0) -> Tensor { triangle(lower: false, diagonal: diagonal) }

  func triangle(lower: Bool, diagonal: Int) -> Tensor {
    let op = lower ? "tril" : "triu"
    guard rank >= 2 else {
      fatalError("\(op): needs a tensor with at least 2 axes (the matrices are the last two), got shape \(shape)")
    }
    let rows = shape[rank - 2], cols = shape[rank - 1]
    // j − i for every (i, j), then the positions outside the triangle.
    let offsets = Tensor.arange(cols).reshaped(1, cols) - Tensor.arange(rows).reshaped(rows, 1)
    let outside = lower ? offsets .> Double(diagonal) : offsets .< Double(diagonal)
    // Filling (rather than multiplying by a 0/1 mask) gives exact zeros even where x is ±∞ or NaN.
    let kept = withNoGrad { maskedFill(outside, with: 0) }
    return kept.recorded(lower ? "TrilBackward" : "TriuBackward", inputs: [self]) { g in
      [g.triangle(lower: lower, diagonal: diagonal)]
    }
  }
}
