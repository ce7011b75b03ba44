/// The encoder–decoder Transformer (`nn.Transformer`; Vaswani et al., 2017): the encoder reads
/// the source, the decoder produces the target while attending to the encoder's output. Both
/// stacks end with a layer norm. Embeddings, positional encodings and the output layer are
/// not part of it, as in PyTorch.
///
/// Parameters: `encoder.layers.N.*`, `encoder.norm.*`, `decoder.layers.N.*`, `decoder.norm.*`.
/// As PyTorch does, every parameter with two or more axes starts Xavier-uniform, so the layers
/// start different even though the stacks copy one layer.
public final class Transformer: Module {
  public let encoder: TransformerEncoder
  public let decoder: TransformerDecoder
  public let dModel: Int, nhead: Int
  public let batchFirst: Bool

  public init(dModel: Int = 512, nhead: Int = 8, numEncoderLayers: Int = 6, numDecoderLayers: Int = 6,
              dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: TransformerActivation = .relu,
              layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false,
              dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    self.dModel = dModel; self.nhead = nhead; self.batchFirst = batchFirst
    let encoderLayer = TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                               activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                               normFirst: normFirst, dtype: dtype, generator: generator, weightsGenerator: Generator(seed: 0))
    encoder = TransformerEncoder(encoderLayer, numLayers: numEncoderLayers, norm: LayerNorm(dModel, eps: layerNormEps, dtype: dtype))
    let decoderLayer = TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                               activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                               normFirst: normFirst, dtype: dtype, generator: generator, weightsGenerator: Generator(seed: 0))
    decoder = TransformerDecoder(decoderLayer, numLayers: numDecoderLayers, norm: LayerNorm(dModel, eps: layerNormEps, dtype: dtype))
    super.init()
    for p in parameters() where p.rank > 1 { Init.xavierUniform(p, generator: generator) }
  }

  /// The causal mask for a sequence of `size` (`generate_square_subsequent_mask`): a float
  /// [size, size] matrix with −∞ above the diagonal and 0 on and below it, so position i
  /// attends to positions 0…i only. Pass it as `tgtMask`.
  public static func generateSquareSubsequentMask(_ size: Int, dtype: DType = Tensor.defaultDType) -> Tensor {
    precondition(size >= 0, "generateSquareSubsequentMask: size must be non-negative, got \(size)")
    return Tensor.full([size, size], -.infinity, dtype: dtype).triu(diagonal: 1)
  }

  /// src [S, N, E] and tgt [T, N, E] ([N, S, E], [N, T, E] when `batchFirst`) → [T, N, E].
  ///
  /// Masks as in the layers: `srcMask` [S, S], `tgtMask` [T, T] (usually
  /// `generateSquareSubsequentMask(T)`), `memoryMask` [T, S], or per example and head with a
  /// leading N·nhead; key padding masks [N, S], [N, T], [N, S]. Bool masks: true = masked out.
  public func callAsFunction(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil,
                             memoryMask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                             memoryKeyPaddingMask: Tensor? = nil, srcIsCausal: Bool = false, tgtIsCausal: Bool = false,
                             memoryIsCausal: Bool = false) -> Tensor {
    forward(src, tgt, srcMask: srcMask, tgtMask: tgtMask, memoryMask: memoryMask, srcKeyPaddingMask: srcKeyPaddingMask,
            tgtKeyPaddingMask: tgtKeyPaddingMask, memoryKeyPaddingMask: memoryKeyPaddingMask, srcIsCausal: srcIsCausal,
            tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
  }

  public func forward(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil,
                      memoryMask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                      memoryKeyPaddingMask: Tensor? = nil, srcIsCausal: Bool = false, tgtIsCausal: Bool = false,
                      memoryIsCausal: Bool = false) -> Tensor {
    let name = "Transformer(dModel: \(dModel), nhead: \(nhead)\(batchFirst ? ", batchFirst" : ""))"
    guard src.rank == tgt.rank, src.rank == 2 || src.rank == 3 else {
      fatalError("\(name): src and tgt must both be batched (3 axes) or both unbatched (2 axes), got shapes \(src.shape) and \(tgt.shape)")
    }
    if src.rank == 3 {
      let axis = batchFirst ? 0 : 1
      guard src.shape[axis] == tgt.shape[axis] else {
        fatalError("\(name): src \(src.shape) and tgt \(tgt.shape) must have the same batch size in axis \(axis) (batchFirst is \(batchFirst): inputs are read as \(batchFirst ? "[N, S, E]" : "[S, N, E]"))")
      }
    }
    guard src.shape[src.rank - 1] == dModel, tgt.shape[tgt.rank - 1] == dModel else {
      fatalError("\(name): src \(src.shape) and tgt \(tgt.shape) must have dModel = \(dModel) features in their last axis")
    }
    let memory = encoder(src, mask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: srcIsCausal)
    return decoder(tgt, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                   memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
  }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("Transformer takes a source and a target: call transformer(src, tgt)")
  }
}
