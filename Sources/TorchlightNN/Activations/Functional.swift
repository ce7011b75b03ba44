import Foundation

/// Activation functions in functional form (`torch.nn.functional`), with PyTorch's definitions
/// and defaults. The layers in ActivationModules.swift wrap these.
///
/// Most are compositions of differentiable tensor ops, so their gradients (and second
/// derivatives) come from the ops they are built of. Four are written as ops of their own, with
/// the backward right under the forward: `erf`, whose values Torchlight has no kernel for;
/// `elu` and `softplus`, whose composed forms would lose precision near 0 and far left
/// (they need `expm1` and `log1p`); and `hardtanh`, whose gradient PyTorch cuts off at the
/// bounds themselves, where `clamp` lets it through. `gelu`, the Transformer's activation, runs
/// as one fused op for speed (GELUOp.swift), with `geluReference` as its op-by-op definition.

// MARK: Piecewise linear

/// max(x, 0), the rectified linear unit (`F.relu`). The gradient is 1 where x > 0, else 0.
public func relu(_ x: Tensor) -> Tensor { x.relu() }

/// x where x > 0, `negativeSlope`·x elsewhere (`F.leaky_relu`): a ReLU that lets a little
/// gradient through for negative inputs, so a unit cannot die.
public func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor {
  x.leakyRelu(negativeSlope: negativeSlope)
}

/// Leaky ReLU whose negative slope `weight` is learned (`F.prelu`): one slope for everything
/// (`weight` of one element) or one per channel, channels being axis 1 of `x` as in
/// `[N, C, …]`. The gradient reaches both x and the weight.
public func prelu(_ x: Tensor, weight: Tensor) -> Tensor {
  if let c = Autocast.inputs(of: .prelu, [x, weight]) { return prelu(c[0]!, weight: c[1]!) }
  guard weight.rank <= 1 else {
    fatalError("prelu: weight must hold one slope or one per channel (rank 0 or 1), got shape \(weight.shape)")
  }
  let slope: Tensor
  if weight.count == 1 {
    slope = weight.reshaped([])
  } else {
    guard x.rank >= 2, x.shape[1] == weight.count else {
      fatalError("prelu: \(weight.count) slopes need an input [N, \(weight.count), …] with the channels on axis 1, got shape \(x.shape)")
    }
    // [C, 1, …, 1] broadcasts against [N, C, d₁, …, dₖ].
    slope = weight.reshaped([weight.count] + Array(repeating: 1, count: x.rank - 2))
  }
  return Tensor.where(x .> 0, x, slope * x)
}

/// Randomized leaky ReLU (`F.rrelu`). In training, each element with x ≤ 0 gets its own slope
/// drawn uniformly from [lower, upper], a regulariser; outside training the slope is the mean
/// (lower + upper)/2 for every element, which makes it a plain leaky ReLU. The gradient uses
/// the slopes that were drawn.
public func rrelu(_ x: Tensor, lower: Double = 1.0 / 8, upper: Double = 1.0 / 3, training: Bool = false,
                  generator: Generator? = nil) -> Tensor {
  precondition(lower <= upper, "rrelu: lower \(lower) must not exceed upper \(upper)")
  guard training else { return leakyRelu(x, negativeSlope: (lower + upper) / 2) }
  let slopes = Tensor.uniform(x.shape, low: lower, high: upper, dtype: x.dtype.isFloatingPoint ? x.dtype : Tensor.defaultDType,
                              generator: generator)
  return Tensor.where(x .> 0, x, x * slopes)
}

/// x limited to [minValue, maxValue] (`F.hardtanh`), a cheap stand-in for tanh.
/// Backward: 1 strictly inside the bounds, 0 on and beyond them (as in PyTorch; `clamp` also
/// passes the gradient on the bounds, which is why this is not just `x.clamp`).
public func hardtanh(_ x: Tensor, minValue: Double = -1, maxValue: Double = 1) -> Tensor {
  precondition(minValue <= maxValue, "hardtanh: minValue \(minValue) must not exceed maxValue \(maxValue)")
  let y = withNoGrad { x.clamp(min: minValue, max: maxValue) }
  return y.recorded("HardtanhBackward", inputs: [x], saving: [x]) { g in
    let inside = (x .> minValue).to(g.dtype) * (x .< maxValue).to(g.dtype)
    return [g * inside]
  }
}

// MARK: Exponential

/// x where x > 0, α(eˣ − 1) elsewhere (`F.elu`): smooth on the left and tending to −α, which
/// pulls mean activations towards 0.
///
/// eˣ − 1 is computed as `expm1(x)`: written as `exp(x) - 1` it would lose all relative
/// precision for x near 0. Backward: 1 for x > 0, and αeˣ = y + α for x ≤ 0, read off the
/// output.
public func elu(_ x: Tensor, alpha: Double = 1) -> Tensor {
  let y = mapElements(x) { v in v > 0 ? v : alpha * Foundation.expm1(v) }
  return y.recorded("EluBackward", inputs: [x], saving: [x, y]) { g in
    let y = y.savedOutput { elu(x, alpha: alpha) }
    return [Tensor.where(x .> 0, g, g * (y + alpha))]
  }
}

