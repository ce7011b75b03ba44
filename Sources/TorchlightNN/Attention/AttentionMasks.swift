/// The two ways attention masks are written, turned into the one form the computation uses: an
/// additive bias, 0 where a query may look at a key and −∞ where it may not. Adding −∞ to a score
/// makes its softmax weight exactly 0.
///
/// Bool masks come in two opposite conventions in PyTorch, and Torchlight keeps both where
/// PyTorch has them:
/// - `nn.MultiheadAttention`, `nn.Transformer*` (`attn_mask`, `key_padding_mask`) and
///   `maskedSoftmax(_:mask:)`: **true = masked out** (not allowed to attend);
/// - `F.scaled_dot_product_attention` (`attn_mask`): **true = takes part** in attention.
/// Float masks mean the same everywhere: they are added to the scores.

/// What `true` means in a bool attention mask.
enum MaskTrueMeans {
  /// true = this key is hidden (MultiheadAttention, Transformer, maskedSoftmax).
  case maskedOut
  /// true = this key takes part (scaledDotProductAttention).
  case takesPart
}

/// The additive form of `mask` in `dtype`: a bool mask becomes 0 / −∞ as `trueMeans` says; a float
/// mask is already additive and is only converted.
func additiveMask(_ mask: Tensor, trueMeans: MaskTrueMeans, dtype: DType, op: String, what: String) -> Tensor {
  switch mask.dtype {
  case .bool:
    let hidden = trueMeans == .maskedOut ? mask : mask.logicalNot()
    return Tensor.zeros(mask.shape, dtype: dtype).maskedFill(hidden, with: -.infinity)
  case .float32, .float64, .float16, .bfloat16:
    return mask.to(dtype)
  case .int64:
    fatalError("\(op): \(what) must be a bool or float tensor, got int64 with shape \(mask.shape)")
  }
}

/// Stops naming `op` unless `mask` broadcasts to `shape` (the shape of the attention scores).
func requireMaskBroadcasts(_ mask: Tensor, to shape: [Int], op: String, what: String) {
  let fits = mask.rank <= shape.count && mask.shape.indices.allSatisfy { i in
    let size = mask.shape[i], target = shape[shape.count - mask.rank + i]
    return size == target || size == 1
  }
  guard fits else {
    fatalError("\(op): \(what) of shape \(mask.shape) does not broadcast to the attention scores of shape \(shape) (…, queries, keys)")
  }
}

/// The causal mask for `queries` × `keys` scores as a bool mask, true = masked out: query i
/// may look at keys 0…i only (the top-left-aligned lower triangle, as PyTorch's `is_causal`).
func causalMaskedOut(queries: Int, keys: Int) -> Tensor {
  Tensor.ones([queries, keys], dtype: .bool).triu(diagonal: 1)
}

/// Stops naming `layer` unless `mask` is a key padding mask for `sequence`: [N, S] for a batched
/// [S, N, E] ([N, S, E] when `batchFirst`) sequence, [S] for an unbatched [S, E] one.
func requireKeyPaddingMask(_ mask: Tensor?, for sequence: Tensor, batchFirst: Bool, layer: String, what: String) {
  guard let mask else { return }
  let batched = sequence.rank == 3
  let s = sequence.shape[batched && batchFirst ? 1 : 0]
  let expected = batched ? [sequence.shape[batchFirst ? 0 : 1], s] : [s]
  guard mask.shape == expected else {
    let reading = batched ? " (batchFirst is \(batchFirst): the sequence \(sequence.shape) is read as \(batchFirst ? "[N, S, E]" : "[S, N, E]"))" : ""
    fatalError("\(layer): \(what) of shape \(mask.shape) must be \(batched ? "[N, S]" : "[S]") = \(expected)\(reading)")
  }
}
