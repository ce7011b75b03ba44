import Foundation
import Testing
@testable import TorchlightNN

/// Cross-entropy written out per example, the reference the library must match.
func referenceCrossEntropy(_ logits: [[Double]], _ targets: [Int], weight: [Double]?, ignore: Int, smoothing: Double) -> Double {
  var total = 0.0, smoothTotal = 0.0, weightSum = 0.0, counted = 0.0
  let c = Double(logits[0].count)
  for (row, t) in zip(logits, targets) where t != ignore {
    let m = row.max()!
    let lse = m + Foundation.log(row.map { Foundation.exp($0 - m) }.reduce(0, +))
    let logp = row.map { $0 - lse }
    let w = weight?[t] ?? 1
    total += -w * logp[t]
    weightSum += w
    counted += 1
    smoothTotal += -zip(logp, weight ?? Array(repeating: 1, count: row.count)).map { $0 * $1 }.reduce(0, +)
  }
  let nll = total / weightSum
  let smooth = smoothTotal / (weight == nil ? counted : weightSum)
  return (1 - smoothing) * nll + smoothing / c * smooth
}

@Suite("Softmax and classification losses") struct ClassificationTests {
  @Test func softmaxRowsSumToOneEvenForHugeScores() {
    let x = Tensor([[1000.0, 1001, 1002], [-5, 0, 5]])
    let p = softmax(x, axis: 1)
    for r in 0..<2 { #expect(Swift.abs(p[r].sum().item() - 1) < 1e-6) }
    #expect(p.toDoubles().allSatisfy { $0.isFinite })
    expectClose(logSoftmax(x, axis: 1).exp().toDoubles(), p.toDoubles())
  }

  @Test func crossEntropyMatchesItsDefinition() {
    let logitValues: [[Double]] = [[2, -1, 0.5, 0], [0.1, 0.2, 3, -2], [-1, -1, -1, 4], [1, 2, 3, 4], [0, 0, 0, 0]]
    let targets = [0, 2, 3, 1, 2]
    let logits = Tensor(logitValues, dtype: .float64)
    let labels = Tensor(targets)
    let weight = [0.5, 2, 1, 1.5]
    for (w, ignore, smoothing) in [(nil, -100, 0.0), (weight, -100, 0.0), (nil, 2, 0.0), (weight, 3, 0.1), (nil, -100, 0.2)] as [([Double]?, Int, Double)] {
      let loss = crossEntropy(logits: logits, targets: labels, weight: w.map { Tensor($0, dtype: .float64) },
                              ignoreIndex: ignore, labelSmoothing: smoothing)
      let expected = referenceCrossEntropy(logitValues, targets, weight: w, ignore: ignore, smoothing: smoothing)
      #expect(Swift.abs(loss.item() - expected) < 1e-12, "weight \(String(describing: w)) ignore \(ignore) smoothing \(smoothing)")
    }
    let none = crossEntropy(logits: logits, targets: labels, reduction: .none)
    #expect(none.shape == [5])
    #expect(Swift.abs(none.sum().item() - crossEntropy(logits: logits, targets: labels, reduction: .sum).item()) < 1e-12)
    #expect(Swift.abs(nllLoss(logSoftmax(logits, axis: 1), targets: labels).item() - crossEntropy(logits: logits, targets: labels).item()) < 1e-12)
  }

  @Test func probabilityTargetsEqualOneHotClassTargets() {
    let logits = Tensor([[2.0, -1, 0.5], [0.1, 0.2, 3]], dtype: .float64)
    let classes = Tensor([2, 0])
    let oneHot = Tensor([[0.0, 0, 1], [1, 0, 0]], dtype: .float64)
    #expect(Swift.abs(crossEntropy(logits: logits, targets: classes).item() - crossEntropy(logits: logits, targets: oneHot).item()) < 1e-12)
    #expect(Swift.abs(crossEntropy(logits: logits, targets: classes, labelSmoothing: 0.3).item()
                      - crossEntropy(logits: logits, targets: oneHot, labelSmoothing: 0.3).item()) < 1e-12)
  }

  @Test func gradientsOnNonContiguousLogits() {
    let logits = leaf64([4, 5], seed: 21)   // transposed layout
    #expect(!logits.isContiguous)
    let labels = Tensor([1, 4, 0, 4])
    let weight = Tensor([1.0, 0.5, 2, 1, 3], dtype: .float64)
    let checks: [(String, ([Tensor]) -> Tensor)] = [
      ("softmax", { softmax($0[0], axis: 1) }), ("softmax axis 0", { softmax($0[0], axis: 0) }),
      ("logSoftmax", { logSoftmax($0[0], axis: -1) }),
      ("crossEntropy", { crossEntropy(logits: $0[0], targets: labels) }),
      ("weighted, ignore, smoothing", { crossEntropy(logits: $0[0], targets: labels, weight: weight, ignoreIndex: 0, labelSmoothing: 0.1) }),
      ("per example", { crossEntropy(logits: $0[0], targets: labels, reduction: .none) }),
      ("nll", { nllLoss(logSoftmax($0[0], axis: 1), targets: labels, reduction: .sum) }),
    ]
    for (name, f) in checks {
      let result = gradientCheck(f, inputs: [logits])
      #expect(result.passed, "\(name): \(result)")
    }
    let second = gradgradCheck({ crossEntropy(logits: $0[0], targets: labels) }, inputs: [logits])
    #expect(second.passed, "second order: \(second)")
  }

  @Test func accuracyCountsArgmaxHits() {
    let logits = Tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    #expect(accuracy(logits: logits, targets: Tensor([1, 0, 0])) == 2.0 / 3)
  }
}

func expectClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-6, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }, "\(a) vs \(b)", sourceLocation: sourceLocation)
}
