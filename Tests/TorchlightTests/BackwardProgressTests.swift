import Foundation
import Testing
@testable import Torchlight

/// A box the progress function writes into (other tests' backward passes may call it too, while
/// it is registered: the checks below hold however many extra calls they add).
private final class Calls: @unchecked Sendable {
  var total = 0
  var betweenLayers = 0
}

@Suite("Backward progress functions") struct BackwardProgressTests {
  /// y = tanh(x·w1)·w2 summed: four nodes. The function runs after each, so, with the weights
  /// handed over as soon as they are done (post-accumulate hooks, as data parallelism registers
  /// them), at least once after w2's gradient is complete and before w1's exists: where data
  /// parallelism tests its messages. It is never called after it is removed.
  @Test func calledAfterEveryNodeUntilRemoved() {
    let x = Tensor.randn([4, 3], dtype: .float64, generator: Generator(seed: 1))
    let w1 = Tensor.randn([3, 5], dtype: .float64, generator: Generator(seed: 2)).requiringGrad()
    let w2 = Tensor.randn([5, 2], dtype: .float64, generator: Generator(seed: 3)).requiringGrad()
    let calls = Calls()
    w1.registerPostAccumulateGradHook { _ in }
    w2.registerPostAccumulateGradHook { _ in }
    let id = BackwardProgress.add {
      calls.total += 1
      if w2.grad != nil && w1.grad == nil { calls.betweenLayers += 1 }
    }
    x.matmul(w1).tanh().matmul(w2).sum().backward()
    #expect(calls.total >= 4)
    #expect(calls.betweenLayers >= 1)
    BackwardProgress.remove(id)
    let before = calls.total
    x.matmul(w1).tanh().matmul(w2).sum().backward()
    #expect(calls.total == before)
  }
}
