import Foundation
import Testing
@testable import TorchlightOptim

/// Each scheduler's learning rate over 30 steps against its formula written out here.
@Suite("Learning-rate schedulers") struct SchedulerTests {
  func optimizer(lr: Double = 0.1) -> SGD { SGD(parameters: [Tensor.zeros([1])], lr: lr, momentum: 0.9) }

  /// lr(0), lr(1), … lr(steps): the rate after construction and after each `step()`.
  func rates(_ scheduler: LRScheduler, steps: Int = 30) -> [Double] {
    var result = [scheduler.optimizer.lr]
    #expect(scheduler.lastLR == [scheduler.optimizer.lr])
    for _ in 0..<steps {
      scheduler.step()
      result.append(scheduler.optimizer.lr)
    }
    return result
  }

  @Test func stepLR() {
    let got = rates(StepLR(optimizer: optimizer(), stepSize: 7, gamma: 0.5))
    expectClose(got, (0...30).map { 0.1 * pow(0.5, Double($0 / 7)) })
  }

  @Test func multiStepLR() {
    let got = rates(MultiStepLR(optimizer: optimizer(), milestones: [20, 5, 12], gamma: 0.1))
    expectClose(got, (0...30).map { t in 0.1 * pow(0.1, Double([5, 12, 20].filter { $0 <= t }.count)) })
  }

  @Test func exponentialLR() {
    expectClose(rates(ExponentialLR(optimizer: optimizer(), gamma: 0.9)), (0...30).map { 0.1 * pow(0.9, Double($0)) })
  }

  @Test func constantAndLinearWarmUp() {
    expectClose(rates(ConstantLR(optimizer: optimizer(), factor: 0.25, totalIters: 4)), (0...30).map { $0 < 4 ? 0.025 : 0.1 })
    let linear = rates(LinearLR(optimizer: optimizer(), startFactor: 0.1, endFactor: 1, totalIters: 10))
    expectClose(linear, (0...30).map { 0.1 * (0.1 + 0.9 * Double(min($0, 10)) / 10) })
    #expect(linear[10] == 0.1 && linear[30] == 0.1)
  }

  @Test func lambdaLRPerGroup() {
    let opt = optimizer()
    opt.addParamGroup([Tensor.zeros([1])]) { $0.lr = 1 }
    let scheduler = LambdaLR(optimizer: opt, lambdas: [{ 1 / Double($0 + 1) }, { pow(0.95, Double($0)) }])
    var got: [[Double]] = [opt.learningRates]
    for _ in 0..<30 { scheduler.step(); got.append(scheduler.lastLR) }
    expectClose(got, (0...30).map { [0.1 / Double($0 + 1), pow(0.95, Double($0))] })
  }

  @Test func cosineAnnealingClosedForm() {
    let (tMax, etaMin) = (20, 0.001)
    let got = rates(CosineAnnealingLR(optimizer: optimizer(), tMax: tMax, etaMin: etaMin))
    expectClose(got, (0...30).map { etaMin + (0.1 - etaMin) * (1 + cos(Double.pi * Double($0) / Double(tMax))) / 2 })
    #expect(Swift.abs(got[20] - etaMin) < 1e-15)
  }

  @Test func cosineWarmRestarts() {
    // T₀ = 3, T_mult = 2: periods of 3, 6, 12, 24 steps starting at t = 0, 3, 9, 21.
    let got = rates(CosineAnnealingWarmRestarts(optimizer: optimizer(), t0: 3, tMult: 2, etaMin: 0.01))
    let starts = [0, 3, 9, 21, 45]
    let want = (0...30).map { t -> Double in
      let k = starts.lastIndex { $0 <= t }!
      let tCur = Double(t - starts[k]), tI = Double(starts[k + 1] - starts[k])
      return 0.01 + (0.1 - 0.01) * (1 + cos(Double.pi * tCur / tI)) / 2
    }
    expectClose(got, want)
    #expect(got[3] == 0.1 && got[9] == 0.1 && got[21] == 0.1, "a restart returns to the base rate")
    let constantPeriods = rates(CosineAnnealingWarmRestarts(optimizer: optimizer(), t0: 5))
    expectClose(constantPeriods, (0...30).map { 0.1 * (1 + cos(Double.pi * Double($0 % 5) / 5)) / 2 })
  }

