import Foundation
import Testing
@testable import TorchlightOptim
import TorchlightNN

/// A float32 parameter [1, 2] with an SGD optimizer (lr 0.5), whose gradient each test sets.
private func setup() -> (Tensor, SGD) {
  let w = Tensor([1.0, 2]).requiringGrad()
  return (w, SGD(parameters: [w], lr: 0.5))
}

@Suite struct GradScalerTests {
  @Test func defaultsArePyTorchs() {
    let scaler = GradScaler()
    #expect(scaler.scale == 65536 && scaler.growthFactor == 2 && scaler.backoffFactor == 0.5 && scaler.growthInterval == 2000)
    #expect(scaler.scaled(Tensor(3.0)).item() == 3 * 65536)
  }

  /// backward of S·L gives S·∇L; step divides by S and steps on ∇L itself.
  @Test func aCleanStepUnscalesAndSteps() {
    let (w, sgd) = setup()
    let scaler = GradScaler()
    scaler.scaled((w * w).sum()).backward()             // ∇ = 2w = [2, 4]
    #expect(w.grad?.toDoubles() == [2 * 65536, 4 * 65536])
    #expect(scaler.step(sgd))
    #expect(w.grad?.toDoubles() == [2, 4], "unscaled in place")
    #expect(w.toDoubles() == [0, 0], "w − 0.5·[2, 4]")
    scaler.update()
    #expect(scaler.scale == 65536 && scaler.growthTracker == 1)
  }

  @Test(arguments: [Double.infinity, -.infinity, .nan])
  func anInfOrNaNGradientSkipsTheStepAndHalvesTheScale(_ bad: Double) {
    let (w, sgd) = setup()
    let scaler = GradScaler(growthInterval: 3)
    for _ in 0..<2 {  // two clean iterations first: the tracker reaches 2
      w.setGrad(Tensor([0.0, 0]))
      scaler.step(sgd)
      scaler.update()
    }
    #expect(scaler.growthTracker == 2)
    w.setGrad(Tensor([1.0, bad]))
    #expect(!scaler.step(sgd), "skipped")
    #expect(w.toDoubles() == [1, 2], "the parameter is untouched")
    scaler.update()
    #expect(scaler.scale == 32768 && scaler.growthTracker == 0, "backoff 0.5, and the clean count restarts")
  }

  /// The scale doubles after exactly `growthInterval` clean steps in a row: 2000 by default.
  @Test func theScaleGrowsAfterTheGrowthIntervalOfCleanSteps() {
    let (w, sgd) = setup()
    let scaler = GradScaler()
    for i in 1...2000 {
      w.setGrad(Tensor([0.0, 0]))
      scaler.step(sgd)
      scaler.update()
      if i == 1999 { #expect(scaler.scale == 65536 && scaler.growthTracker == 1999) }
    }
    #expect(scaler.scale == 131072 && scaler.growthTracker == 0)
    scaler.update(newScale: 8)
    #expect(scaler.scale == 8)
  }

  /// unscale once, then clip the true gradients; step does not unscale a second time.
  @Test func unscaleBeforeClippingAndStepUsesTheClippedGradients() {
    let (w, sgd) = setup()
    let scaler = GradScaler(initScale: 1024)
    w.setGrad(Tensor([3.0 * 1024, 4 * 1024]))  // true gradient [3, 4], norm 5
    scaler.unscale(sgd)
    #expect(w.grad?.toDoubles() == [3, 4])
    let norm = clipGradNorm([w], maxNorm: 1)
    #expect(norm == 5)
    scaler.step(sgd)
    expectNear(w.toDoubles(), [1 - 0.5 * 0.6, 2 - 0.5 * 0.8], 1e-5)
  }

  @Test func unscalingTwiceInOneIterationStops() async {
    let twice = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let (w, sgd) = setup()
      let scaler = GradScaler()
      w.setGrad(Tensor([1.0, 1]))
      scaler.unscale(sgd)
      scaler.unscale(sgd)
    }
    #expect(stderrText(twice).contains("already called on this optimizer"))
    let stepTwice = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let (w, sgd) = setup()
      let scaler = GradScaler()
      w.setGrad(Tensor([1.0, 1]))
      scaler.step(sgd)
      scaler.step(sgd)
    }
    #expect(stderrText(stepTwice).contains("GradScaler.step: already called"))
  }

  /// PyTorch refuses too: float16 gradients would overflow or underflow while being unscaled.
  @Test func float16GradientsAreRefused() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let w = Tensor([1.0]).half().requiringGrad()
      w.setGrad(Tensor([1.0]).half())
      GradScaler().unscale(SGD(parameters: [w], lr: 1))
    }
    #expect(stderrText(result).contains("a float16 gradient"))
  }

  @Test func theStateDictRoundTrips() throws {
    let (w, sgd) = setup()
    let scaler = GradScaler(growthInterval: 10)
    for bad in [false, false, true, false] {
      w.setGrad(Tensor([bad ? .nan : 0.0, 0]))
      scaler.step(sgd)
      scaler.update()
    }
    let state = scaler.stateDict()
    #expect(state.map(\.0) == ["scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"])
    let restored = GradScaler(growthInterval: 10)
    try restored.load(stateDict: state)
    #expect(restored.scale == 32768 && restored.growthTracker == 1)
    #expect(throws: OptimizerStateError.self) { try GradScaler(growthInterval: 5).load(stateDict: state) }
  }

  @Test func aDisabledScalerChangesNothing() {
    let (w, sgd) = setup()
    let scaler = GradScaler(enabled: false)
    #expect(scaler.scaled(Tensor(3.0)).item() == 3)
    w.setGrad(Tensor([.infinity, 0]))
    #expect(scaler.step(sgd) && w.toDoubles()[0] == -.infinity)
    scaler.update()
    #expect(scaler.scale == 65536)
  }

  /// Why float16 needs the scaler: ∂L/∂x = 2⁻¹²·2⁻¹⁴ = 2⁻²⁶ is below float16's smallest
  /// subnormal (2⁻²⁴), so on its way back through a float16 activation it becomes 0. Scaled by
  /// 2¹⁶ it is 2⁻¹⁰ there, and dividing by 2¹⁶ in float32 gives it back exactly.
  @Test func scalingKeepsSmallFloat16GradientsFromUnderflowing() {
    let x = Tensor([1.0]).requiringGrad()
    func loss() -> Tensor { ((x.half() * 0x1p-14).float() * 0x1p-12).sum() }
    loss().backward()
    #expect(x.grad?.item() == 0, "underflowed in float16")
    x.zeroGrad()
    let scaler = GradScaler(), sgd = SGD(parameters: [x], lr: 1)
    scaler.scaled(loss()).backward()
    scaler.unscale(sgd)
    #expect(x.grad?.item() == 0x1p-26)
  }
}

private func expectNear(_ a: [Double], _ b: [Double], _ tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }, "\(a) vs \(b)", sourceLocation: sourceLocation)
}

private func stderrText(_ result: ExitTest.Result?) -> String {
  String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}
