/// The position-wise feed-forward network of a GPT block: widen four times, GELU, project back.
///
///     MLP(x) = GELU(x W_fcᵀ + b_fc) W_projᵀ + b_proj,   W_fc: [4E, E],  W_proj: [E, 4E]
///
/// It acts on each position separately: attention moves information between positions, the MLP
/// computes with what arrived. GELU(x) = x·Φ(x), with Φ the standard normal CDF (the exact form,
/// as `nn.GELU()`). Names as in GPT-2: `c_fc`, `c_proj`.
public final class GPTMLP: Module {
  public let cFc: Linear
  public let cProj: Linear
  public let dropout: Dropout

  public init(_ config: GPTConfig, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    config.check()
    cFc = Linear(inFeatures: config.nEmbd, outFeatures: 4 * config.nEmbd, bias: config.bias, dtype: dtype, generator: generator)
    cProj = Linear(inFeatures: 4 * config.nEmbd, outFeatures: config.nEmbd, bias: config.bias, dtype: dtype, generator: generator)
    dropout = Dropout(p: config.dropout)
  }

  public override func namedChildren() -> [(String, Module)] { [("c_fc", cFc), ("c_proj", cProj), ("dropout", dropout)] }

  public override func forward(_ x: Tensor) -> Tensor { dropout(cProj(gelu(cFc(x)))) }
}
