/// A stack of `numLayers` decoder layers (`nn.TransformerDecoder`), all attending to the same
/// encoder output `memory`, and an optional final layer norm. The layers are copies of the one
/// given. Parameters: `layers.0.*` … `layers.{numLayers−1}.*`, then `norm.*`.
public final class TransformerDecoder: Module {
  public let layers: [TransformerDecoderLayer]
  public let norm: LayerNorm?

  public init(_ decoderLayer: TransformerDecoderLayer, numLayers: Int, norm: LayerNorm? = nil) {
    precondition(numLayers > 0, "TransformerDecoder: numLayers must be positive, got \(numLayers)")
    layers = (0..<numLayers).map { _ in decoderLayer.copied() }
    self.norm = norm
  }

  public var numLayers: Int { layers.count }

  public override func namedChildren() -> [(String, Module)] {
    layers.enumerated().map { ("layers.\($0)", $1 as Module) } + (norm.map { [("norm", $0 as Module)] } ?? [])
  }

  /// tgt [T, N, E] and memory [S, N, E] ([N, T, E], [N, S, E] when batch-first) → the shape of
  /// tgt; the masks as for `TransformerDecoderLayer`, the same for every layer.
  public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                             tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                             tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
    forward(tgt, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
            memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
  }

  public func forward(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                      tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                      tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
    var x = tgt
    for layer in layers {
      x = layer(x, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
    }
    return norm.map { $0(x) } ?? x
  }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("TransformerDecoder takes the target and the encoder's output: call decoder(tgt, memory)")
  }
}
