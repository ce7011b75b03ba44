import Foundation
import Torchlight

/// An exponential moving average of a model's weights (Polyak averaging; timm's `ModelEmaV3`),
/// kept beside the model: after each optimizer step, θ̄ ← d·θ̄ + (1 − d)·θ. Evaluating, or sampling
/// from a diffusion model or a GAN, with θ̄ is smoother than with the last iterate θ: the average
/// forgets the noise of the last few minibatches.
///
/// Early on θ̄ would be dominated by the random initialisation, so the decay d_n used by the
/// n-th update (n = 0, 1, …) warms up towards `decay` (see `Warmup`).
///
/// ```
/// let ema = ExponentialMovingAverage(namedTensors: model.namedTensors(), decay: 0.999)
/// for batch in loader { …; optimizer.step(); ema.update() }
/// let accuracy = ema.withAveragedParameters { evaluate(model, test) }
/// ```
public final class ExponentialMovingAverage {
  /// How the decay grows during the first updates.
  public enum Warmup: Sendable, Equatable {
    /// d_n = min(d, (1 + n)/(10 + n)), TensorFlow's `num_updates` rule: 0.1 at first, 0.5 after 8 updates.
    case tensorflow
    /// timm's rule: d_0 = 0 (the first update copies the model), then d_n = min(d, 1 − (1 + n/γ)^(−p)).
    /// With γ = 1 and p = 2/3 (timm's defaults) d reaches 0.99 after 1 000 updates and 0.999
    /// after 31 600, so a short run averages over a window that grows with it.
    case timm(gamma: Double = 1, power: Double = 2.0 / 3)
    /// d_n = d from the first update.
    case none
  }

  /// The averaged tensors, in order, with the values the model trains.
  public let parameters: [Tensor]
  /// Their names (the model's state-dict names, or "0", "1", … for a plain list), used by `stateDict()`.
  public let names: [String]
  /// The averaged copies θ̄, one per parameter, never part of a graph.
  public let shadows: [Tensor]
  public let decay: Double
  public let warmup: Warmup
  /// Updates so far (n).
  public private(set) var updates = 0

  /// An average of `parameters`, warmed up as TensorFlow does unless `warmup` says otherwise.
  public convenience init(parameters: [Tensor], decay: Double = 0.999, warmup: Warmup = .tensorflow) {
    self.init(named: parameters.indices.map { ("\($0)", parameters[$0]) }, decay: decay, warmup: warmup)
  }

  /// An average of a model's parameters and floating-point buffers (`module.namedTensors()`):
  /// as timm does, batch-norm running statistics are averaged too, so the averaged model is
  /// consistent; integer buffers (a step counter) are left out. Warmed up as timm does.
  public convenience init(namedTensors: [(String, Tensor)], decay: Double = 0.999, warmup: Warmup = .timm()) {
    self.init(named: namedTensors.filter { $0.1.dtype.isFloatingPoint }, decay: decay, warmup: warmup)
  }

  init(named: [(String, Tensor)], decay: Double, warmup: Warmup) {
    precondition(decay >= 0 && decay < 1, "ExponentialMovingAverage: decay must lie in [0, 1), got \(decay)")
    self.parameters = named.map(\.1)
    self.names = named.map(\.0)
    self.decay = decay
    self.warmup = warmup
    shadows = parameters.map { $0.detached().contiguous().to($0.dtype, copy: true) }
  }

  /// The decay d_n used by the next update.
  public var currentDecay: Double {
    let n = Double(updates)
    switch warmup {
    case .tensorflow: return min(decay, (1 + n) / (10 + n))
    case .timm(let gamma, let power): return updates == 0 ? 0 : min(decay, 1 - Foundation.pow(1 + n / gamma, -power))
    case .none: return decay
    }
  }

  /// θ̄ ← d·θ̄ + (1 − d)·θ for every parameter.
  public func update() {
    let d = currentDecay
    withNoGrad {
      for (shadow, p) in zip(shadows, parameters) {
        shadow *= d
        shadow.addInPlace(p.detached(), alpha: 1 - d)
      }
    }
    updates += 1
  }

  /// Runs `body` with the averaged values in the parameters, then puts the trained values back.
  public func withAveragedParameters<R>(_ body: () throws -> R) rethrows -> R {
    let saved = withNoGrad { parameters.map { $0.detached().to($0.dtype, copy: true) } }
    withNoGrad { for (p, s) in zip(parameters, shadows) { p.copy(from: s) } }
    defer { withNoGrad { for (p, s) in zip(parameters, saved) { p.copy(from: s) } } }
    return try body()
  }

  /// Writes the averages into the parameters for good (before saving a model for sampling).
  public func copyToParameters() {
    withNoGrad { for (p, s) in zip(parameters, shadows) { p.copy(from: s) } }
  }

  /// The state as named tensors: `shadow.<name>` for each average (copies) and `updates`, n.
  public func stateDict() -> [(String, Tensor)] {
    zip(names, shadows).map { ("shadow.\($0)", $1.clone()) } + [("updates", count(updates))]
  }

  /// Restores `stateDict()`: the averages and the update count (which sets the warm-up's place).
  /// Every entry is checked first; on error nothing changes.
  public func load(stateDict: [(String, Tensor)]) throws {
    let reader = try StateReader(stateDict, owner: "ExponentialMovingAverage")
    let sources = try zip(names, shadows).map { name, shadow in
      let t = try reader.tensor("shadow.\(name)")
      guard t.shape == shadow.shape, t.dtype == shadow.dtype else {
        throw OptimizerStateError("ExponentialMovingAverage: 'shadow.\(name)' is \(t.dtype) \(t.shape), the average holds \(shadow.dtype) \(shadow.shape)")
      }
      return t
    }
    let n = try reader.int("updates")
    withNoGrad { for (shadow, t) in zip(shadows, sources) { shadow.copy(from: t) } }
    updates = n
  }
}