/// The two constants of SELU (Klambauer et al., 2017), as PyTorch spells them: with them,
/// activations of a deep stack of layers keep mean 0 and variance 1.
let seluAlpha = 1.6732632423543772848170429916717
let seluScale = 1.0507009873554804934193349852946

/// Scaled ELU, λ·elu(x, α) with PyTorch's λ = 1.0507… and α = 1.6733… (`F.selu`).
public func selu(_ x: Tensor) -> Tensor { seluScale * elu(x, alpha: seluAlpha) }

/// (1/β)·log(1 + e^{βx}) (`F.softplus`), a smooth ReLU. Where βx > `threshold` it returns x
/// itself, as PyTorch does (the two differ by less than e^{−threshold} there).
///
/// Computed as (max(z, 0) + log1p(e^{−|z|}))/β with z = βx: this never overflows, and for very
/// negative z it keeps the tiny result e^{z} that log(1 + e^{z}) would round to 0.
/// Backward: σ(βx), or 1 above the threshold.
public func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
  precondition(beta > 0, "softplus: beta must be positive, got \(beta)")
  let y = mapElements(x) { v in
    let z = v * beta
    return z > threshold ? v : (Swift.max(z, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(z)))) / beta
  }
  return y.recorded("SoftplusBackward", inputs: [x], saving: [x]) { g in
    let z = x * beta
    return [Tensor.where(z .> threshold, g, g * z.sigmoid())]
  }
}

// MARK: Sigmoid-shaped

/// σ(x) = 1/(1 + e⁻ˣ) (`torch.sigmoid`).
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }

/// tanh x (`torch.tanh`).
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }

/// x·σ(x), the sigmoid-weighted linear unit, also called swish (`F.silu`).
public func silu(_ x: Tensor) -> Tensor { siluReference(x) }

/// x·σ(x) op by op: the definition the fused kernels that include a SiLU are tested against.
public func siluReference(_ x: Tensor) -> Tensor { x * x.sigmoid() }

/// The error function erf(x) = (2/√π)∫₀ˣ e^{−t²} dt, elementwise (`torch.erf`).
/// Backward: d/dx erf(x) = (2/√π)·e^{−x²}, itself made of tensor ops, so second derivatives work.
public func erf(_ x: Tensor) -> Tensor {
  let y = mapElements(x) { Foundation.erf($0) }
  return y.recorded("ErfBackward", inputs: [x], saving: [x]) { g in
    [g * (2 / Double.pi.squareRoot()) * (-(x * x)).exp()]
  }
}

/// Which form of GELU to compute (`approximate=` in PyTorch).
public enum GELUApproximation: String, Sendable {
  /// The exact x·Φ(x), with Φ the standard normal CDF.
  case none
  /// The tanh approximation of the original GPT and BERT code.
  case tanh
}

/// The Gaussian error linear unit x·Φ(x) (`F.gelu`): x weighted by the probability that a
/// standard normal variable lies below it.
/// - `.none`: Φ(x) = ½(1 + erf(x/√2)), exact.
/// - `.tanh`: Φ(x) ≈ ½(1 + tanh(√(2/π)·(x + 0.044715x³))).
/// Runs as one fused op on float tensors (GELUOp.swift); `geluReference` is the same op by op.
public func gelu(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor {
  guard x.dtype.isFloatingPoint else { return geluReference(x, approximate: approximate) }
  return geluFused(x, approximate: approximate)
}

/// `gelu` op by op, as written above: the readable definition, and the reference that the fused
/// op is tested against and differentiates for second derivatives.
public func geluReference(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor {
  switch approximate {
  case .none:
    return 0.5 * x * (1 + erf(x * (1 / 2.0.squareRoot())))
  case .tanh:
    let inner = (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1 + inner.tanh())
  }
}

// MARK: Helpers

/// A new tensor holding `f` of every element of `x`, in x's float dtype (integers give float32),
/// contiguous, and not recorded. `f` always runs in Double, which makes float32 results
/// correctly rounded too.
///
/// This goes through Swift arrays, since Torchlight's kernels are internal to it: fine for the
/// few scalar functions above that have no tensor op (erf, expm1, log1p), but a kernel inside
/// Torchlight would save two copies.
func mapElements(_ x: Tensor, _ f: (Double) -> Double) -> Tensor {
  withNoGrad {
    switch x.dtype {
    case .float64: Tensor(x.toArray(Double.self).map(f), shape: x.shape, dtype: .float64)
    case .float32: Tensor(x.toArray(Float.self).map { Float(f(Double($0))) }, shape: x.shape)
    case .float16, .bfloat16: Tensor(x.toDoubles().map(f), shape: x.shape, dtype: x.dtype)  // rounded once on store
    case .int64, .bool: Tensor(x.toDoubles().map(f), shape: x.shape)   // the default floating dtype
    }
  }
}
