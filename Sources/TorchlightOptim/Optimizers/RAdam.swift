import Foundation

/// RAdam: Adam whose adaptive step is switched on only once the variance of √v can be
/// estimated, and then scaled by a rectification term r (`torch.optim.RAdam`, same update and
/// defaults). At step t, with ρ∞ = 2/(1 − β₂) − 1:
///
///     g ← −g                       if maximize
///     θ ← θ(1 − ηλ)  if decoupled weight decay,  else g ← g + λθ
///     m ← β₁m + (1 − β₁)g
///     v ← β₂v + (1 − β₂)g²
///     m̂ ← m / (1 − β₁ᵗ)
///     ρₜ ← ρ∞ − 2tβ₂ᵗ / (1 − β₂ᵗ)
///     if ρₜ > 5:  l ← √(1 − β₂ᵗ) / (√v + ε)
///                 r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
///                 θ ← θ − η m̂ r l
///     else:       θ ← θ − η m̂          (momentum SGD for the first few steps)
public final class RAdam: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var betas: (Double, Double)
    public var eps: Double
    public var weightDecay: Double
    public var decoupledWeightDecay: Bool
    public var maximize: Bool

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("beta1", \.betas.0), .number("beta2", \.betas.1), .number("eps", \.eps),
       .number("weight_decay", \.weightDecay), .flag("decoupled_weight_decay", \.decoupledWeightDecay),
       .flag("maximize", \.maximize)]
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
              weightDecay: Double = 0, decoupledWeightDecay: Bool = false, maximize: Bool = false) {
    precondition(lr >= 0 && eps >= 0 && weightDecay >= 0, "RAdam: lr, eps and weightDecay must be non-negative")
    precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "RAdam: betas must be in [0, 1), got \(betas)")
    defaults = Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                       decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("RAdam")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "RAdam")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let (beta1, beta2, eps) = (T(o.betas.0), T(o.betas.1), T(o.eps))
    let t = Double(state.step)
    let biasCorrection1 = 1 - Foundation.pow(o.betas.0, t)
    let biasCorrection2 = 1 - Foundation.pow(o.betas.1, t)
    let rhoInf = 2 / (1 - o.betas.1) - 1
    let rhoT = rhoInf - 2 * t * Foundation.pow(o.betas.1, t) / biasCorrection2
    let r = rhoT > 5 ? ((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)).squareRoot() : 1
    let stepSize = T(-o.lr / biasCorrection1 * r)
    let sqrtBiasCorrection2 = T(biasCorrection2.squareRoot())
    let (l2, shrink): (T, T) = o.decoupledWeightDecay ? (0, T(o.lr * o.weightDecay)) : (T(o.weightDecay), 0)
    let inputs = [grad, p, state.buffer("exp_avg", like: p), state.buffer("exp_avg_sq", like: p)]
    let out = fused(T.self, inputs: inputs, outputs: 3) { n, x, y in
      let (grad, theta, m, v) = (x[0], x[1], x[2], x[3])
      let (delta, mNew, vNew) = (y[0], y[1], y[2])
      effectiveGradient(grad, theta, maximize: o.maximize, l2: l2, into: delta, n)   // g
      movingAverage(m, delta, beta: beta1, into: mNew, n)                       // m ← β₁m + (1 − β₁)g
      movingAverageOfSquares(v, delta, beta: beta2, into: vNew, n)              // v ← β₂v + (1 − β₂)g²
      if rhoT > 5 {
        squareRoots(vNew, into: delta, n)                                       // l = √(1 − β₂ᵗ) / (√v + ε)
        for i in 0..<n { delta[i] = stepSize * mNew[i] * (sqrtBiasCorrection2 / (delta[i] + eps)) }
      } else {
        for i in 0..<n { delta[i] = stepSize * mNew[i] }
      }
      decoupledDecay(theta, shrink: shrink, into: delta, n)
    }
    state.buffers["exp_avg"] = out[1]
    state.buffers["exp_avg_sq"] = out[2]
    p += out[0]
  }
}
