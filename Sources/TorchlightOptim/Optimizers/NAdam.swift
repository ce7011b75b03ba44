import Foundation

/// NAdam: Adam with Nesterov momentum, whose momentum coefficient μₜ warms up with the step
/// (`torch.optim.NAdam`, same update and defaults). At step t, with momentum decay ψ:
///
///     g ← −g                       if maximize
///     θ ← θ(1 − ηλ)  if decoupled weight decay,  else g ← g + λθ
///     μₜ ← β₁(1 − ½·0.96^(tψ)),  μₜ₊₁ ← β₁(1 − ½·0.96^((t+1)ψ))
///     m ← β₁m + (1 − β₁)g
///     v ← β₂v + (1 − β₂)g²
///     m̂ ← μₜ₊₁m / (1 − Πᵢ₌₁ᵗ⁺¹ μᵢ) + (1 − μₜ)g / (1 − Πᵢ₌₁ᵗ μᵢ)
///     θ ← θ − η m̂ / (√(v/(1 − β₂ᵗ)) + ε)
///
/// The running product Πμᵢ is kept per parameter (`mu_product`, a 0-d float64 tensor).
public final class NAdam: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var betas: (Double, Double)
    public var eps: Double
    public var weightDecay: Double
    public var momentumDecay: Double
    public var decoupledWeightDecay: Bool
    public var maximize: Bool

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("beta1", \.betas.0), .number("beta2", \.betas.1), .number("eps", \.eps),
       .number("weight_decay", \.weightDecay), .number("momentum_decay", \.momentumDecay),
       .flag("decoupled_weight_decay", \.decoupledWeightDecay), .flag("maximize", \.maximize)]
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 2e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
              weightDecay: Double = 0, momentumDecay: Double = 4e-3, decoupledWeightDecay: Bool = false,
              maximize: Bool = false) {
    precondition(lr >= 0 && eps >= 0 && weightDecay >= 0 && momentumDecay >= 0,
                 "NAdam: lr, eps, weightDecay and momentumDecay must be non-negative")
    precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "NAdam: betas must be in [0, 1), got \(betas)")
    defaults = Options(lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, momentumDecay: momentumDecay,
                       decoupledWeightDecay: decoupledWeightDecay, maximize: maximize)
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("NAdam")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "NAdam")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let t = Double(state.step)
    let mu = o.betas.0 * (1 - 0.5 * Foundation.pow(0.96, t * o.momentumDecay))
    let muNext = o.betas.0 * (1 - 0.5 * Foundation.pow(0.96, (t + 1) * o.momentumDecay))
    let product = state.buffers["mu_product"] ?? Tensor.full([], 1, dtype: .float64)
    let muProduct = product.item() * mu                                   // Πᵢ₌₁ᵗ μᵢ
    product.fill(muProduct)
    state.buffers["mu_product"] = product

    let (beta1, beta2, eps) = (T(o.betas.0), T(o.betas.1), T(o.eps))
    let biasCorrection2 = T(1 - Foundation.pow(o.betas.1, t))
    let gradientStep = T(-o.lr * (1 - mu) / (1 - muProduct))
    let momentumStep = T(-o.lr * muNext / (1 - muProduct * muNext))
    let (l2, shrink): (T, T) = o.decoupledWeightDecay ? (0, T(o.lr * o.weightDecay)) : (T(o.weightDecay), 0)
    let inputs = [grad, p, state.buffer("exp_avg", like: p), state.buffer("exp_avg_sq", like: p)]
    let out = fused(T.self, inputs: inputs, outputs: 4) { n, x, y in
      let (grad, theta, m, v) = (x[0], x[1], x[2], x[3])
      let (delta, mNew, vNew, g) = (y[0], y[1], y[2], y[3])
      effectiveGradient(grad, theta, maximize: o.maximize, l2: l2, into: g, n)
      movingAverage(m, g, beta: beta1, into: mNew, n)                           // m ← β₁m + (1 − β₁)g
      movingAverageOfSquares(v, g, beta: beta2, into: vNew, n)                  // v ← β₂v + (1 − β₂)g²
      for i in 0..<n { delta[i] = vNew[i] / biasCorrection2 }
      squareRoots(delta, into: delta, n)                                        // √(v / (1 − β₂ᵗ))
      for i in 0..<n {
        let denom = delta[i] + eps
        delta[i] = gradientStep * g[i] / denom + momentumStep * mNew[i] / denom
      }
      decoupledDecay(theta, shrink: shrink, into: delta, n)
    }
    state.buffers["exp_avg"] = out[1]
    state.buffers["exp_avg_sq"] = out[2]
    p += out[0]
  }
}
