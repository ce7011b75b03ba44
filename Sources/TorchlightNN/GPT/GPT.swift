import Foundation

/// A decoder-only Transformer language model (GPT-2's architecture): it reads token indices
/// and scores every possible next token after each position.
///
///     h⁰ₜ = E[xₜ] + P[t]                    token embedding plus learned position embedding
///     hˡ = Blockˡ(hˡ⁻¹),  l = 1…L            pre-norm blocks with causal self-attention
///     logitsₜ = LN_f(hᴸₜ) Eᵀ                 (or W_headᵀ without weight tying)
///
/// Trained with cross-entropy between logitsₜ and xₜ₊₁ at every position t at once, which the
/// causal mask makes honest. Names follow GPT-2's checkpoints: `wte`, `wpe`, `h.0.ln_1.weight`,
/// …, `ln_f`, `lm_head` (absent when the weights are tied: the head reads `wte.weight`).
///
/// Initialisation as nanoGPT (after GPT-2): every linear and embedding weight N(0, 0.02²),
/// biases 0, LayerNorm γ = 1 and β = 0; the two projections that write into the residual
/// stream (`attn.c_proj`, `mlp.c_proj`) get std 0.02/√(2L), because 2L of them are summed into
/// it and the variance of the sum should not grow with depth.
public final class GPT: Module {
  public let config: GPTConfig
  /// Token embedding E [vocabSize, nEmbd].
  public let wte: Embedding
  /// Position embedding P [blockSize, nEmbd]: one learned vector per position.
  public let wpe: Embedding
  public let drop: Dropout
  /// The blocks (`h.0`, `h.1`, …).
  public let h: [GPTBlock]
  /// The final LayerNorm.
  public let lnF: LayerNorm
  /// The output layer [vocabSize, nEmbd], nil when `config.tieWeights` (then E is used).
  public let lmHead: Linear?

  public init(_ config: GPTConfig, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    config.check()
    self.config = config
    wte = Embedding(numEmbeddings: config.vocabSize, embeddingDim: config.nEmbd, dtype: dtype, generator: generator)
    wpe = Embedding(numEmbeddings: config.blockSize, embeddingDim: config.nEmbd, dtype: dtype, generator: generator)
    drop = Dropout(p: config.dropout)
    h = (0..<config.nLayer).map { _ in GPTBlock(config, dtype: dtype, generator: generator) }
    lnF = LayerNorm(config.nEmbd, dtype: dtype)
    lmHead = config.tieWeights ? nil
      : Linear(inFeatures: config.nEmbd, outFeatures: config.vocabSize, bias: false, dtype: dtype, generator: generator)
    super.init()
    initialiseWeights(generator: generator)
  }

  public override func namedChildren() -> [(String, Module)] {
    [("wte", wte), ("wpe", wpe), ("drop", drop)] + h.enumerated().map { ("h.\($0)", $1) } + [("ln_f", lnF)]
      + (lmHead.map { [("lm_head", $0)] } ?? [])
  }

  /// N(0, 0.02²) weights, zero biases, and the residual projections scaled by 1/√(2L).
  func initialiseWeights(generator: Generator?) {
    let residualStd = 0.02 / Double(2 * config.nLayer).squareRoot()
    for (name, module) in namedModules() {
      if let linear = module as? Linear {
        Init.normal(linear.weight, std: name.hasSuffix("c_proj") ? residualStd : 0.02, generator: generator)
        if let b = linear.bias { Init.zeros(b) }
      } else if let embedding = module as? Embedding {
        Init.normal(embedding.weight, std: 0.02, generator: generator)
      }
    }
  }

  /// Parameters that weight decay should shrink: the matrices (rank ≥ 2: linear weights and
  /// embeddings), not biases or LayerNorm's γ, β, which set offsets and scales rather than
  /// mixing features. The optimizer's two parameter groups.
  public func weightDecayGroups() -> (decay: [Tensor], noDecay: [Tensor]) {
    let all = parameters().filter(\.requiresGrad)
    return (all.filter { $0.rank >= 2 }, all.filter { $0.rank < 2 })
  }

  public override func forward(_ indices: Tensor) -> Tensor { forward(indices, cache: nil) }

  /// Logits [B, T, vocabSize] for token indices [B, T] (int64). With a cache, the indices
  /// continue the positions it holds (they start at `cache.length`) and their keys and values
  /// are added to it.
  public func forward(_ indices: Tensor, cache: KVCache?) -> Tensor {
    guard indices.rank == 2, indices.dtype == .int64 else {
      fatalError("GPT: expected int64 token indices [B, T], got \(indices.dtype) with shape \(indices.shape)")
    }
    let start = cache?.length ?? 0, t = indices.shape[1]
    guard start + t <= config.blockSize else {
      fatalError("GPT: positions \(start)..<\(start + t) run past the \(config.blockSize) of the position table (blockSize); crop the context to the last \(config.blockSize) tokens")
    }
    if let cache, cache.keys.count != h.count {
      fatalError("GPT: the cache has \(cache.keys.count) layers, the model \(h.count); make it with KVCache(layers: \(h.count))")
    }
    let positions = Tensor.arange(Double(start), Double(start + t), dtype: .int64)
    var x = drop(wte(indices) + wpe(positions))          // [B, T, E] + [T, E]
    for (l, block) in h.enumerated() { x = block.forward(x, cache: cache, layer: l) }
    x = lnF(x)
    return lmHead.map { $0(x) } ?? x.matmul(wte.weight.t())
  }
}
