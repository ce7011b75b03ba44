/// One Transformer encoder layer (`nn.TransformerEncoderLayer`): self-attention, then a
/// position-wise feed-forward network, each wrapped in a residual connection and layer norm.
///
/// Post-norm (the original paper, PyTorch's default):
///     x = norm1(x + SelfAttention(x)),   x = norm2(x + FFN(x))
/// Pre-norm (`normFirst: true`, easier to train deep):
///     x = x + SelfAttention(norm1(x)),   x = x + FFN(norm2(x))
/// with FFN(x) = linear2(dropout(activation(linear1(x)))) and dropout after each block.
///
/// Parameters as PyTorch names them: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`,
/// `norm2.*`: 4d² + 4d (attention) + 2d·f + d + f (feed-forward) + 4d (norms).
public final class TransformerEncoderLayer: Module {
  public let selfAttn: MultiheadAttention
  public let linear1: Linear
  public let dropout: Dropout
  public let linear2: Linear
  public let norm1: LayerNorm, norm2: LayerNorm
  public let dropout1: Dropout, dropout2: Dropout
  public let activation: TransformerActivation
  public let normFirst: Bool
  public let dModel: Int, nhead: Int, dimFeedforward: Int
  public let dropoutProbability: Double, layerNormEps: Double
  public var batchFirst: Bool { selfAttn.batchFirst }
  let dtype: DType
  let generator: Generator?

  /// - Parameters: as `nn.TransformerEncoderLayer`: model width `dModel`, `nhead` heads, the
  ///   feed-forward width, dropout everywhere, the activation, LayerNorm's ε, `batchFirst`
  ///   ([N, S, E] instead of [S, N, E]) and `normFirst` (pre-norm).
  public convenience init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
                          activation: TransformerActivation = .relu, layerNormEps: Double = 1e-5, batchFirst: Bool = false,
                          normFirst: Bool = false, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
              layerNormEps: layerNormEps, batchFirst: batchFirst, normFirst: normFirst, dtype: dtype,
              generator: generator, weightsGenerator: generator)
  }

  /// `weightsGenerator` draws the initial weights, `generator` the dropout masks.
  init(dModel: Int, nhead: Int, dimFeedforward: Int, dropout: Double, activation: TransformerActivation, layerNormEps: Double,
       batchFirst: Bool, normFirst: Bool, dtype: DType, generator: Generator?, weightsGenerator: Generator?) {
    precondition(dimFeedforward > 0, "TransformerEncoderLayer: dimFeedforward must be positive, got \(dimFeedforward)")
    self.dModel = dModel; self.nhead = nhead; self.dimFeedforward = dimFeedforward
    dropoutProbability = dropout; self.layerNormEps = layerNormEps
    self.activation = activation; self.normFirst = normFirst; self.dtype = dtype; self.generator = generator
    selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, batchFirst: batchFirst,
                                  dtype: dtype, generator: weightsGenerator)
    selfAttn.dropoutGenerator = generator
    linear1 = Linear(inFeatures: dModel, outFeatures: dimFeedforward, dtype: dtype, generator: weightsGenerator)
    self.dropout = Dropout(p: dropout, generator: generator)
    linear2 = Linear(inFeatures: dimFeedforward, outFeatures: dModel, dtype: dtype, generator: weightsGenerator)
    norm1 = LayerNorm(dModel, eps: layerNormEps, dtype: dtype)
    norm2 = LayerNorm(dModel, eps: layerNormEps, dtype: dtype)
    dropout1 = Dropout(p: dropout, generator: generator)
    dropout2 = Dropout(p: dropout, generator: generator)
  }

  public override func namedChildren() -> [(String, Module)] {
    [("self_attn", selfAttn), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
     ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
  }

  /// A new layer with the same settings and a copy of this one's parameters and mode.
  public func copied() -> TransformerEncoderLayer {
    let copy = TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropoutProbability,
                                       activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                       normFirst: normFirst, dtype: dtype, generator: generator, weightsGenerator: Generator(seed: 0))
    copy.copyValues(from: self)
    return copy
  }

  /// src [S, N, E] ([N, S, E] when `batchFirst`, or [S, E]) → the same shape.
  ///
  /// - Parameters:
  ///   - srcMask: attention mask [S, S] or [N·nhead, S, S]; bool true = masked out, or additive.
  ///   - srcKeyPaddingMask: [N, S]; true (or −∞) for padding positions.
  ///   - isCausal: each position attends to itself and earlier ones only (see `MultiheadAttention`).
  public func callAsFunction(_ src: Tensor, srcMask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
    forward(src, srcMask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal)
  }

  public func forward(_ src: Tensor, srcMask: Tensor?, srcKeyPaddingMask: Tensor?, isCausal: Bool = false) -> Tensor {
    guard src.rank == 2 || src.rank == 3, src.shape[src.rank - 1] == dModel else {
      fatalError("TransformerEncoderLayer(dModel: \(dModel), nhead: \(nhead)): expected src \(batchFirst ? "[N, S, \(dModel)]" : "[S, N, \(dModel)]") or [S, \(dModel)], got shape \(src.shape)")
    }
    requireKeyPaddingMask(srcKeyPaddingMask, for: src, batchFirst: batchFirst,
                          layer: "TransformerEncoderLayer(dModel: \(dModel), nhead: \(nhead))", what: "srcKeyPaddingMask")
    func selfAttention(_ x: Tensor) -> Tensor {
      dropout1(selfAttn(x, x, x, keyPaddingMask: srcKeyPaddingMask, needWeights: false, attnMask: srcMask, isCausal: isCausal).output)
    }
    func feedForward(_ x: Tensor) -> Tensor { dropout2(linear2(dropout(activation(linear1(x))))) }
    var x = src
    if normFirst {
      x = x + selfAttention(norm1(x))
      x = x + feedForward(norm2(x))
    } else {
      x = norm1(x + selfAttention(x))
      x = norm2(x + feedForward(x))
    }
    return x
  }

  public override func forward(_ src: Tensor) -> Tensor { forward(src, srcMask: nil, srcKeyPaddingMask: nil) }
}
