import Foundation
import Testing
@testable import TorchlightNN

@Suite("Soft-target cross-entropy") struct SoftTargetLossTests {
  /// Rows of class probabilities: a softmax of seeded normal values.
  static func distributions(_ rows: Int, _ classes: Int, seed: UInt64) -> [Double] {
    let raw = lossRows(lossValues(rows * classes, seed: seed), columns: classes)
    return raw.flatMap { row in
      let e = row.map { Foundation.exp($0) }, total = e.reduce(0, +)
      return e.map { $0 / total }
    }
  }

  @Test func matchesItsDefinitionAndTheHardLoss() {
    let x = lossValues(12, seed: 1, scale: 2), p = Self.distributions(4, 3, seed: 2)
    let logits = Tensor(x, shape: [4, 3], dtype: .float64), targets = Tensor(p, shape: [4, 3], dtype: .float64)
    let expected = zip(lossRows(x, columns: 3), lossRows(p, columns: 3)).map { row, probs in
      let logZ = Foundation.log(row.map { Foundation.exp($0) }.reduce(0, +))
      return zip(row, probs).map { -$1 * ($0 - logZ) }.reduce(0, +)
    }
    expectReductions("soft CE", expected) { softTargetCrossEntropy(logits: logits, targets: targets, reduction: $0) }
    // The same as crossEntropy with probability targets, and with one-hot rows the same as class targets.
    #expect(Swift.abs(softTargetCrossEntropy(logits: logits, targets: targets).item()
                      - crossEntropy(logits: logits, targets: targets).item()) < 1e-12)
    let classes = Tensor([2, 0, 1, 1])
    let oneHot = TorchlightNN.oneHot(classes, numClasses: 3, dtype: .float64)
    #expect(Swift.abs(softTargetCrossEntropy(logits: logits, targets: oneHot).item()
                      - crossEntropy(logits: logits, targets: classes).item()) < 1e-12)
    // Known value: uniform logits against any distribution cost log C.
    #expect(Swift.abs(softTargetCrossEntropy(logits: Tensor.zeros([4, 3], dtype: .float64), targets: targets).item() - Foundation.log(3)) < 1e-12)
  }

  @Test func perPixelDistributionsOnAxisOne() {
    // [N, C, H, W] is the [N·H·W, C] loss with the class axis moved last.
    let x = Tensor(lossValues(2 * 3 * 2 * 2, seed: 3), shape: [2, 3, 2, 2], dtype: .float64)
    let p = softmax(Tensor(lossValues(24, seed: 4), shape: [2, 3, 2, 2], dtype: .float64), axis: 1)
    let perPixel = softTargetCrossEntropy(logits: x, targets: p, reduction: .none)
    #expect(perPixel.shape == [2, 2, 2])
    let flat = softTargetCrossEntropy(logits: x.permuted(0, 2, 3, 1).reshaped(-1, 3), targets: p.permuted(0, 2, 3, 1).reshaped(-1, 3),
                                      reduction: .none)
    expectClose(perPixel.toDoubles(), flat.toDoubles(), tolerance: 1e-12)
  }

  @Test func gradientsFirstAndSecondOrder() {
    let logits = lossLeaf(lossValues(12, seed: 5, scale: 2), [4, 3])   // transposed: not contiguous
    let targets = lossLeaf(Self.distributions(4, 3, seed: 6), [4, 3])
    #expect(!logits.isContiguous && !targets.isContiguous)
    expectGradients("soft CE", [logits, targets]) { softTargetCrossEntropy(logits: $0[0], targets: $0[1]) }
    expectGradients("soft CE none", [logits, targets]) { softTargetCrossEntropy(logits: $0[0], targets: $0[1], reduction: .none) }
    // One row of logits broadcast over the batch, and one target row broadcast.
    let row = lossLeaf(lossValues(3, seed: 7), [1, 3])
    expectGradients("soft CE broadcast logits", [row]) {
      softTargetCrossEntropy(logits: $0[0].expanded([4, 3]), targets: targets.detached(), reduction: .sum)
    }
    let targetRow = lossLeaf(Self.distributions(1, 3, seed: 8), [1, 3])
    expectGradients("soft CE broadcast targets", [logits, targetRow]) {
      softTargetCrossEntropy(logits: $0[0], targets: $0[1].expanded([4, 3]))
    }
    // The closed form q − p for rows that sum to 1, divided by N for the mean.
    let l = logits.detached().requiringGrad()
    softTargetCrossEntropy(logits: l, targets: targets.detached()).backward()
    let expected = ((softmax(l.detached(), axis: 1) - targets.detached()) / 4).toDoubles()
    expectClose(l.grad!.toDoubles(), expected, tolerance: 1e-12)
    let second = gradgradCheck({ softTargetCrossEntropy(logits: $0[0], targets: $0[1]) }, inputs: [logits, targets])
    #expect(second.passed, "second order: \(second)")
  }

  @Test func classIndicesAndMismatchedShapesAreRefused() async {
    var result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = softTargetCrossEntropy(logits: Tensor.zeros([2, 3]), targets: Tensor([0, 1]))
    }
    #expect(childError(result).contains("softTargetCrossEntropy: targets must be class probabilities"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = softTargetCrossEntropy(logits: Tensor.zeros([2, 3]), targets: Tensor.zeros([2, 4]))
    }
    #expect(childError(result).contains("softTargetCrossEntropy: logits [2, 3], targets [2, 4] must all have the same shape"))
  }
}
