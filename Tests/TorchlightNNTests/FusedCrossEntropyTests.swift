import Foundation
import Testing
@testable import TorchlightNN

/// The fused cross-entropy (class-index targets) against `crossEntropyReference`, op by op:
/// values and gradients agree in float64 for every reduction and layout, with ignored targets,
/// and central differences check the fused op to first and second order.
@Suite("Fused cross-entropy") struct FusedCrossEntropyTests {
  /// Targets 0..<5 for 6 rows; with `ignoring`, two rows carry the ignore index −100.
  func targets(ignoring: Bool) -> Tensor {
    Tensor(ignoring ? [Int64(3), -100, 0, 4, -100, 1] : [3, 2, 0, 4, 4, 1], shape: [6], dtype: .int64)
  }

  @Test(arguments: [Reduction.mean, .sum, .none], AttentionLayout.allCases)
  func matchesTheReference(_ reduction: Reduction, _ layout: AttentionLayout) {
    for ignoring in [false, true] {
      let x = attentionLeaf([6, 5], layout, seed: 21, scale: 3), t = targets(ignoring: ignoring)
      let fused = crossEntropy(logits: x, targets: t, reduction: reduction)
      let reference = crossEntropyReference(logits: x, targets: t, reduction: reduction)
      #expect(fused.gradFn?.name == "NllLossBackward")
      #expect(maxAbsDifference(fused, reference) < 1e-12)
      let gf = grad(of: weightedSum(fused), with: [x]), gr = grad(of: weightedSum(reference), with: [x])
      #expect(maxGradientDifference(gf, gr) < 1e-12, "\(reduction) \(layout) ignoring \(ignoring)")
    }
  }

  @Test(arguments: [Reduction.mean, .none])
  func gradientsFirstAndSecondOrder(_ reduction: Reduction) {
    let t = targets(ignoring: true)
    for layout in AttentionLayout.allCases {
      let x = attentionLeaf([6, 5], layout, seed: 22, scale: 2)
      let f = { (i: [Tensor]) in crossEntropy(logits: i[0], targets: t, reduction: reduction) }
      let first = gradientCheck(f, inputs: [x])
      #expect(first.passed, "\(layout): \(first)")
      let second = gradgradCheck(f, inputs: [x])
      #expect(second.passed, "\(layout) second order: \(second)")
    }
    // Logits broadcast from one row (a stride-0 axis): every example sees the same scores.
    let row = attentionLeaf([1, 5], seed: 23)
    let broadcast = { (i: [Tensor]) in crossEntropy(logits: i[0].expanded([6, 5]), targets: t, reduction: reduction) }
    #expect(gradientCheck(broadcast, inputs: [row]).passed)
    #expect(gradgradCheck(broadcast, inputs: [row]).passed)
  }

  @Test func float32ExtremesAndAllIgnored() {
    // Large scores must not overflow; −∞ scores give probability 0, not NaN.
    let x = Tensor([[1000, 0, -1000], [-Double.infinity, 2, 1], [50, 50, 50]], dtype: .float64)
    let t = Tensor([Int64(0), 1, 2], shape: [3], dtype: .int64)
    let exact = crossEntropyReference(logits: x, targets: t)
    #expect(maxAbsDifference(crossEntropy(logits: x, targets: t), exact) < 1e-12)
    let single = crossEntropy(logits: x.to(.float32), targets: t)
    #expect(single.dtype == .float32 && Swift.abs(single.item() - exact.item()) < 1e-5)
    // Every target ignored: the mean is 0/0 = NaN, as in PyTorch, and the gradient is zero.
    let leaf = attentionLeaf([2, 3], seed: 24)
    let none = crossEntropy(logits: leaf, targets: Tensor([Int64(-100), -100], shape: [2], dtype: .int64))
    #expect(none.item().isNaN)
    none.backward()
    #expect(leaf.grad!.toDoubles().allSatisfy { $0 == 0 })
  }
}
