/// A stack of `numLayers` encoder layers (`nn.TransformerEncoder`), each the output of the one
/// before, and an optional final layer norm (needed after pre-norm layers, whose output is not
/// normalised). Like PyTorch, the layers are copies of the one given, so they start equal.
/// Parameters: `layers.0.*` … `layers.{numLayers−1}.*`, then `norm.*`.
public final class TransformerEncoder: Module {
  public let layers: [TransformerEncoderLayer]
  public let norm: LayerNorm?

  public init(_ encoderLayer: TransformerEncoderLayer, numLayers: Int, norm: LayerNorm? = nil) {
    precondition(numLayers > 0, "TransformerEncoder: numLayers must be positive, got \(numLayers)")
    layers = (0..<numLayers).map { _ in encoderLayer.copied() }
    self.norm = norm
  }

  public var numLayers: Int { layers.count }

  public override func namedChildren() -> [(String, Module)] {
    layers.enumerated().map { ("layers.\($0)", $1 as Module) } + (norm.map { [("norm", $0 as Module)] } ?? [])
  }

  /// src [S, N, E] ([N, S, E] when batch-first) through every layer, with the same masks for
  /// each: `mask` [S, S] or [N·nhead, S, S], `srcKeyPaddingMask` [N, S] (bool: true = masked out).
  public func callAsFunction(_ src: Tensor, mask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
    forward(src, mask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal)
  }

  public func forward(_ src: Tensor, mask: Tensor?, srcKeyPaddingMask: Tensor?, isCausal: Bool = false) -> Tensor {
    var x = src
    for layer in layers { x = layer(x, srcMask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal) }
    return norm.map { $0(x) } ?? x
  }

  public override func forward(_ src: Tensor) -> Tensor { forward(src, mask: nil, srcKeyPaddingMask: nil) }
}
