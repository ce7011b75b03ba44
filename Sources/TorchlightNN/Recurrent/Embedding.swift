/// Embedding lookup (`F.embedding`): row `indices[…]` of `weight` [N, D] for every index, so an
/// int64 tensor of shape S gives S + [D]. Equivalent to `oneHot(indices) · weight` without
/// building the one-hot matrix.
///
/// Backward adds each output row's gradient into the row it was read from (rows read twice get
/// both). With `paddingIdx`, positions holding that index pass no gradient, so the padding row
/// is never trained, as in PyTorch.
public func embedding(_ indices: Tensor, weight: Tensor, paddingIdx: Int? = nil) -> Tensor {
  guard indices.dtype == .int64 else {
    fatalError("embedding: expected an int64 tensor of indices, got \(indices.dtype) with shape \(indices.shape); convert with .long()")
  }
  guard weight.rank == 2 else { fatalError("embedding: weight must be [numEmbeddings, embeddingDim], got shape \(weight.shape)") }
  let (rows, dim) = (weight.shape[0], weight.shape[1])
  let flat = indices.reshaped([-1])
  if let bad = flat.toArray(Int64.self).first(where: { $0 < 0 || $0 >= Int64(rows) }) {
    fatalError("embedding: index \(bad) is out of range for \(rows) embeddings (indices of shape \(indices.shape))")
  }
  let picked = withNoGrad { weight.indexSelect(axis: 0, index: flat) }
  let out = picked.recorded("EmbeddingBackward", inputs: [weight]) { g in
    var g = g
    if let paddingIdx { g = g * (flat .!= Double(paddingIdx)).to(g.dtype).unsqueezed(axis: 1) }
    let positions = flat.unsqueezed(axis: 1).expanded([flat.count, dim])
    return [Tensor.zeros(like: weight, dtype: g.dtype).scatterAdd(axis: 0, index: positions, source: g)]
  }
  return out.reshaped(indices.shape + [dim])
}

/// A lookup table of `numEmbeddings` learned vectors of size `embeddingDim` (`nn.Embedding`):
/// token k becomes row k of `weight`. Rows start normal N(0, 1), as in PyTorch. The row
/// `paddingIdx` (negative counts from the end) starts at zero and receives no gradient, so it
/// stays a neutral filler for padded positions.
public final class Embedding: Module {
  public let weight: Tensor
  public let numEmbeddings: Int, embeddingDim: Int
  /// The padding row, already made non-negative.
  public let paddingIdx: Int?

  public init(numEmbeddings: Int, embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(numEmbeddings > 0 && embeddingDim > 0,
                 "Embedding: numEmbeddings and embeddingDim must be positive, got \(numEmbeddings) and \(embeddingDim)")
    if let p = paddingIdx {
      precondition(p >= -numEmbeddings && p < numEmbeddings,
                   "Embedding(\(numEmbeddings), \(embeddingDim)): paddingIdx \(p) must lie in [-\(numEmbeddings), \(numEmbeddings))")
    }
    self.numEmbeddings = numEmbeddings
    self.embeddingDim = embeddingDim
    self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + numEmbeddings : $0 }
    weight = Tensor.randn([numEmbeddings, embeddingDim], dtype: dtype, generator: generator)
    if let p = self.paddingIdx { weight[p].fill(0) }
    weight.requiresGrad = true
  }

  public override func forward(_ indices: Tensor) -> Tensor {
    embedding(indices, weight: weight, paddingIdx: paddingIdx)
  }
}
