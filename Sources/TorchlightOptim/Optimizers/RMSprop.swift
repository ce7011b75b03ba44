/// RMSProp: divide the gradient by a running root-mean-square of recent gradients
/// (`torch.optim.RMSprop`, same update and defaults). At each step:
///
///     g ← −g                       if maximize
///     g ← g + λθ                   weight decay
///     v ← αv + (1 − α)g²
///     v̄ ← v − ḡ², ḡ ← αḡ + (1 − α)g    if centered (an estimate of the variance), else v̄ ← v
///     b ← μb + g / (√v̄ + ε);  θ ← θ − ηb     with momentum μ > 0
///     θ ← θ − η g / (√v̄ + ε)                 without
public final class RMSprop: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var alpha: Double
    public var eps: Double
    public var weightDecay: Double
    public var momentum: Double
    public var centered: Bool
    public var maximize: Bool

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("alpha", \.alpha), .number("eps", \.eps), .number("weight_decay", \.weightDecay),
       .number("momentum", \.momentum), .flag("centered", \.centered), .flag("maximize", \.maximize)]
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
              weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
    precondition(lr >= 0 && eps >= 0 && weightDecay >= 0 && momentum >= 0 && alpha >= 0,
                 "RMSprop: lr, alpha, eps, weightDecay and momentum must be non-negative")
    defaults = Options(lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay, momentum: momentum,
                       centered: centered, maximize: maximize)
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("RMSprop")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "RMSprop")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let (alpha, eps, lr, mu) = (T(o.alpha), T(o.eps), T(o.lr), T(o.momentum))
    let (centered, useMomentum) = (o.centered, o.momentum > 0)
    var inputs = [grad, p, state.buffer("square_avg", like: p)]
    if centered { inputs.append(state.buffer("grad_avg", like: p)) }
    if useMomentum { inputs.append(state.buffer("momentum_buffer", like: p)) }
    // Outputs: step, g, new v, √v̄ (scratch), then new ḡ and new b when used.
    let out = fused(T.self, inputs: inputs, outputs: 4 + (centered ? 1 : 0) + (useMomentum ? 1 : 0)) { n, x, y in
      let (grad, theta, v) = (x[0], x[1], x[2])
      let (delta, g, vNew, root) = (y[0], y[1], y[2], y[3])
      effectiveGradient(grad, theta, maximize: o.maximize, l2: T(o.weightDecay), into: g, n)
      movingAverageOfSquares(v, g, beta: alpha, into: vNew, n)                       // v ← αv + (1 − α)g²
      if centered {
        let (gAvg, gAvgNew) = (x[3], y[4])
        movingAverage(gAvg, g, beta: alpha, into: gAvgNew, n)                        // ḡ ← αḡ + (1 − α)g
        for i in 0..<n { root[i] = vNew[i] - gAvgNew[i] * gAvgNew[i] }               // v̄ = v − ḡ²
        squareRoots(root, into: root, n)
      } else {
        squareRoots(vNew, into: root, n)
      }
      if useMomentum {
        let (b, bNew) = (x[centered ? 4 : 3], y[centered ? 5 : 4])
        for i in 0..<n { bNew[i] = mu * b[i] + g[i] / (root[i] + eps) }             // b ← μb + g/(√v̄ + ε)
        for i in 0..<n { delta[i] = -lr * bNew[i] }
      } else {
        for i in 0..<n { delta[i] = -lr * g[i] / (root[i] + eps) }
      }
    }
    state.buffers["square_avg"] = out[2]
    if centered { state.buffers["grad_avg"] = out[4] }
    if useMomentum { state.buffers["momentum_buffer"] = out[centered ? 5 : 4] }
    p += out[0]
  }
}
