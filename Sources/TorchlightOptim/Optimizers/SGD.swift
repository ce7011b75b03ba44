/// Stochastic gradient descent with momentum, Nesterov momentum and weight decay
/// (`torch.optim.SGD`, same update and defaults). For each parameter θ with gradient g, at step t:
///
///     g ← −g                       if maximize
///     g ← g + λθ                   weight decay λ (an L2 penalty λ/2‖θ‖² added to the loss)
///     b ← g                        at the first step, momentum μ ≠ 0
///     b ← μb + (1 − τ)g            later steps, dampening τ
///     g ← g + μb  (Nesterov)   or  g ← b
///     θ ← θ − ηg
///
/// With μ = 0 this is plain minibatch SGD, θ ← θ − η(∇θ + λθ).
public final class SGD: GroupedOptimizer {
  public struct Options: OptimizerOptions {
    public var lr: Double
    public var momentum: Double
    public var dampening: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var maximize: Bool

    public static var hyperparameters: [Hyperparameter<Options>] {
      [.number("lr", \.lr), .number("momentum", \.momentum), .number("dampening", \.dampening),
       .number("weight_decay", \.weightDecay), .flag("nesterov", \.nesterov), .flag("maximize", \.maximize)]
    }
  }

  public let defaults: Options
  public var groups: [ParameterGroup<Options>]

  /// The learning rate η, momentum μ, dampening τ and weight decay λ are PyTorch's, with its
  /// defaults; Nesterov needs momentum and no dampening.
  public init(parameters: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
              weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
    precondition(lr >= 0 && lr.isFinite, "SGD: learning rate must be a finite non-negative number, got \(lr)")
    precondition(momentum >= 0, "SGD: momentum must be non-negative, got \(momentum)")
    precondition(weightDecay >= 0, "SGD: weight decay must be non-negative, got \(weightDecay)")
    precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires a momentum and zero dampening")
    defaults = Options(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay,
                       nesterov: nesterov, maximize: maximize)
    groups = [ParameterGroup(parameters: parameters, options: defaults)]
    checkDistinctParameters("SGD")
  }

  public func step() {
    forEachParameter { p, g, state, o in
      switch p.dtype {
      case .float32: Self.update(Float.self, p, g, state, o)
      case .float64: Self.update(Double.self, p, g, state, o)
      default: unsupportedDType(p, "SGD")
      }
    }
  }

  static func update<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
    let (mu, dampening, lr) = (T(o.momentum), T(o.dampening), T(o.lr))
    let previous = state.buffers["momentum_buffer"]
    var inputs = [grad, p]
    if let previous { inputs.append(previous) }
    let out = fused(T.self, inputs: inputs, outputs: o.momentum != 0 ? 2 : 1) { n, x, y in
      let (g, theta, delta) = (x[0], x[1], y[0])
      effectiveGradient(g, theta, maximize: o.maximize, l2: T(o.weightDecay), into: delta, n)   // g
      if o.momentum != 0 {
        let b = y[1]
        if previous != nil {
          let old = x[2]
          for i in 0..<n { b[i] = mu * old[i] + (1 - dampening) * delta[i] }     // b ← μb + (1 − τ)g
        } else {
          for i in 0..<n { b[i] = delta[i] }                                     // b ← g
        }
        if o.nesterov {
          for i in 0..<n { delta[i] = -lr * (delta[i] + mu * b[i]) }             // −η(g + μb)
        } else {
          for i in 0..<n { delta[i] = -lr * b[i] }                               // −ηb
        }
      } else {
        for i in 0..<n { delta[i] = -lr * delta[i] }                             // −ηg
      }
    }
    if o.momentum != 0 { state.buffers["momentum_buffer"] = out[1] }
    p += out[0]
  }
}
