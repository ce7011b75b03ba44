/// The nonlinearity inside a Transformer layer's feed-forward block (`activation=` in PyTorch).
public enum TransformerActivation: Sendable {
  /// max(x, 0), PyTorch's default.
  case relu
  /// x·Φ(x) with the exact Gaussian CDF.
  case gelu

  func callAsFunction(_ x: Tensor) -> Tensor {
    switch self {
    case .relu: x.relu()
    case .gelu: TorchlightNN.gelu(x)
    }
  }
}
