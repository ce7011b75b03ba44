import Foundation

/// Adamax: Adam with the infinity norm in place of the root mean square (`torch.optim.Adamax`,
/// same update and defaults). At step t:
///
///     g ← −g                       if maximize
///     g ← g + λθ                   weight decay
///     m ← β₁m + (1 − β₁)g
///     u ← max(β₂u, |g| + ε)
///     θ ← θ − η/(1 − β₁ᵗ) · m / u
public final class Adamax: GroupedOptimizer {
  public typealias Options = Adam.Options

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
              weightDecay: Double = 0, maximize: Bool = false) {
    defaults = Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, maximize: maximize)
    defaults.check("Adamax")
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("Adamax")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "Adamax")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let (beta1, beta2, eps) = (T(o.betas.0), T(o.betas.1), T(o.eps))
    let clr = T(o.lr / (1 - Foundation.pow(o.betas.0, Double(state.step))))
    let inputs = [grad, p, state.buffer("exp_avg", like: p), state.buffer("exp_inf", like: p)]
    let out = fused(T.self, inputs: inputs, outputs: 3) { n, x, y in
      let (grad, theta, m, u) = (x[0], x[1], x[2], x[3])
      let (delta, mNew, uNew) = (y[0], y[1], y[2])
      effectiveGradient(grad, theta, maximize: o.maximize, l2: T(o.weightDecay), into: delta, n)   // g
      movingAverage(m, delta, beta: beta1, into: mNew, n)                           // m ← β₁m + (1 − β₁)g
      for i in 0..<n { uNew[i] = Swift.max(beta2 * u[i], delta[i].magnitude + eps) } // u ← max(β₂u, |g| + ε)
      for i in 0..<n { delta[i] = -clr * mNew[i] / uNew[i] }
    }
    state.buffers["exp_avg"] = out[1]
    state.buffers["exp_inf"] = out[2]
    p += out[0]
  }
}
