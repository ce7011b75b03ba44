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
  let rule = AdamRule<T>(
    beta1: T(o.betas.0), beta2: T(o.betas.1), eps: T(o.eps),
    stepSize: T(o.lr / (1 - Foundation.pow(o.betas.0, t))),                    // η / (1 − β₁ᵗ)
    sqrtBiasCorrection2: T((1 - Foundation.pow(o.betas.1, t)).squareRoot()),   // √(1 − β₂ᵗ)
    l2: decoupled ? 0 : T(o.weightDecay),                                       // λ in the gradient (Adam)
    shrink: decoupled ? T(o.lr * o.weightDecay) : 0,                            // ηλ on θ (AdamW)
    maximize: o.maximize)

  var stateTensors = [state.buffer("exp_avg", like: p), state.buffer("exp_avg_sq", like: p)]
  if o.amsgrad { stateTensors.append(state.buffer("max_exp_avg_sq", like: p)) }
  let inPlace = ([p] + stateTensors).allSatisfy { $0.dtype == T.dtype && $0.isContiguous && $0.shape == p.shape }
  if inPlace {                   // the usual case: θ, m and v are updated where they are, as in PyTorch
    rule.apply(grad, theta: p, state: stateTensors)
    return
  }
  // State loaded in another dtype, or a strided parameter: the same loop on contiguous copies,
  // which then replace the state and are copied into the parameter.
  let copies = ([p] + stateTensors).map { $0.to(T.dtype).clone() }
  rule.apply(grad, theta: copies[0], state: Array(copies.dropFirst()))
  p.copy(from: copies[0])
  state.buffers["exp_avg"] = copies[1]
  state.buffers["exp_avg_sq"] = copies[2]
  if o.amsgrad { state.buffers["max_exp_avg_sq"] = copies[3] }
}

/// Adam's update rule with its constants for one step, run over plain numbers in place.
private struct AdamRule<T: FloatElement> {
  let beta1: T, beta2: T, eps: T, stepSize: T, sqrtBiasCorrection2: T, l2: T, shrink: T
  let maximize: Bool

  /// Updates θ, m, v (and v_max with amsgrad) from the gradient; all but the gradient must be
  /// contiguous tensors of element type `T`.
  func apply(_ grad: Tensor, theta: Tensor, state: [Tensor]) {
    let g = grad.dtype == T.dtype ? grad : grad.to(T.dtype)
    if g.count == 0 { return }
    g.withUnsafeElements(T.self) { g in
      theta.withUnsafeMutableElements(T.self) { theta in
        state[0].withUnsafeMutableElements(T.self) { m in
          state[1].withUnsafeMutableElements(T.self) { v in
            if state.count > 2 {
              state[2].withUnsafeMutableElements(T.self) { vMax in
                run(g.baseAddress!, m.baseAddress!, v.baseAddress!, vMax.baseAddress!, theta.baseAddress!, g.count)
              }
            } else {
              run(g.baseAddress!, m.baseAddress!, v.baseAddress!, nil, theta.baseAddress!, g.count)
            }
          }
        }
      }
    }
  }

  /// The rule a chunk at a time, so that the step Δθ and √v of a chunk stay in the L1 cache;
  /// each line is one loop the compiler vectorises.
  private func run(_ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                   _ vMax: UnsafeMutablePointer<T>?, _ theta: UnsafeMutablePointer<T>, _ count: Int) {
    let chunk = 1024
    withUnsafeTemporaryAllocation(of: T.self, capacity: chunk) { scratch in
      let delta = scratch.baseAddress!
      for start in stride(from: 0, to: count, by: chunk) {
        let n = Swift.min(chunk, count - start)
        let (g, m, v, theta) = (g + start, m + start, v + start, theta + start)
        effectiveGradient(g, theta, maximize: maximize, l2: l2, into: delta, n)     // g (delta holds it for now)
        movingAverage(m, delta, beta: beta1, into: m, n)                           // m ← β₁m + (1 − β₁)g
        movingAverageOfSquares(v, delta, beta: beta2, into: v, n)                  // v ← β₂v + (1 − β₂)g²
        var vUsed = UnsafePointer(v)
        if let vMax = vMax.map({ $0 + start }) {                                    // v_max ← max(v_max, v)
          for i in 0..<n { vMax[i] = Swift.max(vMax[i], v[i]) }
          vUsed = UnsafePointer(vMax)
        }
        squareRoots(vUsed, into: delta, n)                                          // √v
        for i in 0..<n { delta[i] = -stepSize * m[i] / (delta[i] / sqrtBiasCorrection2 + eps) }
        decoupledDecay(theta, shrink: shrink, into: delta, n)
        for i in 0..<n { theta[i] += delta[i] }                                     // θ ← θ + Δθ
      }
    }
  }
}
