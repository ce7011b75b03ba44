/// One pre-norm Transformer decoder block: normalise, then add each sublayer's output to the
/// residual stream,
///
///     x ← x + Attention(LN₁(x)),   x ← x + MLP(LN₂(x)).
///
/// Normalising before each sublayer (GPT-2) rather than after (the original Transformer) leaves
/// an identity path from the input to the output of the whole stack, so gradients reach the
/// first block undiminished and training needs no long warm-up. Names as in GPT-2: `ln_1`,
/// `attn`, `ln_2`, `mlp`.
public final class GPTBlock: Module {
  public let ln1: LayerNorm
  public let attn: CausalSelfAttention
  public let ln2: LayerNorm
  public let mlp: GPTMLP

  public init(_ config: GPTConfig, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    ln1 = LayerNorm(config.nEmbd, dtype: dtype)
    attn = CausalSelfAttention(config, dtype: dtype, generator: generator)
    ln2 = LayerNorm(config.nEmbd, dtype: dtype)
    mlp = GPTMLP(config, dtype: dtype, generator: generator)
  }

  public override func namedChildren() -> [(String, Module)] { [("ln_1", ln1), ("attn", attn), ("ln_2", ln2), ("mlp", mlp)] }

  public override func forward(_ x: Tensor) -> Tensor { forward(x, cache: nil, layer: 0) }

  /// The block with the attention reading and extending `cache` (entry `layer`).
  public func forward(_ x: Tensor, cache: KVCache?, layer: Int) -> Tensor {
    let y = x + attn.forward(ln1(x), cache: cache, layer: layer)
    return y + mlp(ln2(y))
  }
}