  func oneCycleReference(_ t: Int, total: Int, maxLR: Double, threePhase: Bool) -> (lr: Double, momentum: Double) {
    let (initial, pct) = (maxLR / 25, 0.3)
    let minimum = initial / 1e4
    func cosine(_ a: Double, _ b: Double, _ p: Double) -> Double { b + (a - b) / 2 * (cos(Double.pi * p) + 1) }
    let t = Double(t), total = Double(total)
    let up = pct * total - 1
    if t <= up { return (cosine(initial, maxLR, t / up), cosine(0.95, 0.85, t / up)) }
    if !threePhase { return (cosine(maxLR, minimum, (t - up) / (total - 1 - up)), cosine(0.85, 0.95, (t - up) / (total - 1 - up))) }
    let down = 2 * pct * total - 2
    if t <= down { return (cosine(maxLR, initial, (t - up) / (down - up)), cosine(0.85, 0.95, (t - up) / (down - up))) }
    return (cosine(initial, minimum, (t - down) / (total - 1 - down)), 0.95)
  }

  @Test(arguments: [false, true])
  func oneCycle(threePhase: Bool) {
    let opt = optimizer()
    let scheduler = OneCycleLR(optimizer: opt, maxLR: 1.0, totalSteps: 30, threePhase: threePhase)
    var lrs = [opt.lr], momenta = [opt.groups[0].momentum]
    for _ in 0..<29 { scheduler.step(); lrs.append(opt.lr); momenta.append(opt.groups[0].momentum) }
    let want = (0..<30).map { oneCycleReference($0, total: 30, maxLR: 1.0, threePhase: threePhase) }
    expectClose(lrs, want.map(\.lr))
    expectClose(momenta, want.map(\.momentum))
    #expect(Swift.abs(lrs[0] - 1.0 / 25) < 1e-15 && Swift.abs(lrs[29] - 1.0 / 25 / 1e4) < 1e-15)
    #expect(lrs.max() == 1.0)
  }

  @Test func oneCycleCyclesAdamsBeta1() {
    let opt = Adam(parameters: [Tensor.zeros([1])])
    let scheduler = OneCycleLR(optimizer: opt, maxLR: 0.01, totalSteps: 10, cycleMomentum: true)
    #expect(Swift.abs(opt.groups[0].betas.0 - 0.95) < 1e-15)
    for _ in 0..<2 { scheduler.step() }
    #expect(opt.groups[0].betas.0 == 0.85 && opt.lr == 0.01, "peak rate, lowest β₁ at step 0.3·10 − 1")
  }

  @Test func sequentialWarmUpThenCosine() {
    let opt = optimizer()
    let warmup = LinearLR(optimizer: opt, startFactor: 0.1, totalIters: 5)
    let cosine = CosineAnnealingLR(optimizer: opt, tMax: 25)
    #expect(cosine.baseLRs == [0.1], "the second scheduler sees the base rate, not the warm-up's")
    let got = rates(SequentialLR(optimizer: opt, schedulers: [warmup, cosine], milestones: [5]))
    let want = (0...30).map { (t: Int) -> Double in
      let warm: Double = 0.1 * (0.1 + 0.9 * Double(t) / 5)
      let cosine: Double = 0.1 * (1 + cos(Double.pi * Double(t - 5) / 25)) / 2
      return t < 5 ? warm : cosine
    }
    expectClose(got, want)
  }

  @Test func chainedMultipliesFactors() {
    let opt = optimizer()
    let warmup = LinearLR(optimizer: opt, startFactor: 0.5, totalIters: 4)
    let decay = ExponentialLR(optimizer: opt, gamma: 0.9)
    let got = rates(ChainedScheduler(schedulers: [warmup, decay]))
    let want = (0...30).map { (t: Int) -> Double in
      let warm: Double = 0.5 + 0.5 * Double(min(t, 4)) / 4
      return 0.1 * warm * pow(0.9, Double(t))
    }
    expectClose(got, want)
  }

