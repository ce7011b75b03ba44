import Foundation
import Testing
@testable import Torchlight

@Suite("Post-accumulate-grad hooks") struct PostAccumulateHookTests {
  /// Two layers, y = tanh(x·w1)·w2: backward reaches w2 first. Its hook runs as soon as w2's
  /// gradient is stored, before backward has produced w1's (what lets data parallelism start
  /// sending w2's gradient early); each hook sees the leaf with its final `.grad`.
  @Test func hooksRunAsSoonAsTheLeafIsDone() {
    let x = Tensor.randn([4, 3], dtype: .float64, generator: Generator(seed: 1))
    let w1 = Tensor.randn([3, 5], dtype: .float64, generator: Generator(seed: 2)).requiringGrad()
    let w2 = Tensor.randn([5, 2], dtype: .float64, generator: Generator(seed: 3)).requiringGrad()
    var events: [String] = []
    w2.registerPostAccumulateGradHook { leaf in
      events.append("w2 done, w1.grad \(w1.grad == nil ? "not yet" : "already")")
      #expect(leaf === w2 && leaf.grad?.shape == [5, 2])
    }
    w1.registerPostAccumulateGradHook { leaf in events.append("w1 done"); #expect(leaf.grad?.shape == [3, 5]) }
    let y = x.matmul(w1).tanh().matmul(w2).sum()
    y.backward()
    #expect(events == ["w2 done, w1.grad not yet", "w1 done"])
    // The gradients are those of a run without hooks.
    let w1b = w1.detached().requiringGrad(), w2b = w2.detached().requiringGrad()
    x.matmul(w1b).tanh().matmul(w2b).sum().backward()
    #expect(w1.grad!.toDoubles() == w1b.grad!.toDoubles() && w2.grad!.toDoubles() == w2b.grad!.toDoubles())
  }

  /// A leaf used twice gets its hook once, on the total, after its last use.
  @Test func aLeafUsedTwiceIsDoneAfterItsLastUse() {
    let w = Tensor([2.0], dtype: .float64).requiringGrad()
    var seen: [Double] = []
    w.registerPostAccumulateGradHook { seen.append($0.grad!.item()) }
    let y = (w * 3 + (w * w).exp()).sum()   // ∂/∂w = 3 + 2w·e^{w²}
    y.backward()
    #expect(seen.count == 1)
    #expect(abs(seen[0] - (3 + 4 * exp(4.0))) < 1e-9)
  }

  /// The hook sees the accumulated `.grad` (the second backward adds to the first), runs only
  /// for backward (not for `grad(of:with:)`), and stops after removal.
  @Test func accumulationGradAndRemoval() {
    let w = Tensor([1.0, 2.0], dtype: .float64).requiringGrad()
    var seen: [[Double]] = []
    let id = w.registerPostAccumulateGradHook { seen.append($0.grad!.toDoubles()) }
    (w * w).sum().backward()
    (w * 3).sum().backward()
    #expect(seen == [[2, 4], [5, 7]])
    _ = grad(of: (w * w).sum(), with: [w])
    #expect(seen.count == 2)
    w.removePostAccumulateGradHook(id)
    (w * 1).sum().backward()
    #expect(seen.count == 2)
  }
}
