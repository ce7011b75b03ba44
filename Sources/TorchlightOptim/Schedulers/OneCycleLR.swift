import Foundation

/// The 1cycle policy (Smith & Topin, `OneCycleLR`): the rate rises from maxLR/divFactor to
/// maxLR over the first `pctStart` of training, then anneals to maxLR/(divFactor·finalDivFactor);
/// momentum (or Adam's β₁) moves the opposite way between `maxMomentum` and `baseMomentum`.
/// Step it after every batch, `totalSteps` times in all.
///
/// Each phase goes from a value a to a value b as its own fraction p of steps runs from 0 to 1:
///
///     cos:    b + (a − b) · (1 + cos(π p)) / 2
///     linear: a + (b − a) · p
///
/// Phases end at steps pctStart·T − 1 and T − 1; with `threePhase`, at pctStart·T − 1,
/// 2·pctStart·T − 2 and T − 1 (up, back down to the initial rate, then down to the minimum).
public final class OneCycleLR: LRScheduler {
  public enum Anneal: Sendable { case cos, linear }
  struct Phase { let end: Double; let lr: (KeyPath<OneCycleLR, [Double]>, KeyPath<OneCycleLR, [Double]>); let momentum: (Double, Double) }

  public let totalSteps: Int
  public let maxLRs: [Double]
  public let initialLRs: [Double]
  public let minLRs: [Double]
  public let anneal: Anneal
  /// "momentum" or "beta1", or nil when momentum is not cycled.
  public let momentumName: String?
  public let baseMomentum: Double
  public let maxMomentum: Double
  let phases: [Phase]

  public convenience init(optimizer: any Optimizer, maxLR: Double, totalSteps: Int, pctStart: Double = 0.3,
                          annealStrategy: Anneal = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
                          maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                          threePhase: Bool = false) {
    self.init(optimizer: optimizer, maxLRs: Array(repeating: maxLR, count: optimizer.groupCount), totalSteps: totalSteps,
              pctStart: pctStart, annealStrategy: annealStrategy, cycleMomentum: cycleMomentum,
              baseMomentum: baseMomentum, maxMomentum: maxMomentum, divFactor: divFactor,
              finalDivFactor: finalDivFactor, threePhase: threePhase)
  }

  /// `totalSteps` is epochs × batches per epoch; `maxLRs` gives one peak rate per group.
  public init(optimizer: any Optimizer, maxLRs: [Double], totalSteps: Int, pctStart: Double = 0.3,
              annealStrategy: Anneal = .cos, cycleMomentum: Bool = true, baseMomentum: Double = 0.85,
              maxMomentum: Double = 0.95, divFactor: Double = 25, finalDivFactor: Double = 1e4,
              threePhase: Bool = false) {
    precondition(totalSteps > 0, "OneCycleLR: totalSteps must be positive, got \(totalSteps)")
    precondition(pctStart > 0 && pctStart < 1, "OneCycleLR: pctStart must be in (0, 1), got \(pctStart)")
    precondition(maxLRs.count == optimizer.groupCount,
                 "OneCycleLR: got \(maxLRs.count) maximum rates for \(optimizer.groupCount) parameter groups")
    self.totalSteps = totalSteps
    self.maxLRs = maxLRs
    initialLRs = maxLRs.map { $0 / divFactor }
    minLRs = initialLRs.map { $0 / finalDivFactor }
    anneal = annealStrategy
    (self.baseMomentum, self.maxMomentum) = (baseMomentum, maxMomentum)
    let t = Double(totalSteps)
    phases = threePhase
      ? [Phase(end: pctStart * t - 1, lr: (\.initialLRs, \.maxLRs), momentum: (maxMomentum, baseMomentum)),
         Phase(end: 2 * pctStart * t - 2, lr: (\.maxLRs, \.initialLRs), momentum: (baseMomentum, maxMomentum)),
         Phase(end: t - 1, lr: (\.initialLRs, \.minLRs), momentum: (maxMomentum, maxMomentum))]
      : [Phase(end: pctStart * t - 1, lr: (\.initialLRs, \.maxLRs), momentum: (maxMomentum, baseMomentum)),
         Phase(end: t - 1, lr: (\.maxLRs, \.minLRs), momentum: (baseMomentum, maxMomentum))]
    if cycleMomentum {
      if optimizer.hyperparameter("beta1", group: 0) != nil {
        momentumName = "beta1"
      } else if optimizer.hyperparameter("momentum", group: 0) != nil {
        momentumName = "momentum"
      } else {
        preconditionFailure("OneCycleLR: the optimizer has no momentum or beta1 to cycle; pass cycleMomentum: false")
      }
    } else {
      momentumName = nil
    }
    for g in 0..<optimizer.groupCount {
      optimizer.setHyperparameter("initial_lr", group: g, to: initialLRs[g])
      optimizer.setHyperparameter("max_lr", group: g, to: maxLRs[g])
      optimizer.setHyperparameter("min_lr", group: g, to: minLRs[g])
    }
    super.init(optimizer: optimizer)
  }

  func interpolate(_ a: Double, _ b: Double, _ pct: Double) -> Double {
    switch anneal {
    case .cos: b + (a - b) / 2 * (Foundation.cos(Double.pi * pct) + 1)
    case .linear: (b - a) * pct + a
    }
  }

  /// The phase that step t falls in and the fraction of it done.
  func position(at epoch: Int) -> (phase: Phase, pct: Double) {
    precondition(epoch <= totalSteps,
                 "OneCycleLR: tried to step \(epoch) times, but totalSteps is \(totalSteps); step once per batch and set totalSteps = epochs × batches")
    var start = 0.0
    for (i, phase) in phases.enumerated() {
      if Double(epoch) <= phase.end || i == phases.count - 1 {
        return (phase, (Double(epoch) - start) / (phase.end - start))
      }
      start = phase.end
    }
    fatalError("unreachable")
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let (phase, pct) = position(at: epoch)
    let (from, to) = (self[keyPath: phase.lr.0], self[keyPath: phase.lr.1])
    return zip(from, to).map { interpolate($0, $1, pct) }
  }

  /// The momentum (or β₁) at step t.
  public func momentum(at epoch: Int) -> Double {
    let (phase, pct) = position(at: epoch)
    return interpolate(phase.momentum.0, phase.momentum.1, pct)
  }

  public override func update(to epoch: Int) {
    super.update(to: epoch)
    if let name = momentumName {
      let m = momentum(at: epoch)
      for g in 0..<optimizer.groupCount { optimizer.setHyperparameter(name, group: g, to: m) }
    }
  }
}
