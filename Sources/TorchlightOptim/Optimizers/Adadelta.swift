/// Adadelta: a step whose size is the ratio of two running RMS values, of past updates and of
/// gradients, so it needs (almost) no learning rate (`torch.optim.Adadelta`, same update and
/// defaults). At each step:
///
///     g ← −g                       if maximize
///     g ← g + λθ                   weight decay
///     v ← ρv + (1 − ρ)g²
///     Δ ← √(u + ε) / √(v + ε) · g
///     u ← ρu + (1 − ρ)Δ²
///     θ ← θ − ηΔ
public final class Adadelta: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var rho: Double
    public var eps: Double
    public var weightDecay: Double
    public var maximize: Bool

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("rho", \.rho), .number("eps", \.eps), .number("weight_decay", \.weightDecay),
       .flag("maximize", \.maximize)]
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 1.0, rho: Double = 0.9, eps: Double = 1e-6,
              weightDecay: Double = 0, maximize: Bool = false) {
    precondition(lr >= 0 && eps >= 0 && weightDecay >= 0 && (0...1).contains(rho),
                 "Adadelta: lr, eps and weightDecay must be non-negative and rho in [0, 1]")
    defaults = Options(lr: lr, rho: rho, eps: eps, weightDecay: weightDecay, maximize: maximize)
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("Adadelta")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "Adadelta")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let (rho, eps, lr) = (T(o.rho), T(o.eps), T(o.lr))
    let inputs = [grad, p, state.buffer("square_avg", like: p), state.buffer("acc_delta", like: p)]
    let out = fused(T.self, inputs: inputs, outputs: 4) { n, x, y in
      let (grad, theta, v, u) = (x[0], x[1], x[2], x[3])
      let (delta, vNew, uNew, root) = (y[0], y[1], y[2], y[3])
      effectiveGradient(grad, theta, maximize: o.maximize, l2: T(o.weightDecay), into: delta, n)   // g
      movingAverageOfSquares(v, delta, beta: rho, into: vNew, n)                    // v ← ρv + (1 − ρ)g²
      for i in 0..<n { root[i] = vNew[i] + eps }
      squareRoots(root, into: root, n)                                              // √(v + ε)
      for i in 0..<n { uNew[i] = u[i] + eps }
      squareRoots(uNew, into: uNew, n)                                              // √(u + ε)
      for i in 0..<n { delta[i] = uNew[i] / root[i] * delta[i] }                    // Δ
      movingAverageOfSquares(u, delta, beta: rho, into: uNew, n)                    // u ← ρu + (1 − ρ)Δ²
      for i in 0..<n { delta[i] = -lr * delta[i] }
    }
    state.buffers["square_avg"] = out[1]
    state.buffers["acc_delta"] = out[2]
    p += out[0]
  }
}
