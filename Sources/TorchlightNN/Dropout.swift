/// Inverted dropout (`F.dropout`): in training, each element is zeroed with probability p and the
/// survivors are scaled by 1/(1 − p), so the expected value is unchanged and nothing needs
/// rescaling at test time. Outside training it returns x untouched. The gradient flows through
/// the same mask.
public func dropout(_ x: Tensor, p: Double, training: Bool = true, generator: Generator? = nil) -> Tensor {
  precondition(p >= 0 && p <= 1, "dropout: p must lie in [0, 1], got \(p)")
  guard training, p > 0 else { return x }
  if p == 1 { return x * 0 }
  let keep = Tensor.bernoulli(x.shape, p: 1 - p, dtype: x.dtype.isFloatingPoint ? x.dtype : Tensor.defaultDType, generator: generator)
  return x * (keep / (1 - p))
}

/// Dropout as a layer (`nn.Dropout`): active in `train()` mode, the identity after `eval()`.
public final class Dropout: Module {
  public let p: Double
  let generator: Generator?

  public init(p: Double = 0.5, generator: Generator? = nil) {
    precondition(p >= 0 && p <= 1, "Dropout: p must lie in [0, 1], got \(p)")
    self.p = p
    self.generator = generator
  }

  public override func forward(_ x: Tensor) -> Tensor { dropout(x, p: p, training: isTraining, generator: generator) }
}