  @Test func reduceOnPlateauPatienceAndCooldown() {
    let opt = optimizer(lr: 1)
    let scheduler = ReduceLROnPlateau(optimizer: opt, factor: 0.5, patience: 2, cooldown: 1)
    let metrics: [Double] = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8]
    var got: [Double] = []
    for m in metrics { scheduler.step(m); got.append(opt.lr) }
    // More than 2 bad epochs in a row halve the rate; the epoch after a cut is cooldown.
    #expect(got == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.125])
    #expect(scheduler.best == 8 && scheduler.lastLR == [0.125])
  }

  @Test func reduceOnPlateauModesThresholdAndMinimum() {
    let opt = optimizer(lr: 1)
    let scheduler = ReduceLROnPlateau(optimizer: opt, mode: .max, factor: 0.1, patience: 0, threshold: 0.5,
                                      thresholdMode: .abs, minLR: 0.05)
    var got: [Double] = []
    for m in [1.0, 1.6, 2.0, 2.05, 3.0, 3.1] { scheduler.step(m); got.append(opt.lr) }
    // Improvements must exceed the best by 0.5: 1.6 and 3.0 do, 2.0, 2.05 and 3.1 do not; the
    // rate never goes below minLR.
    expectClose(got, [1, 1, 0.1, 0.05, 0.05, 0.05])
    let rel = ReduceLROnPlateau(optimizer: optimizer(lr: 1), patience: 0, threshold: 0.1)
    rel.step(1.0); rel.step(0.95)
    #expect(rel.optimizer.lr == 0.1, "0.95 is not 10% below 1.0")
  }

  @Test func plateauStateResumes() throws {
    let metrics: [Double] = [5, 4, 4, 4, 3.9, 3.9, 3.9, 3.9, 3, 3, 3, 3, 3]
    let straightOptimizer = optimizer(lr: 1)
    let straight = ReduceLROnPlateau(optimizer: straightOptimizer, factor: 0.5, patience: 1, cooldown: 2)
    for m in metrics { straight.step(m) }

    let firstOptimizer = optimizer(lr: 1)
    let first = ReduceLROnPlateau(optimizer: firstOptimizer, factor: 0.5, patience: 1, cooldown: 2)
    for m in metrics[..<6] { first.step(m) }
    let saved = (first.stateDict(), firstOptimizer.stateDict())
    let resumedOptimizer = optimizer(lr: 1)
    let resumed = ReduceLROnPlateau(optimizer: resumedOptimizer, factor: 0.5, patience: 1, cooldown: 2)
    try resumed.load(stateDict: saved.0)
    try resumedOptimizer.load(stateDict: saved.1)
    for m in metrics[6...] { resumed.step(m) }
    #expect(resumedOptimizer.lr == straightOptimizer.lr && resumed.lastLR == straight.lastLR)
    #expect(resumed.best == straight.best && resumed.cooldownCounter == straight.cooldownCounter)
    #expect(straightOptimizer.lr < 0.2)
  }

  @Test func schedulerStateDictRoundTrip() throws {
    let opt = optimizer()
    let scheduler = CosineAnnealingWarmRestarts(optimizer: opt, t0: 4, tMult: 2)
    for _ in 0..<7 { scheduler.step() }
    let other = CosineAnnealingWarmRestarts(optimizer: optimizer(), t0: 4, tMult: 2)
    try other.load(stateDict: scheduler.stateDict())
    #expect(other.lastEpoch == 7 && other.lastLR == scheduler.lastLR)
    scheduler.step(); other.step()
    #expect(other.optimizer.lr == scheduler.optimizer.lr)
    #expect(throws: OptimizerStateError.self) { try other.load(stateDict: [("last_epoch", Tensor.zeros([2]))]) }
  }
}
