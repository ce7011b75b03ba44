/// Runs schedules one after another (`SequentialLR`): `schedulers[0]` until the first
/// milestone, then `schedulers[1]` started afresh at its own step 0, and so on. The usual use
/// is a warm-up followed by the real schedule:
///
///     let warmup = LinearLR(optimizer: opt, startFactor: 0.1, totalIters: 5)
///     let cosine = CosineAnnealingLR(optimizer: opt, tMax: 25)
///     let schedule = SequentialLR(optimizer: opt, schedulers: [warmup, cosine], milestones: [5])
///
/// lr(t) = schedulerₖ.lr(t − milestoneₖ₋₁) where k is the number of milestones ≤ t.
public final class SequentialLR: LRScheduler {
  public let schedulers: [LRScheduler]
  public let milestones: [Int]

  public init(optimizer: any Optimizer, schedulers: [LRScheduler], milestones: [Int]) {
    precondition(!schedulers.isEmpty && milestones.count == schedulers.count - 1,
                 "SequentialLR: expected one milestone fewer than schedulers, got \(milestones.count) for \(schedulers.count)")
    precondition(milestones == milestones.sorted(), "SequentialLR: milestones must be increasing, got \(milestones)")
    precondition(schedulers.allSatisfy { $0.optimizer === optimizer },
                 "SequentialLR: every scheduler must belong to the optimizer given")
    (self.schedulers, self.milestones) = (schedulers, milestones)
    super.init(optimizer: optimizer)
  }

  /// Which scheduler runs at step t, and its own step count.
  func position(at epoch: Int) -> (index: Int, localEpoch: Int) {
    let k = milestones.filter { $0 <= epoch }.count
    return (k, k == 0 ? epoch : epoch - milestones[k - 1])
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let (k, local) = position(at: epoch)
    return schedulers[k].learningRates(at: local)
  }

  public override func update(to epoch: Int) {
    lastEpoch = epoch
    let (k, local) = position(at: epoch)
    schedulers[k].update(to: local)
    lastLR = schedulers[k].lastLR
  }

  public override func stateDict() -> [(String, Tensor)] {
    super.stateDict() + schedulers.enumerated().flatMap { i, s in s.stateDict().prefixed("schedulers.\(i).") }
  }

  public override func load(stateDict: [(String, Tensor)]) throws {
    for (i, s) in schedulers.enumerated() { try s.load(stateDict: stateDict.entries(under: "schedulers.\(i).")) }
    try super.load(stateDict: stateDict.filter { !$0.0.hasPrefix("schedulers.") })
  }
}

/// Applies several schedules at once (`ChainedScheduler`), multiplying their factors:
///
///     lr(t) = lr₀ · Πₖ (lrₖ(t) / lr₀)
///
/// For example a warm-up (`LinearLR`) times a decay (`ExponentialLR`). For multiplicative
/// schedules this is what PyTorch's chained recursive updates compute.
public final class ChainedScheduler: LRScheduler {
  public let schedulers: [LRScheduler]

  public init(schedulers: [LRScheduler]) {
    precondition(!schedulers.isEmpty, "ChainedScheduler: give at least one scheduler")
    let optimizer = schedulers[0].optimizer
    precondition(schedulers.allSatisfy { $0.optimizer === optimizer },
                 "ChainedScheduler: every scheduler must belong to the same optimizer")
    self.schedulers = schedulers
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    var rates = baseLRs
    for s in schedulers {
      for (g, r) in s.learningRates(at: epoch).enumerated() where s.baseLRs[g] != 0 { rates[g] *= r / s.baseLRs[g] }
    }
    return rates
  }

  public override func update(to epoch: Int) {
    for s in schedulers { s.lastEpoch = epoch }
    super.update(to: epoch)
    for s in schedulers { s.lastLR = lastLR }
  }

  public override func stateDict() -> [(String, Tensor)] {
    super.stateDict() + schedulers.enumerated().flatMap { i, s in s.stateDict().prefixed("schedulers.\(i).") }
  }

  public override func load(stateDict: [(String, Tensor)]) throws {
    for (i, s) in schedulers.enumerated() { try s.load(stateDict: stateDict.entries(under: "schedulers.\(i).")) }
    try super.load(stateDict: stateDict.filter { !$0.0.hasPrefix("schedulers.") })
  }
}
