/// Multi-head attention (`nn.MultiheadAttention`): h heads attend in parallel, each in its own
/// E/h-dimensional projection of the queries, keys and values, and their outputs are joined and
/// mixed by one more linear map:
///
///     headᵢ = softmax(Q W_qᵢᵀ (K W_kᵢᵀ)ᵀ / √(E/h) + M) V W_vᵢᵀ,   output = [head₁ … headₕ] W_oᵀ + b_o
///
/// With PyTorch's parameters and names: when `kdim == vdim == embedDim`, the three input
/// projections are stacked in one `in_proj_weight` [3E, E] (rows 0..<E for queries, then keys,
/// then values); otherwise they are `q_proj_weight` [E, E], `k_proj_weight` [E, kdim] and
/// `v_proj_weight` [E, vdim]. `in_proj_bias` [3E] and `out_proj` (a `Linear(E, E)`) complete
/// them, 4E² + 4E parameters in the first case. Input projections start Xavier-uniform, biases
/// at 0, `out_proj.weight` with Linear's default, as in PyTorch.
///
/// Masks follow PyTorch's `nn.MultiheadAttention`: in a **bool** `attnMask` or `keyPaddingMask`,
/// **true means masked out** (not allowed to attend); a float mask is added to the scores.
public final class MultiheadAttention: Module {
  public let embedDim: Int, numHeads: Int, headDim: Int
  /// Feature sizes of keys and values (embedDim unless given).
  public let kdim: Int, vdim: Int
  /// Dropout probability on the attention weights, in training mode.
  public let dropout: Double
  /// Inputs are [N, L, E] when true, [L, N, E] (PyTorch's default) when false.
  public let batchFirst: Bool
  /// [3E, E]: W_q, W_k, W_v stacked, when kdim == vdim == embedDim.
  public let inProjWeight: Tensor?
  /// Separate projections when kdim or vdim differ from embedDim.
  public let qProjWeight: Tensor?, kProjWeight: Tensor?, vProjWeight: Tensor?
  /// [3E]: b_q, b_k, b_v stacked, when `bias`.
  public let inProjBias: Tensor?
  /// The output projection W_o, b_o.
  public let outProj: Linear
  /// Draws the dropout masks (the global generator when nil).
  var dropoutGenerator: Generator?

  public init(embedDim: Int, numHeads: Int, dropout: Double = 0, bias: Bool = true, kdim: Int? = nil, vdim: Int? = nil,
              batchFirst: Bool = false, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    guard embedDim > 0, numHeads > 0, embedDim % numHeads == 0 else {
      fatalError("MultiheadAttention: embedDim \(embedDim) must be divisible by numHeads \(numHeads) (each head gets embedDim / numHeads features)")
    }
    precondition((0...1).contains(dropout), "MultiheadAttention: dropout must lie in [0, 1], got \(dropout)")
    self.embedDim = embedDim; self.numHeads = numHeads; headDim = embedDim / numHeads
    self.kdim = kdim ?? embedDim; self.vdim = vdim ?? embedDim
    self.dropout = dropout; self.batchFirst = batchFirst; dropoutGenerator = generator
    if self.kdim == embedDim && self.vdim == embedDim {
      inProjWeight = Init.xavierUniform(Tensor.zeros([3 * embedDim, embedDim], dtype: dtype), generator: generator).requiringGrad()
      qProjWeight = nil; kProjWeight = nil; vProjWeight = nil
    } else {
      inProjWeight = nil
      qProjWeight = Init.xavierUniform(Tensor.zeros([embedDim, embedDim], dtype: dtype), generator: generator).requiringGrad()
      kProjWeight = Init.xavierUniform(Tensor.zeros([embedDim, self.kdim], dtype: dtype), generator: generator).requiringGrad()
      vProjWeight = Init.xavierUniform(Tensor.zeros([embedDim, self.vdim], dtype: dtype), generator: generator).requiringGrad()
    }
    inProjBias = bias ? Tensor.zeros([3 * embedDim], dtype: dtype).requiringGrad() : nil
    outProj = Linear(inFeatures: embedDim, outFeatures: embedDim, bias: bias, dtype: dtype, generator: generator)
    if let b = outProj.bias { Init.zeros(b) }
  }

