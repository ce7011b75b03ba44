/// Multi-head self-attention in which each position sees only itself and the positions before it
/// (the attention of a GPT block):
///
///     [Q K V] = x W_attnᵀ + b_attn,   headᵢ = softmax(QᵢKᵢᵀ/√d + M) Vᵢ,   y = [head₁ … headₕ] W_projᵀ + b_proj
///
/// with Mᵢⱼ = 0 for j ≤ i and −∞ for j > i, so the output at position i is a mixture of the
/// values of positions 0…i only. That is what lets one forward pass train every position of a
/// sequence at once: no position can peek at the token it must predict.
///
/// Parameter names follow GPT-2's checkpoints: `c_attn` (the three projections stacked,
/// [3E, E]) and `c_proj`.
public final class CausalSelfAttention: Module {
  public let nHead: Int, nEmbd: Int
  /// Q, K and V projections in one layer: rows 0..<E give queries, then keys, then values.
  public let cAttn: Linear
  /// The output projection, mixing the heads back into the residual stream.
  public let cProj: Linear
  public let residDropout: Dropout
  let attnDropout: Double

  public init(_ config: GPTConfig, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    config.check()
    (nHead, nEmbd, attnDropout) = (config.nHead, config.nEmbd, config.dropout)
    cAttn = Linear(inFeatures: nEmbd, outFeatures: 3 * nEmbd, bias: config.bias, dtype: dtype, generator: generator)
    cProj = Linear(inFeatures: nEmbd, outFeatures: nEmbd, bias: config.bias, dtype: dtype, generator: generator)
    residDropout = Dropout(p: config.dropout)
  }

  public override func namedChildren() -> [(String, Module)] {
    [("c_attn", cAttn), ("c_proj", cProj), ("resid_dropout", residDropout)]
  }

  public override func forward(_ x: Tensor) -> Tensor { forward(x, cache: nil, layer: 0) }

  /// `x` [B, T, E] → [B, T, E]. With a cache holding P earlier positions, the T new queries
  /// attend to all P + T keys, query i to keys 0…P + i; the new keys and values join the cache.
  public func forward(_ x: Tensor, cache: KVCache?, layer: Int) -> Tensor {
    guard x.rank == 3, x.shape[2] == nEmbd else {
      fatalError("CausalSelfAttention(nEmbd: \(nEmbd)): expected input [B, T, \(nEmbd)], got shape \(x.shape)")
    }
    let (b, t) = (x.shape[0], x.shape[1])
    let d = nEmbd / nHead
    // [B, T, 3E] → three [B, H, T, d] views: split the features into heads, heads before positions.
    let qkv = cAttn(x)
    func heads(_ i: Int) -> Tensor {
      qkv.narrow(axis: 2, start: i * nEmbd, length: nEmbd).reshaped(b, t, nHead, d).transposed(1, 2)
    }
    var (q, k, v) = (heads(0), heads(1), heads(2))
    let past = cache?.length(layer: layer) ?? 0
    if let cache { (k, v) = cache.append(layer: layer, keys: k, values: v) }
    let p = isTraining ? attnDropout : 0
    let y: Tensor
    if past == 0 {
      y = scaledDotProductAttention(q, k, v, dropout: p, isCausal: true)
    } else if t == 1 {
      y = scaledDotProductAttention(q, k, v, dropout: p)           // the newest query sees every key
    } else {
      y = scaledDotProductAttention(q, k, v, mask: causalMask(queries: t, past: past), dropout: p)
    }
    // [B, H, T, d] → [B, T, E]: the heads side by side again.
    return residDropout(cProj(y.transposed(1, 2).reshaped(b, t, nEmbd)))
  }
}

/// The bool mask [T, P + T] for T queries that follow P cached positions: query i (at position
/// P + i) may attend to key j when j ≤ P + i (true means "takes part", as in
/// `scaledDotProductAttention`). With P = 0 it is the lower triangle that `isCausal` builds.
public func causalMask(queries t: Int, past: Int) -> Tensor {
  let s = past + t
  var allowed = [Bool](repeating: false, count: t * s)
  for i in 0..<t { for j in 0...(past + i) { allowed[i * s + j] = true } }
  return Tensor(allowed, shape: [t, s])
}
