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
    let previous = state.buffers["momentum_buffer"]
    guard p.isContiguous, previous?.isContiguous ?? true else { return updateByCopies(T.self, p, grad, state, o) }
    let g = grad.dtype == T.dtype ? grad : grad.to(T.dtype)
    // A fresh momentum buffer each step, as PyTorch's state dict would see it; θ changes in place.
    let buffer = o.momentum != 0 ? Tensor(zeros: p.shape, dtype: T.dtype) : nil
    g.withUnsafeElements(T.self) { g in
      p.withUnsafeMutableElements(T.self) { theta in
        if let buffer {
          buffer.withUnsafeMutableElements(T.self) { b in
            if let previous {
              previous.withUnsafeElements(T.self) { old in
                stepInPlace(theta.baseAddress!, g.baseAddress!, b.baseAddress!, old.baseAddress!, o, g.count)
              }
            } else {
              stepInPlace(theta.baseAddress!, g.baseAddress!, b.baseAddress!, nil, o, g.count)
            }
          }
        } else {
          stepInPlace(theta.baseAddress!, g.baseAddress!, nil, nil, o, g.count)
        }
      }
    }
    if let buffer { state.buffers["momentum_buffer"] = buffer }
  }

  /// One pass over a contiguous parameter: the update rule above, element by element, written
  /// straight into θ (and into the new momentum buffer `b`, from the old one). Each element gets
  /// exactly the operations `updateByCopies` performs, so both give the same bits.
  static func stepInPlace<T: FloatElement>(_ theta: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                           _ b: UnsafeMutablePointer<T>?, _ old: UnsafePointer<T>?, _ o: Options, _ n: Int) {
    let (mu, dampening, lr, l2) = (T(o.momentum), T(o.dampening), T(o.lr), T(o.weightDecay))
    let sign: T = o.maximize ? -1 : 1
    guard let b else {
      if l2 == 0 && !o.maximize {
        for i in 0..<n { theta[i] += -lr * g[i] }                               // θ ← θ − ηg
      } else {
        for i in 0..<n { theta[i] += -lr * (sign * g[i] + l2 * theta[i]) }     // θ ← θ − η(±g + λθ)
      }
      return
    }
    for i in 0..<n {
      let gi = l2 == 0 ? sign * g[i] : sign * g[i] + l2 * theta[i]             // g
      b[i] = old.map { mu * $0[i] + (1 - dampening) * gi } ?? gi                // b ← μb + (1 − τ)g, or g
      theta[i] += o.nesterov ? -lr * (gi + mu * b[i]) : -lr * b[i]              // θ ← θ − η(g + μb) or θ − ηb
    }
  }

  /// The same update through contiguous copies (`fused`), for a parameter that is a strided view.
  static func updateByCopies<T: FloatElement>(_: T.Type, _ p: Tensor, _ grad: Tensor, _ state: ParameterState, _ o: Options) {
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
