import Torchlight

/// An exponential moving average of parameters (Polyak averaging), kept beside the model:
/// after each optimizer step, θ̄ ← d·θ̄ + (1 − d)·θ. Diffusion models and GANs sample with θ̄,
/// which is smoother than the last iterate. The decay warms up as min(d, (1 + n)/(10 + n)) after n
/// updates, so early averages are not dominated by the random initialisation.
public final class ExponentialMovingAverage {
  public let parameters: [Tensor]
  /// The averaged copies θ̄, one per parameter, never part of a graph.
  public let shadows: [Tensor]
  public let decay: Double
  public private(set) var updates = 0

  public init(parameters: [Tensor], decay: Double = 0.999) {
    precondition(decay >= 0 && decay < 1, "ExponentialMovingAverage: decay must lie in [0, 1), got \(decay)")
    self.parameters = parameters
    self.decay = decay
    shadows = parameters.map { $0.detached().contiguous().to($0.dtype, copy: true) }
  }

  /// The decay used by the next update.
  public var currentDecay: Double { min(decay, Double(1 + updates) / Double(10 + updates)) }

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
}
