import Foundation

/// Adam: momentum on the gradient (first moment m) divided by the root of a running mean of
/// squared gradients (second moment v), both corrected for starting at zero
/// (`torch.optim.Adam`, same update and defaults). At step t:
///
///     g ← −g                       if maximize
///     g ← g + λθ                   weight decay as an L2 penalty (Adam; AdamW decays θ instead)
///     m ← β₁m + (1 − β₁)g
///     v ← β₂v + (1 − β₂)g²
///     v ← max(v_max, v) = v_max    if amsgrad (the largest v so far is used)
///     θ ← θ − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// The last line is m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), in the order of
/// operations PyTorch uses.
public final class Adam: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var betas: (Double, Double)
    public var eps: Double
    public var weightDecay: Double
    public var amsgrad: Bool
    public var maximize: Bool

    public init(lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
      (self.lr, self.betas, self.eps, self.weightDecay, self.amsgrad, self.maximize) =
        (lr, betas, eps, weightDecay, amsgrad, maximize)
    }

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("beta1", \.betas.0), .number("beta2", \.betas.1), .number("eps", \.eps),
       .number("weight_decay", \.weightDecay), .flag("amsgrad", \.amsgrad), .flag("maximize", \.maximize)]
    }

    func check(_ name: String) {
      precondition(lr >= 0 && lr.isFinite, "\(name): learning rate must be a finite non-negative number, got \(lr)")
      precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "\(name): betas must be in [0, 1), got \(betas)")
      precondition(eps >= 0 && weightDecay >= 0, "\(name): eps and weight decay must be non-negative")
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
              weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
    defaults = Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    defaults.check("Adam")
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("Adam")
  }

  public func step() {
    forEachParameter { p, g, state, o in adamUpdate(p, g, state, o, decoupled: false) }
  }
}

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), `torch.optim.AdamW`. The decay
/// shrinks the parameter directly instead of entering the gradient, so it is not divided by √v:
///
///     θ ← θ(1 − ηλ)
///     then Adam's update with λ = 0
///
/// The default weight decay is 0.01, as in PyTorch.
public final class AdamW: GroupedOptimizer {
  public typealias Options = Adam.Options

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
              weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
    defaults = Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad, maximize: maximize)
    defaults.check("AdamW")
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("AdamW")
  }

  public func step() {
    forEachParameter { p, g, state, o in adamUpdate(p, g, state, o, decoupled: true) }
  }
}

/// One Adam or AdamW step for one parameter: the update rule above, element by element.
func adamUpdate(_ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Adam.Options, decoupled: Bool) {
  switch p.dtype {
  case .float32: adamKernel(Float.self, p, grad, state, o, decoupled)
  case .float64: adamKernel(Double.self, p, grad, state, o, decoupled)
  default: unsupportedDType(p, decoupled ? "AdamW" : "Adam")
  }
}

private func adamKernel<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState,
                                         _ o: Adam.Options, _ decoupled: Bool) {
  let t = Double(state.step)
  let (beta1, beta2, eps) = (T(o.betas.0), T(o.betas.1), T(o.eps))
  let stepSize = T(o.lr / (1 - Foundation.pow(o.betas.0, t)))              // η / (1 − β₁ᵗ)
  let sqrtBiasCorrection2 = T((1 - Foundation.pow(o.betas.1, t)).squareRoot()) // √(1 − β₂ᵗ)
  let l2: T = decoupled ? 0 : T(o.weightDecay)                               // λ in the gradient (Adam)
  let shrink: T = decoupled ? T(o.lr * o.weightDecay) : 0                    // ηλ on θ (AdamW)
  let amsgrad = o.amsgrad

  var inputs = [grad, state.buffer("exp_avg", like: p), state.buffer("exp_avg_sq", like: p), p]
  if amsgrad { inputs.append(state.buffer("max_exp_avg_sq", like: p)) }
  let out = fused(T.self, inputs: inputs, outputs: amsgrad ? 4 : 3) { n, x, y in
    let (g, m, v, theta) = (x[0], x[1], x[2], x[3])
    let (mNew, vNew, delta) = (y[0], y[1], y[2])
    effectiveGradient(g, theta, maximize: o.maximize, l2: l2, into: delta, n)   // g (delta holds it for now)
    movingAverage(m, delta, beta: beta1, into: mNew, n)                         // m ← β₁m + (1 − β₁)g
    movingAverageOfSquares(v, delta, beta: beta2, into: vNew, n)                // v ← β₂v + (1 − β₂)g²
    var vUsed = UnsafePointer(vNew)
    if amsgrad {                                                                 // v_max ← max(v_max, v)
      let (vMax, vMaxNew) = (x[4], y[3])
      for i in 0..<n { vMaxNew[i] = Swift.max(vMax[i], vNew[i]) }
      vUsed = UnsafePointer(vMaxNew)
    }
    squareRoots(vUsed, into: delta, n)                                           // √v
    for i in 0..<n { delta[i] = -stepSize * mNew[i] / (delta[i] / sqrtBiasCorrection2 + eps) }
    decoupledDecay(theta, shrink: shrink, into: delta, n)
  }
  state.buffers["exp_avg"] = out[0]
  state.buffers["exp_avg_sq"] = out[1]
  if amsgrad { state.buffers["max_exp_avg_sq"] = out[3] }
  p += out[2]
}
