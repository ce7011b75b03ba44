/// AdaGrad: each coordinate's step shrinks with the sum of its squared gradients
/// (`torch.optim.Adagrad`, same update and defaults). At step t:
///
///     g ← −g                       if maximize
///     g ← g + λθ                   weight decay
///     η̃ ← η / (1 + (t − 1)·δ)      learning-rate decay δ
///     s ← s + g²                   s starts at the initial accumulator value
///     θ ← θ − η̃ g / (√s + ε)
public final class Adagrad: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var lrDecay: Double
    public var weightDecay: Double
    public var initialAccumulatorValue: Double
    public var eps: Double
    public var maximize: Bool

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("lr_decay", \.lrDecay), .number("weight_decay", \.weightDecay),
       .number("initial_accumulator_value", \.initialAccumulatorValue), .number("eps", \.eps),
       .flag("maximize", \.maximize)]
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  public init(parameters: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
              initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
    precondition(lr >= 0 && lrDecay >= 0 && weightDecay >= 0 && initialAccumulatorValue >= 0 && eps >= 0,
                 "Adagrad: lr, lrDecay, weightDecay, initialAccumulatorValue and eps must be non-negative")
    defaults = Options(lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                       initialAccumulatorValue: initialAccumulatorValue, eps: eps, maximize: maximize)
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("Adagrad")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "Adagrad")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let clr = T(o.lr / (1 + Double(state.step - 1) * o.lrDecay))
    let eps = T(o.eps)
    let sum = state.buffer("sum", like: p, filledWith: o.initialAccumulatorValue)
    let out = fused(T.self, inputs: [grad, p, sum], outputs: 3) { n, x, y in
      let (g, theta, s) = (x[0], x[1], x[2])
      let (sNew, delta, root) = (y[0], y[1], y[2])
      effectiveGradient(g, theta, maximize: o.maximize, l2: T(o.weightDecay), into: delta, n)   // g
      for i in 0..<n { sNew[i] = s[i] + delta[i] * delta[i] }                       // s ← s + g²
      squareRoots(sNew, into: root, n)                                              // √s
      for i in 0..<n { delta[i] = -clr * delta[i] / (root[i] + eps) }               // −η̃ g / (√s + ε)
    }
    state.buffers["sum"] = out[0]
    p += out[1]
  }
}
