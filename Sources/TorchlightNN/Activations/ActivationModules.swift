/// Activation functions as layers (`nn.ReLU`, `nn.GELU`, …), for `Sequential` models. Each one
/// calls the function of the same name in Functional.swift; only `PReLU` has a parameter, and
/// only `RReLU` behaves differently in training and evaluation.

/// max(x, 0) (`nn.ReLU`).
public final class ReLU: Module {
  public override init() {}
  public override func forward(_ x: Tensor) -> Tensor { relu(x) }
}

/// x for x > 0, `negativeSlope`·x otherwise (`nn.LeakyReLU`).
public final class LeakyReLU: Module {
  public let negativeSlope: Double
  public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
  public override func forward(_ x: Tensor) -> Tensor { leakyRelu(x, negativeSlope: negativeSlope) }
}

/// Leaky ReLU with a learned negative slope (`nn.PReLU`): one slope shared by all inputs
/// (`numParameters: 1`), or one per channel of `[N, C, …]` inputs (`numParameters: C`). The
/// slopes start at `initialValue`, PyTorch's 0.25.
public final class PReLU: Module {
  /// The slopes, shape `[numParameters]`.
  public let weight: Tensor
  public let numParameters: Int

  public init(numParameters: Int = 1, initialValue: Double = 0.25, dtype: DType = Tensor.defaultDType) {
    precondition(numParameters > 0, "PReLU: numParameters must be positive, got \(numParameters)")
    self.numParameters = numParameters
    weight = Tensor.full([numParameters], initialValue, dtype: dtype).requiringGrad()
  }

  public override func forward(_ x: Tensor) -> Tensor { prelu(x, weight: weight) }
}

/// Randomized leaky ReLU (`nn.RReLU`): a random slope in [lower, upper] per negative element in
/// training, the fixed slope (lower + upper)/2 after `eval()`.
public final class RReLU: Module {
  public let lower: Double
  public let upper: Double
  let generator: Generator?

  public init(lower: Double = 1.0 / 8, upper: Double = 1.0 / 3, generator: Generator? = nil) {
    precondition(lower <= upper, "RReLU: lower \(lower) must not exceed upper \(upper)")
    self.lower = lower
    self.upper = upper
    self.generator = generator
  }

  public override func forward(_ x: Tensor) -> Tensor {
    rrelu(x, lower: lower, upper: upper, training: isTraining, generator: generator)
  }
}

/// x for x > 0, α(eˣ − 1) otherwise (`nn.ELU`).
public final class ELU: Module {
  public let alpha: Double
  public init(alpha: Double = 1) { self.alpha = alpha }
  public override func forward(_ x: Tensor) -> Tensor { elu(x, alpha: alpha) }
}

/// Scaled ELU with the self-normalising constants (`nn.SELU`).
public final class SELU: Module {
  public override init() {}
  public override func forward(_ x: Tensor) -> Tensor { selu(x) }
}

/// x·Φ(x), exact or with the tanh approximation (`nn.GELU`).
public final class GELU: Module {
  public let approximate: GELUApproximation
  public init(approximate: GELUApproximation = .none) { self.approximate = approximate }
  public override func forward(_ x: Tensor) -> Tensor { gelu(x, approximate: approximate) }
}

/// x·σ(x), also called swish (`nn.SiLU`).
public final class SiLU: Module {
  public override init() {}
  public override func forward(_ x: Tensor) -> Tensor { silu(x) }
}

/// 1/(1 + e⁻ˣ) (`nn.Sigmoid`).
public final class Sigmoid: Module {
  public override init() {}
  public override func forward(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// tanh x (`nn.Tanh`).
public final class Tanh: Module {
  public override init() {}
  public override func forward(_ x: Tensor) -> Tensor { x.tanh() }
}

/// (1/β)·log(1 + e^{βx}), linear above `threshold` (`nn.Softplus`).
public final class Softplus: Module {
  public let beta: Double
  public let threshold: Double
  public init(beta: Double = 1, threshold: Double = 20) {
    precondition(beta > 0, "Softplus: beta must be positive, got \(beta)")
    self.beta = beta
    self.threshold = threshold
  }
  public override func forward(_ x: Tensor) -> Tensor { softplus(x, beta: beta, threshold: threshold) }
}

/// x limited to [minValue, maxValue] (`nn.Hardtanh`).
public final class Hardtanh: Module {
  public let minValue: Double
  public let maxValue: Double
  public init(minValue: Double = -1, maxValue: Double = 1) {
    precondition(minValue <= maxValue, "Hardtanh: minValue \(minValue) must not exceed maxValue \(maxValue)")
    self.minValue = minValue
    self.maxValue = maxValue
  }
  public override func forward(_ x: Tensor) -> Tensor { hardtanh(x, minValue: minValue, maxValue: maxValue) }
}

/// Softmax along `axis` (`nn.Softmax(dim=)`): each slice along it becomes a probability
/// distribution.
public final class Softmax: Module {
  public let axis: Int
  public init(axis: Int = -1) { self.axis = axis }
  public override func forward(_ x: Tensor) -> Tensor { softmax(x, axis: axis) }
}

/// Log-softmax along `axis` (`nn.LogSoftmax(dim=)`), what `nllLoss` expects.
public final class LogSoftmax: Module {
  public let axis: Int
  public init(axis: Int = -1) { self.axis = axis }
  public override func forward(_ x: Tensor) -> Tensor { logSoftmax(x, axis: axis) }
}
