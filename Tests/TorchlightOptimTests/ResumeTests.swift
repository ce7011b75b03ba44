import Foundation
import Testing
@testable import TorchlightOptim
import TorchlightNN

/// Stopping mid-run, saving model + optimizer + scheduler, and resuming in fresh objects gives
/// exactly the parameters of the uninterrupted run.
@Suite("Save and resume") struct ResumeTests {
  typealias Setup = (Linear) -> (any Optimizer, LRScheduler?)

  static let data: [(Tensor, Tensor)] = {
    let g = Generator(seed: 11)
    return (0..<12).map { _ in (Tensor.randn([4, 3], dtype: .float64, generator: g), Tensor.randn([4, 2], dtype: .float64, generator: g)) }
  }()

  func model() -> Linear { Linear(inFeatures: 3, outFeatures: 2, dtype: .float64, generator: Generator(seed: 5)) }

  func train(_ net: Linear, _ optimizer: any Optimizer, _ scheduler: LRScheduler?, steps: Range<Int>) {
    for i in steps {
      let (x, y) = Self.data[i]
      mseLoss(net(x), y).backward()
      optimizer.step()
      optimizer.zeroGrad()
      scheduler?.step()
    }
  }

  func check(_ setup: Setup, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let straight = model()
    let (o1, s1) = setup(straight)
    train(straight, o1, s1, steps: 0..<12)

    let first = model()
    let (o2, s2) = setup(first)
    train(first, o2, s2, steps: 0..<5)
    let saved = first.stateDict().map { ($0, $1.clone()) } + o2.stateDict().prefixed("optimizer.")
      + (s2?.stateDict() ?? []).prefixed("scheduler.")
    train(first, o2, s2, steps: 5..<7)       // the first run goes on: the optimizer's state dict is a snapshot
    // Through a safetensors file image, as a checkpoint on disk would go.
    let checkpoint = try SafeTensors.decode(try SafeTensors.encode(saved)).tensors

    let resumed = model()
    let (o3, s3) = setup(resumed)
    try resumed.load(stateDict: checkpoint.filter { !$0.0.contains(".") })
    try o3.load(stateDict: checkpoint.entries(under: "optimizer."))
    try s3?.load(stateDict: checkpoint.entries(under: "scheduler."))
    train(resumed, o3, s3, steps: 5..<12)

    for (a, b) in zip(straight.parameters(), resumed.parameters()) {
      #expect(a.toDoubles() == b.toDoubles(), "resumed run differs", sourceLocation: sourceLocation)
    }
    #expect(o1.learningRates == o3.learningRates, sourceLocation: sourceLocation)
    #expect(s1?.lastEpoch == s3?.lastEpoch && s1?.lastLR == s3?.lastLR, sourceLocation: sourceLocation)
  }

  @Test func sgdNesterovWithStepLR() throws {
    try check { net in
      let o = SGD(parameters: net.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 1e-3, nesterov: true)
      return (o, StepLR(optimizer: o, stepSize: 3, gamma: 0.5))
    }
  }

  @Test func adamWithWarmUpThenCosineAndGroups() throws {
    try check { net in
      let o = Adam(parameters: [net.weight], lr: 0.05, amsgrad: true)
      o.addParamGroup([net.bias!]) { $0.lr = 0.01 }
      let warmup = LinearLR(optimizer: o, startFactor: 0.2, totalIters: 3)
      let cosine = CosineAnnealingLR(optimizer: o, tMax: 9)
      return (o, SequentialLR(optimizer: o, schedulers: [warmup, cosine], milestones: [3]))
    }
  }

  @Test(arguments: 0..<7)
  func everyOptimizer(kind: Int) throws {
    try check { net in
      let p = net.parameters()
      let o: any Optimizer = switch kind {
      case 0: Adagrad(parameters: p, lr: 0.1, lrDecay: 0.01)
      case 1: RMSprop(parameters: p, momentum: 0.5, centered: true)
      case 2: Adadelta(parameters: p)
      case 3: AdamW(parameters: p, lr: 0.01)
      case 4: Adamax(parameters: p)
      case 5: NAdam(parameters: p, weightDecay: 0.01)
      default: RAdam(parameters: p)
      }
      return (o, kind == 3 ? OneCycleLR(optimizer: o, maxLR: 0.05, totalSteps: 12) : nil)
    }
  }

  @Test func loadRejectsAMismatchAndChangesNothing() throws {
    let a = model(), b = model()
    let trained = Adam(parameters: a.parameters())
    train(a, trained, nil, steps: 0..<2)
    let fresh = Adam(parameters: [b.weight])                        // one parameter fewer
    #expect(throws: OptimizerStateError.self) { try fresh.load(stateDict: trained.stateDict()) }
    #expect(fresh.groups[0].state[0].step == 0)
    let shaped = Adam(parameters: [b.bias!, b.weight])              // same count, other shapes
    #expect(throws: OptimizerStateError.self) { try shaped.load(stateDict: trained.stateDict()) }
    let keys = trained.stateDict().map(\.0)
    #expect(keys.contains("state.0.exp_avg") && keys.contains("param_groups.0.lr") && keys.contains("param_groups.0.params"))
  }
}