  /// PyTorch's names: `in_proj_weight` (or `q_proj_weight`, `k_proj_weight`, `v_proj_weight`),
  /// then `in_proj_bias`.
  public override func namedLocalParameters() -> [(String, Tensor)] {
    let named: [(String, Tensor?)] = [("in_proj_weight", inProjWeight), ("q_proj_weight", qProjWeight),
                                      ("k_proj_weight", kProjWeight), ("v_proj_weight", vProjWeight),
                                      ("in_proj_bias", inProjBias)]
    return named.compactMap { name, t in t.map { (name, $0) } }
  }

  public override func namedChildren() -> [(String, Module)] { [("out_proj", outProj)] }

  /// The projection weight and bias for queries (0), keys (1) or values (2).
  func projection(_ i: Int) -> (weight: Tensor, bias: Tensor?) {
    let weight = inProjWeight?.narrow(axis: 0, start: i * embedDim, length: embedDim) ?? [qProjWeight, kProjWeight, vProjWeight][i]!
    return (weight, inProjBias?.narrow(axis: 0, start: i * embedDim, length: embedDim))
  }

  /// Attention of `query` to `key`/`value`.
  ///
  /// - Parameters:
  ///   - query: [L, N, E] ([N, L, E] when `batchFirst`), or [L, E] unbatched.
  ///   - key: [S, N, kdim] ([N, S, kdim]), or [S, kdim]. `value`: the same with vdim.
  ///   - keyPaddingMask: [N, S] ([S] unbatched): true (or −∞) for keys to ignore, such as padding.
  ///   - needWeights: also return the attention weights.
  ///   - attnMask: [L, S], or [N·numHeads, L, S] for a mask per example n and head h (at n·numHeads + h):
  ///     true (or −∞) where query l must not attend to key s.
  ///   - averageAttnWeights: weights averaged over heads [N, L, S], or per head [N, numHeads, L, S].
  ///   - isCausal: query l attends to keys 0…l only. PyTorch takes it as a hint that `attnMask`
  ///     is the causal mask; here, when `attnMask` is nil, the causal mask is built (PyTorch
  ///     would refuse), and when it is given it is used as it is.
  /// - Returns: the output, shaped like `query`, and the weights when `needWeights` (after
  ///   dropout in training mode, as PyTorch returns them). A query whose every key is masked
  ///   out gets output and weights 0 (PyTorch's weights path gives NaN there).
  public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                             needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true,
                             isCausal: Bool = false) -> (output: Tensor, weights: Tensor?) {
    forward(query: query, key: key, value: value, keyPaddingMask: keyPaddingMask, needWeights: needWeights,
            attnMask: attnMask, averageAttnWeights: averageAttnWeights, isCausal: isCausal)
  }

  public func forward(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                      needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true,
                      isCausal: Bool = false) -> (output: Tensor, weights: Tensor?) {
    let name = "MultiheadAttention(embedDim: \(embedDim), numHeads: \(numHeads)\(batchFirst ? ", batchFirst" : ""))"
    let layout = batchFirst ? "[N, L, E]" : "[L, N, E]"
    guard (query.rank == 3 || query.rank == 2) && key.rank == query.rank && value.rank == query.rank else {
      fatalError("\(name): query, key and value must all be batched \(layout) or all unbatched [L, E], got shapes \(query.shape), \(key.shape) and \(value.shape)")
    }
    let batched = query.rank == 3
    // Everything inside runs batch first: [N, L, E].
    func batchFirstView(_ t: Tensor) -> Tensor { !batched ? t.unsqueezed(axis: 0) : (batchFirst ? t : t.transposed(0, 1)) }
    let q = batchFirstView(query), k = batchFirstView(key), v = batchFirstView(value)
    let n = q.shape[0], l = q.shape[1], s = k.shape[1]
    guard q.shape[2] == embedDim, k.shape[2] == kdim, v.shape[2] == vdim else {
      fatalError("\(name): expected query, key and value with \(embedDim), \(kdim) and \(vdim) features in their last axis, got shapes \(query.shape), \(key.shape) and \(value.shape)")
    }
    guard k.shape[0] == n, v.shape[0] == n, v.shape[1] == s else {
      let hint = batched ? (batchFirst ? " (batchFirst is true: inputs are read as [N, L, E])" : " (batchFirst is false: inputs are read as [L, N, E]; pass batchFirst: true for [N, L, E])") : ""
      fatalError("\(name): query \(query.shape), key \(key.shape) and value \(value.shape) disagree on the batch size or on the number of keys\(hint)")
    }

    // Project, then split the features into heads: [N, len, E] → [N, heads, len, E/heads].
    func heads(_ x: Tensor, _ i: Int) -> Tensor {
      let (w, b) = projection(i)
      var y = x.matmul(w.t())
      if let b { y = y + b }
      return y.reshaped(n, x.shape[1], numHeads, headDim).transposed(1, 2)
    }
    // Without weights to return or dropout to apply, attention runs as one fused op, and a causal
    // mask of its own is a flag for the kernel rather than an L × S tensor.
    let p = isTraining ? dropout : 0
    let fused = !needWeights && p == 0
    let causalFlag = fused && isCausal && attnMask == nil
    let bias = combinedMask(keyPaddingMask: keyPaddingMask, attnMask: attnMask, isCausal: isCausal && !causalFlag,
                            batched: batched, n: n, l: l, s: s, dtype: q.dtype, name: name)
    let scale = 1 / Double(headDim).squareRoot()
    let attended: Tensor, weights: Tensor?
    if fused {
      attended = attendFused(heads(q, 0), heads(k, 1), heads(v, 2), bias: bias, causal: causalFlag, scale: scale)
      weights = nil
    } else {
      (attended, weights) = attend(heads(q, 0), heads(k, 1), heads(v, 2), bias: bias, scale: scale, dropout: p,
                                   generator: dropoutGenerator)
    }
    // Join the heads back: [N, heads, L, E/heads] → [N, L, E], then mix them.
    var output = outProj(attended.transposed(1, 2).reshaped(n, l, embedDim))
    output = !batched ? output.squeezed(axis: 0) : (batchFirst ? output : output.transposed(0, 1))
    guard needWeights, let weights else { return (output, nil) }
    var w = averageAttnWeights ? weights.mean(axis: 1) : weights
    if !batched { w = w.squeezed(axis: 0) }
    return (output, w)
  }

  /// keyPaddingMask, attnMask and the causal mask as one additive bias that broadcasts to the
  /// scores [N, heads, L, S], or nil when there is no mask.
  func combinedMask(keyPaddingMask: Tensor?, attnMask: Tensor?, isCausal: Bool, batched: Bool,
                    n: Int, l: Int, s: Int, dtype: DType, name: String) -> Tensor? {
    var bias: Tensor?
    func add(_ t: Tensor) { bias = bias.map { $0 + t } ?? t }
    if let mask = attnMask ?? (isCausal ? causalMaskedOut(queries: l, keys: s) : nil) {
      let additive = additiveMask(mask, trueMeans: .maskedOut, dtype: dtype, op: name, what: "attnMask")
      if mask.shape == [l, s] {
        add(additive.reshaped(1, 1, l, s))
      } else if mask.shape == [n * numHeads, l, s] {
        add(additive.reshaped(n, numHeads, l, s))
      } else {
        let perHead = batched ? "[N·numHeads, L, S] = [\(n * numHeads), \(l), \(s)]" : "[numHeads, L, S] = [\(numHeads), \(l), \(s)]"
        fatalError("\(name): attnMask of shape \(mask.shape) must be [L, S] = [\(l), \(s)] or \(perHead) for \(l) queries and \(s) keys")
      }
    }
    if let mask = keyPaddingMask {
      let expected = batched ? [n, s] : [s]
      guard mask.shape == expected else {
        let hint = batched && !batchFirst ? " (batchFirst is false: the inputs' batch size is their axis 1)" : ""
        fatalError("\(name): keyPaddingMask of shape \(mask.shape) must be \(batched ? "[N, S]" : "[S]") = \(expected)\(hint)")
      }
      let additive = additiveMask(mask, trueMeans: .maskedOut, dtype: dtype, op: name, what: "keyPaddingMask")
      add(additive.reshaped(n, 1, 1, s))
    }
    return bias
  }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("MultiheadAttention takes a query, a key and a value: call attention(query, key, value) (for self-attention, pass x three times)")
  }
}
