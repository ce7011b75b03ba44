/// One Transformer decoder layer (`nn.TransformerDecoderLayer`): masked self-attention over the
/// target, attention from the target to the encoder's output (`memory`), then the feed-forward
/// network; each in a residual connection with layer norm.
///
/// Post-norm (PyTorch's default):
///     x = norm1(x + SelfAttention(x)),  x = norm2(x + CrossAttention(x, memory)),  x = norm3(x + FFN(x))
/// Pre-norm (`normFirst: true`):
///     x = x + SelfAttention(norm1(x)),  x = x + CrossAttention(norm2(x), memory),  x = x + FFN(norm3(x))
///
/// Parameters as PyTorch names them: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`,
/// `norm1.*`, `norm2.*`, `norm3.*`: 8d² + 8d + 2d·f + d + f + 6d.
public final class TransformerDecoderLayer: Module {
  public let selfAttn: MultiheadAttention
  public let multiheadAttn: MultiheadAttention
  public let linear1: Linear
  public let dropout: Dropout
  public let linear2: Linear
  public let norm1: LayerNorm, norm2: LayerNorm, norm3: LayerNorm
  public let dropout1: Dropout, dropout2: Dropout, dropout3: Dropout
  public let activation: TransformerActivation
  public let normFirst: Bool
  public let dModel: Int, nhead: Int, dimFeedforward: Int
  public let dropoutProbability: Double, layerNormEps: Double
  public var batchFirst: Bool { selfAttn.batchFirst }
  let dtype: DType
  let generator: Generator?

  /// The settings of `nn.TransformerDecoderLayer`, as for `TransformerEncoderLayer`.
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
    precondition(dimFeedforward > 0, "TransformerDecoderLayer: dimFeedforward must be positive, got \(dimFeedforward)")
    self.dModel = dModel; self.nhead = nhead; self.dimFeedforward = dimFeedforward
    dropoutProbability = dropout; self.layerNormEps = layerNormEps
    self.activation = activation; self.normFirst = normFirst; self.dtype = dtype; self.generator = generator
    selfAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, batchFirst: batchFirst,
                                  dtype: dtype, generator: weightsGenerator)
    multiheadAttn = MultiheadAttention(embedDim: dModel, numHeads: nhead, dropout: dropout, batchFirst: batchFirst,
                                       dtype: dtype, generator: weightsGenerator)
    selfAttn.dropoutGenerator = generator
    multiheadAttn.dropoutGenerator = generator
    linear1 = Linear(inFeatures: dModel, outFeatures: dimFeedforward, dtype: dtype, generator: weightsGenerator)
    self.dropout = Dropout(p: dropout, generator: generator)
    linear2 = Linear(inFeatures: dimFeedforward, outFeatures: dModel, dtype: dtype, generator: weightsGenerator)
    norm1 = LayerNorm(dModel, eps: layerNormEps, dtype: dtype)
    norm2 = LayerNorm(dModel, eps: layerNormEps, dtype: dtype)
    norm3 = LayerNorm(dModel, eps: layerNormEps, dtype: dtype)
    dropout1 = Dropout(p: dropout, generator: generator)
    dropout2 = Dropout(p: dropout, generator: generator)
    dropout3 = Dropout(p: dropout, generator: generator)
  }

  public override func namedChildren() -> [(String, Module)] {
    [("self_attn", selfAttn), ("multihead_attn", multiheadAttn), ("linear1", linear1), ("dropout", dropout),
     ("linear2", linear2), ("norm1", norm1), ("norm2", norm2), ("norm3", norm3),
     ("dropout1", dropout1), ("dropout2", dropout2), ("dropout3", dropout3)]
  }

  /// A new layer with the same settings and a copy of this one's parameters and mode.
  public func copied() -> TransformerDecoderLayer {
    let copy = TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropoutProbability,
                                       activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                       normFirst: normFirst, dtype: dtype, generator: generator, weightsGenerator: Generator(seed: 0))
    copy.copyValues(from: self)
    return copy
  }

  /// tgt [T, N, E] and memory [S, N, E] ([N, T, E], [N, S, E] when `batchFirst`; or unbatched
  /// [T, E], [S, E]) → the shape of tgt.
  ///
  /// - Parameters:
  ///   - tgtMask: [T, T] or [N·nhead, T, T], for the self-attention (usually causal).
  ///   - memoryMask: [T, S] or [N·nhead, T, S], for the attention to memory.
  ///   - tgtKeyPaddingMask: [N, T]; memoryKeyPaddingMask: [N, S]. Bool masks: true = masked out.
  ///   - tgtIsCausal, memoryIsCausal: causal masks for either attention (see `MultiheadAttention`).
  public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                             tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                             tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
    forward(tgt, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
            memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
  }

  public func forward(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                      tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                      tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
    guard tgt.rank == 2 || tgt.rank == 3, tgt.shape[tgt.rank - 1] == dModel, memory.rank == tgt.rank,
          memory.shape[memory.rank - 1] == dModel else {
      let layout = batchFirst ? "[N, T, \(dModel)] and [N, S, \(dModel)]" : "[T, N, \(dModel)] and [S, N, \(dModel)]"
      fatalError("TransformerDecoderLayer(dModel: \(dModel), nhead: \(nhead)): expected tgt and memory \(layout) (or unbatched [T, \(dModel)] and [S, \(dModel)]), got shapes \(tgt.shape) and \(memory.shape)")
    }
    let name = "TransformerDecoderLayer(dModel: \(dModel), nhead: \(nhead))"
    if tgt.rank == 3 {
      let axis = batchFirst ? 0 : 1
      guard tgt.shape[axis] == memory.shape[axis] else {
        fatalError("\(name): tgt \(tgt.shape) and memory \(memory.shape) must have the same batch size in axis \(axis) (batchFirst is \(batchFirst): they are read as \(batchFirst ? "[N, T, E] and [N, S, E]" : "[T, N, E] and [S, N, E]"))")
      }
    }
    requireKeyPaddingMask(tgtKeyPaddingMask, for: tgt, batchFirst: batchFirst, layer: name, what: "tgtKeyPaddingMask")
    requireKeyPaddingMask(memoryKeyPaddingMask, for: memory, batchFirst: batchFirst, layer: name, what: "memoryKeyPaddingMask")
    func selfAttention(_ x: Tensor) -> Tensor {
      dropout1(selfAttn(x, x, x, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, attnMask: tgtMask, isCausal: tgtIsCausal).output)
    }
    func crossAttention(_ x: Tensor) -> Tensor {
      dropout2(multiheadAttn(x, memory, memory, keyPaddingMask: memoryKeyPaddingMask, needWeights: false,
                             attnMask: memoryMask, isCausal: memoryIsCausal).output)
    }
    func feedForward(_ x: Tensor) -> Tensor { dropout3(linear2(dropout(activation(linear1(x))))) }
    var x = tgt
    if normFirst {
      x = x + selfAttention(norm1(x))
      x = x + crossAttention(norm2(x))
      x = x + feedForward(norm3(x))
    } else {
      x = norm1(x + selfAttention(x))
      x = norm2(x + crossAttention(x))
      x = norm3(x + feedForward(x))
    }
    return x
  }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("TransformerDecoderLayer takes the target and the encoder's output: call layer(tgt, memory)")
  }
}
