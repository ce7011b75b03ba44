import Foundation
import Testing
@testable import TorchlightNN

/// PyTorch's loss definitions, written in plain Swift on Doubles, one element or one row at a time.
enum LossReference {
  static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
  static func bce(_ x: Double, _ y: Double) -> Double {
    -(y * Swift.max(Foundation.log(x), -100) + (1 - y) * Swift.max(Foundation.log(1 - x), -100))
  }
  /// −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], straight from the definition (fine for moderate x).
  static func bceWithLogits(_ x: Double, _ y: Double, posWeight p: Double = 1) -> Double {
    -(p * y * Foundation.log(sigmoid(x)) + (1 - y) * Foundation.log(1 - sigmoid(x)))
  }
  static func kl(_ input: Double, _ target: Double) -> Double { target == 0 ? 0 : target * (Foundation.log(target) - input) }
  static func marginRanking(_ a: Double, _ b: Double, _ y: Double, _ margin: Double) -> Double { Swift.max(0, -y * (a - b) + margin) }
  static func hingeEmbedding(_ x: Double, _ y: Double, _ margin: Double) -> Double {
    y == 1 ? x : (y == -1 ? Swift.max(0, margin - x) : x + Swift.max(0, margin - x))
  }
  static func cosine(_ a: [Double], _ b: [Double]) -> Double {
    func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).map { $0 * $1 }.reduce(0, +) }
    return dot(a, b) / ((dot(a, a) + 1e-12) * (dot(b, b) + 1e-12)).squareRoot()
  }
  static func cosineEmbedding(_ a: [Double], _ b: [Double], _ y: Double, _ margin: Double) -> Double {
    y == 1 ? 1 - cosine(a, b) : (y == -1 ? Swift.max(0, cosine(a, b) - margin) : 0)
  }
  static func softMargin(_ x: Double, _ y: Double) -> Double { Foundation.log(1 + Foundation.exp(-y * x)) }
  static func multiLabelSoftMargin(_ x: [Double], _ y: [Double], _ w: [Double]?) -> Double {
    let terms = x.indices.map { c in
      -(w?[c] ?? 1) * (y[c] * Foundation.log(sigmoid(x[c])) + (1 - y[c]) * Foundation.log(1 - sigmoid(x[c])))
    }
    return terms.reduce(0, +) / Double(x.count)
  }
  static func multiMargin(_ x: [Double], _ y: Int, p: Int, margin: Double, _ w: [Double]?) -> Double {
    var sum = 0.0
    for i in x.indices where i != y {
      let z = margin - x[y] + x[i]
      if z > 0 { sum += (p == 1 ? z : z * z) * (w?[y] ?? 1) }
    }
    return sum / Double(x.count)
  }
  static func multiLabelMargin(_ x: [Double], _ targets: [Int]) -> Double {
    let chosen = Array(targets.prefix { $0 != -1 })
    var sum = 0.0
    for j in chosen { for i in x.indices where !chosen.contains(i) { sum += Swift.max(0, 1 - (x[j] - x[i])) } }
    return sum / Double(x.count)
  }
  static func distance(_ a: [Double], _ b: [Double], p: Double, eps: Double) -> Double {
    Foundation.pow(zip(a, b).map { Foundation.pow(Swift.abs($0 - $1 + eps), p) }.reduce(0, +), 1 / p)
  }
  static func triplet(_ a: [Double], _ pos: [Double], _ neg: [Double], margin: Double, p: Double, eps: Double, swap: Bool) -> Double {
    var dNeg = distance(a, neg, p: p, eps: eps)
    if swap { dNeg = Swift.min(dNeg, distance(pos, neg, p: p, eps: eps)) }
    return Swift.max(0, margin + distance(a, pos, p: p, eps: eps) - dNeg)
  }
}

/// Seeded standard-normal values times `scale`.
func lossValues(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
  Tensor.randn([count], dtype: .float64, generator: Generator(seed: seed)).toDoubles().map { $0 * scale }
}

/// The rows of a row-major `[rows, columns]` array.
func lossRows(_ values: [Double], columns: Int) -> [[Double]] {
  stride(from: 0, to: values.count, by: columns).map { Array(values[$0..<$0 + columns]) }
}

/// A float64 leaf holding `values` (row-major over `shape`), stored transposed when it has two
/// axes, so that it is not contiguous.
func lossLeaf(_ values: [Double], _ shape: [Int]) -> Tensor {
  let t = Tensor(values, shape: shape, dtype: .float64)
  return (shape.count == 2 ? t.t().contiguous().t() : t).requiringGrad()
}

/// `none` gives `expected`; `sum` and `mean` give their sum and mean.
func expectReductions(_ name: String, _ expected: [Double], tolerance: Double = 1e-12, _ loss: (Reduction) -> Tensor,
                      sourceLocation: SourceLocation = #_sourceLocation) {
  let none = loss(.none)
  #expect(none.count == expected.count, "\(name): none has shape \(none.shape)", sourceLocation: sourceLocation)
  expectClose(none.toDoubles(), expected, tolerance: tolerance, sourceLocation: sourceLocation)
  let total = expected.reduce(0, +)
  let sum = loss(.sum), mean = loss(.mean)
  #expect(sum.shape == [] && mean.shape == [], "\(name)", sourceLocation: sourceLocation)
  #expect(Swift.abs(sum.item() - total) <= tolerance * Swift.max(1, Swift.abs(total)), "\(name) sum: \(sum.item()) vs \(total)",
          sourceLocation: sourceLocation)
  let average = total / Double(expected.count)
  #expect(Swift.abs(mean.item() - average) <= tolerance * Swift.max(1, Swift.abs(average)), "\(name) mean: \(mean.item()) vs \(average)",
          sourceLocation: sourceLocation)
}

/// Runs `gradientCheck` and records a failure naming the case.
func expectGradients(_ name: String, _ inputs: [Tensor], sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) {
  let result = gradientCheck(f, inputs: inputs)
  #expect(result.passed, "\(name): \(result)", sourceLocation: sourceLocation)
}

/// Stops the test unless every hinge argument is at least 10⁻³ from its kink at 0, so central
/// differences measure one side's slope (a changed seed would show up here, not as a flaky check).
func expectAwayFromKinks(_ arguments: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(arguments.allSatisfy { Swift.abs($0) > 1e-3 }, "a hinge sits on its kink: \(arguments)", sourceLocation: sourceLocation)
}

@Suite("Loss family: probabilistic and margin losses, loss objects") struct LossFamilyTests {
  // MARK: Binary cross-entropy

  @Test func binaryCrossEntropyMatchesItsDefinition() {
    // x = 0 with y = 1 costs 100 (the clamped log), x = 1 with y = 1 costs 0, not NaN.
    let x: [Double] = [0.9, 0.2, 0.5, 0.01, 0, 1], y: [Double] = [1, 0, 0.3, 1, 1, 1]
    let probs = Tensor(x, shape: [2, 3], dtype: .float64), targets = Tensor(y, shape: [2, 3], dtype: .float64)
    expectReductions("bce", zip(x, y).map(LossReference.bce)) { binaryCrossEntropy(probs, targets, reduction: $0) }
    let known = binaryCrossEntropy(probs, targets, reduction: .none).toDoubles()
    expectClose([known[0], known[2], known[4], known[5]], [0.10536051565782628, 0.6931471805599453, 100, 0], tolerance: 1e-13)
    // A weight per column, broadcast over the rows.
    let w: [Double] = [0.5, 2, 1]
    let weighted = zip(x, y).enumerated().map { i, p in w[i % 3] * LossReference.bce(p.0, p.1) }
    expectReductions("bce weighted", weighted) {
      binaryCrossEntropy(probs, targets, weight: Tensor(w, shape: [3], dtype: .float64), reduction: $0)
    }
  }

  @Test func binaryCrossEntropyGradients() {
    let x = lossValues(12, seed: 1).map { Swift.min(Swift.max(LossReference.sigmoid($0), 0.05), 0.95) }
    let y = lossValues(12, seed: 2).map(LossReference.sigmoid)   // soft targets, differentiable too
    let probs = lossLeaf(x, [4, 3]), targets = lossLeaf(y, [4, 3])
    #expect(!probs.isContiguous)
    expectGradients("bce", [probs, targets]) { binaryCrossEntropy($0[0], $0[1]) }
    let w = Tensor([0.5, 2, 1], dtype: .float64)
    expectGradients("bce weighted, sum", [probs, targets]) { binaryCrossEntropy($0[0], $0[1], weight: w, reduction: .sum) }
    let row = lossLeaf(Array(x.prefix(3)), [1, 3])
    expectGradients("bce broadcast", [row]) { binaryCrossEntropy($0[0].expanded([4, 3]), targets.detached(), reduction: .none) }
    // On the boundary PyTorch's gradient (x − y)/max(x(1 − x), 10⁻¹²) is huge but finite.
    let edge = Tensor([0.0, 1], dtype: .float64).requiringGrad()
    binaryCrossEntropy(edge, Tensor([1.0, 0], dtype: .float64), reduction: .sum).backward()
    expectClose(edge.grad!.toDoubles().map { $0 / 1e12 }, [-1, 1], tolerance: 1e-9)
  }

  @Test func binaryCrossEntropyWithLogitsMatchesItsDefinition() {
    let x = lossValues(8, seed: 3, scale: 3), y: [Double] = [1, 0, 0.25, 1, 0, 1, 0.5, 0]
    let logits = Tensor(x, shape: [2, 4], dtype: .float64), targets = Tensor(y, shape: [2, 4], dtype: .float64)
    expectReductions("bce logits", zip(x, y).map { LossReference.bceWithLogits($0, $1) }) {
      binaryCrossEntropyWithLogits(logits, targets, reduction: $0)
    }
    // The same as binaryCrossEntropy after a sigmoid.
    expectClose(binaryCrossEntropyWithLogits(logits, targets, reduction: .none).toDoubles(),
                binaryCrossEntropy(logits.sigmoid(), targets, reduction: .none).toDoubles(), tolerance: 1e-12)
    // posWeight per class (last axis) and weight per row.
    let pw: [Double] = [1, 3, 0.5, 2], w: [Double] = [2, 0.5]
    let expected = x.indices.map { i in w[i / 4] * LossReference.bceWithLogits(x[i], y[i], posWeight: pw[i % 4]) }
    expectReductions("bce logits posWeight", expected) {
      binaryCrossEntropyWithLogits(logits, targets, weight: Tensor(w, shape: [2, 1], dtype: .float64),
                                   posWeight: Tensor(pw, shape: [4], dtype: .float64), reduction: $0)
    }
    // Logit 0 costs log 2 whatever the target; posWeight 3 triples the positive part.
    let zero = Tensor([0.0, 0, 0], dtype: .float64)
    let known = binaryCrossEntropyWithLogits(zero, Tensor([1.0, 0, 0.5], dtype: .float64), posWeight: Tensor([3.0], dtype: .float64),
                                             reduction: .none).toDoubles()
    expectClose(known, [2.0794415416798357, 0.6931471805599453, 1.3862943611198906], tolerance: 1e-13)
    // float32 in, float32 out.
    #expect(binaryCrossEntropyWithLogits(logits.float(), targets.float()).dtype == .float32)
  }

  @Test func binaryCrossEntropyWithLogitsIsStableAtHugeLogits() {
    let logits = Tensor([1000.0, -1000, 1000, -1000], dtype: .float64).requiringGrad()
    let targets = Tensor([1.0, 0, 0, 1], dtype: .float64)
    let losses = binaryCrossEntropyWithLogits(logits, targets, reduction: .none)
    #expect(losses.toDoubles() == [0, 0, 1000, 1000])
    binaryCrossEntropyWithLogits(logits, targets, reduction: .sum).backward()
    #expect(logits.grad!.toDoubles() == [0, 0, 1, -1])   // σ(x) − y
    // float32 too, and with posWeight: gradient (1 + (p − 1)y)σ(x) − p·y.
    let l32 = Tensor([1000.0, -1000], dtype: .float32).requiringGrad()
    let loss32 = binaryCrossEntropyWithLogits(l32, Tensor([0.0, 1]), posWeight: Tensor([2.0]), reduction: .sum)
    loss32.backward()
    #expect(loss32.item() == 3000 && l32.grad!.toDoubles() == [1, -2])
  }

  @Test func binaryCrossEntropyWithLogitsGradients() {
    let logits = lossLeaf(lossValues(12, seed: 4, scale: 2), [4, 3])
    let targets = lossLeaf(lossValues(12, seed: 5).map(LossReference.sigmoid), [4, 3])
    let posWeight = Tensor([0.5, 2, 3], dtype: .float64).requiringGrad()
    let weight = Tensor([1.5, 0.5, 1], dtype: .float64)
    expectGradients("bce logits", [logits, targets]) { binaryCrossEntropyWithLogits($0[0], $0[1]) }
    expectGradients("bce logits posWeight", [logits, targets, posWeight]) {
      binaryCrossEntropyWithLogits($0[0], $0[1], weight: weight, posWeight: $0[2], reduction: .none)
    }
    let row = lossLeaf(lossValues(3, seed: 6, scale: 2), [1, 3])
    expectGradients("bce logits broadcast", [row]) { binaryCrossEntropyWithLogits($0[0].expanded([4, 3]), targets.detached(), reduction: .sum) }
    let second = gradgradCheck({ binaryCrossEntropyWithLogits($0[0], targets.detached(), posWeight: posWeight.detached()) }, inputs: [logits])
    #expect(second.passed, "second order: \(second)")
  }

  // MARK: KL divergence

  @Test func klDivergenceMatchesItsDefinition() {
    // Rows of log-probabilities and of target probabilities, one target 0.
    let logp = logSoftmax(Tensor(lossValues(8, seed: 7), shape: [2, 4], dtype: .float64), axis: 1)
    let q: [Double] = [0.1, 0.2, 0.3, 0.4, 0, 0.5, 0.25, 0.25]
    let target = Tensor(q, shape: [2, 4], dtype: .float64)
    let terms = zip(logp.toDoubles(), q).map(LossReference.kl)
    expectClose(klDivLoss(logp, target, reduction: .none).toDoubles(), terms, tolerance: 1e-13)
    let total = terms.reduce(0, +)
    #expect(Swift.abs(klDivLoss(logp, target, reduction: .sum).item() - total) < 1e-14)
    #expect(Swift.abs(klDivLoss(logp, target).item() - total / 8) < 1e-14)
    #expect(Swift.abs(klDivLoss(logp, target, reduction: .batchmean).item() - total / 2) < 1e-14)
    // Log targets give the same terms…
    let logTarget = Tensor(q.map { $0 == 0 ? -Double.infinity : Foundation.log($0) }, shape: [2, 4], dtype: .float64)
    // …except where the target is 0: e^{−∞}·(−∞ − x) = 0·(−∞) is NaN, in PyTorch as here.
    var viaLogs = klDivLoss(logp, logTarget, reduction: .none, logTarget: true).toDoubles()
    #expect(viaLogs[4].isNaN)
    viaLogs[4] = terms[4]
    expectClose(viaLogs, terms, tolerance: 1e-13)
    // KL([½, ½] ‖ [¼, ¾]) = ½·log 2 + ½·log ⅔ = ½·log(4/3); and KL(p ‖ p) = 0.
    let half = Tensor([[0.5, 0.5]], dtype: .float64)
    let known = klDivLoss(Tensor([[0.25, 0.75]], dtype: .float64).log(), half, reduction: .batchmean).item()
    #expect(Swift.abs(known - 0.14384103622589042) < 1e-13)
    #expect(klDivLoss(half.log(), half, reduction: .sum).item() == 0)
  }

  @Test func klDivergenceGradients() {
    let input = lossLeaf(lossValues(12, seed: 8), [4, 3])
    let target = lossLeaf(lossValues(12, seed: 9).map(LossReference.sigmoid), [4, 3])   // positive, so log t is smooth
    expectGradients("kl", [input, target]) { klDivLoss($0[0], $0[1], reduction: .batchmean) }
    expectGradients("kl log target", [input, target]) { klDivLoss($0[0], $0[1], reduction: .none, logTarget: true) }
    let row = lossLeaf(lossValues(3, seed: 10), [1, 3])
    expectGradients("kl broadcast", [row]) { klDivLoss($0[0].expanded([4, 3]), target.detached()) }
    // A zero target contributes nothing, in the value and in both gradients (no NaN).
    let x = Tensor([-1.0, -2], dtype: .float64).requiringGrad(), t = Tensor([0.0, 1], dtype: .float64).requiringGrad()
    klDivLoss(x, t, reduction: .sum).backward()
    // ∂/∂x = −t; ∂/∂t = log t + 1 − x, whose t·log t part is 0 at t = 0.
    #expect(x.grad!.toDoubles() == [0, -1] && t.grad!.toDoubles() == [1, 3])
  }

  // MARK: Pairs and rankings

  @Test func marginRankingLossMatchesItsDefinition() {
    let a = lossValues(6, seed: 11), b = lossValues(6, seed: 12), y: [Double] = [1, -1, 1, 1, -1, -1]
    let (x1, x2, labels) = (Tensor(a, shape: [6], dtype: .float64), Tensor(b, shape: [6], dtype: .float64), Tensor(y, shape: [6], dtype: .float64))
    for margin in [0.0, 0.5] {
      let expected = a.indices.map { LossReference.marginRanking(a[$0], b[$0], y[$0], margin) }
      expectReductions("marginRanking \(margin)", expected) { marginRankingLoss(x1, x2, labels, margin: margin, reduction: $0) }
    }
    // x₁ = 1 should beat x₂ = 3 by 0.5: it misses by 2.5. With y = −1 it is already below: 0.
    let known = marginRankingLoss(Tensor([1.0, 1]), Tensor([3.0, 3]), Tensor([1.0, -1]), margin: 0.5, reduction: .none)
    #expect(known.toDoubles() == [2.5, 0])
  }

  @Test func marginRankingLossGradients() {
    let a = lossValues(12, seed: 13), b = lossValues(12, seed: 14), y = lossValues(12, seed: 15).map { $0 > 0 ? 1.0 : -1 }
    expectAwayFromKinks(a.indices.map { -y[$0] * (a[$0] - b[$0]) + 0.5 })
    let labels = Tensor(y, shape: [4, 3], dtype: .float64)
    expectGradients("marginRanking", [lossLeaf(a, [4, 3]), lossLeaf(b, [4, 3])]) { marginRankingLoss($0[0], $0[1], labels, margin: 0.5) }
    // x₂ one row [1, 3] broadcast against every row of x₁.
    let row = Array(b.prefix(3))
    expectAwayFromKinks(a.indices.map { -y[$0] * (a[$0] - row[$0 % 3]) + 0.5 })
    expectGradients("marginRanking broadcast", [lossLeaf(a, [4, 3]), lossLeaf(row, [1, 3])]) {
      marginRankingLoss($0[0], $0[1].expanded([4, 3]), labels, margin: 0.5, reduction: .sum)
    }
  }

  @Test func hingeEmbeddingLossMatchesItsDefinition() {
    let x: [Double] = [0.3, 0.3, 2, -0.5, 0.4, 1.5], y: [Double] = [1, -1, -1, -1, 0, 1]   // y = 0: both terms, as PyTorch
    let input = Tensor(x, shape: [2, 3], dtype: .float64), target = Tensor(y, shape: [2, 3], dtype: .float64)
    for margin in [1.0, 0.25] {
      expectReductions("hingeEmbedding \(margin)", zip(x, y).map { LossReference.hingeEmbedding($0, $1, margin) }) {
        hingeEmbeddingLoss(input, target, margin: margin, reduction: $0)
      }
    }
    expectClose(hingeEmbeddingLoss(input, target, reduction: .none).toDoubles(), [0.3, 0.7, 0, 1.5, 0.4 + 0.6, 1.5], tolerance: 1e-13)
    // Integer targets work too.
    #expect(hingeEmbeddingLoss(input, Tensor(y.map { Int64($0) }, shape: [2, 3]), reduction: .sum).item()
            == hingeEmbeddingLoss(input, target, reduction: .sum).item())
  }

  @Test func hingeEmbeddingLossGradients() {
    let x = lossValues(12, seed: 16, scale: 1.5).map(Swift.abs), y = lossValues(12, seed: 17).map { $0 > 0 ? 1.0 : -1 }
    expectAwayFromKinks(x.map { 1 - $0 })
    let target = Tensor(y, shape: [4, 3], dtype: .float64)
    expectGradients("hingeEmbedding", [lossLeaf(x, [4, 3])]) { hingeEmbeddingLoss($0[0], target) }
    let row = Array(x.prefix(3))
    expectGradients("hingeEmbedding broadcast", [lossLeaf(row, [1, 3])]) { hingeEmbeddingLoss($0[0].expanded([4, 3]), target, reduction: .none) }
  }

  @Test func cosineEmbeddingLossMatchesItsDefinition() {
    let a = lossRows(lossValues(12, seed: 18), columns: 3), b = lossRows(lossValues(12, seed: 19), columns: 3)
    let y: [Double] = [1, -1, -1, 1]
    let x1 = Tensor(a.flatMap { $0 }, shape: [4, 3], dtype: .float64), x2 = Tensor(b.flatMap { $0 }, shape: [4, 3], dtype: .float64)
    for margin in [0.0, -0.2] {
      let expected = a.indices.map { LossReference.cosineEmbedding(a[$0], b[$0], y[$0], margin) }
      expectReductions("cosineEmbedding \(margin)", expected) {
        cosineEmbeddingLoss(x1, x2, Tensor(y, shape: [4], dtype: .float64), margin: margin, reduction: $0)
      }
    }
    // cos([1, 0], [1, 1]) = 1/√2: y = 1 costs 1 − 1/√2; y = −1 with margin ½ costs 1/√2 − ½. One pair: a scalar.
    let u = Tensor([1.0, 0], dtype: .float64), v = Tensor([1.0, 1], dtype: .float64)
    #expect(Swift.abs(cosineEmbeddingLoss(u, v, Tensor(1.0, dtype: .float64)).item() - 0.29289321881345254) < 1e-12)
    #expect(Swift.abs(cosineEmbeddingLoss(u, v, Tensor(-1.0, dtype: .float64), margin: 0.5).item() - 0.20710678118654746) < 1e-12)
    // A zero vector gives cos = 0, not NaN.
    #expect(cosineEmbeddingLoss(Tensor([[0.0, 0]]), Tensor([[1.0, 2]]), Tensor([1.0])).item() == 1)
  }

  @Test func cosineEmbeddingLossGradients() {
    let a = lossValues(15, seed: 20), b = lossValues(15, seed: 21), y: [Double] = [1, -1, -1, 1, -1]
    let rowsA = lossRows(a, columns: 3), rowsB = lossRows(b, columns: 3)
    expectAwayFromKinks(rowsA.indices.map { LossReference.cosine(rowsA[$0], rowsB[$0]) + 0.1 })
    let labels = Tensor(y, shape: [5], dtype: .float64)
    expectGradients("cosineEmbedding", [lossLeaf(a, [5, 3]), lossLeaf(b, [5, 3])]) {
      cosineEmbeddingLoss($0[0], $0[1], labels, margin: -0.1)
    }
    let row = Array(b.prefix(3))
    expectAwayFromKinks(rowsA.map { LossReference.cosine($0, row) + 0.1 })
    expectGradients("cosineEmbedding broadcast", [lossLeaf(a, [5, 3]), lossLeaf(row, [1, 3])]) {
      cosineEmbeddingLoss($0[0], $0[1].expanded([5, 3]), labels, margin: -0.1, reduction: .none)
    }
  }

  // MARK: Soft margins

  @Test func softMarginLossMatchesItsDefinition() {
    let x = lossValues(6, seed: 22, scale: 2), y: [Double] = [1, -1, -1, 1, 1, -1]
    let input = Tensor(x, shape: [3, 2], dtype: .float64), target = Tensor(y, shape: [3, 2], dtype: .float64)
    expectReductions("softMargin", zip(x, y).map(LossReference.softMargin)) { softMarginLoss(input, target, reduction: $0) }
    // log(1 + e⁰) = log 2; log(1 + e⁻²); and no overflow where e^{−yx} would be e¹⁰⁰⁰.
    let known = softMarginLoss(Tensor([0.0, 2, 2, -1000], dtype: .float64), Tensor([1.0, 1, -1, 1], dtype: .float64), reduction: .none)
    expectClose(known.toDoubles(), [0.6931471805599453, 0.1269280110429725, 2.1269280110429727, 1000], tolerance: 1e-12)
  }

  @Test func multiLabelSoftMarginLossMatchesItsDefinition() {
    let x = lossRows(lossValues(12, seed: 23, scale: 2), columns: 4)
    let y: [[Double]] = [[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 0, 1]]
    let input = Tensor(x.flatMap { $0 }, shape: [3, 4], dtype: .float64), target = Tensor(y.flatMap { $0 }, shape: [3, 4], dtype: .float64)
    expectReductions("multiLabelSoftMargin", x.indices.map { LossReference.multiLabelSoftMargin(x[$0], y[$0], nil) }) {
      multiLabelSoftMarginLoss(input, target, reduction: $0)
    }
    let w: [Double] = [1, 2, 0.5, 3]
    expectReductions("multiLabelSoftMargin weighted", x.indices.map { LossReference.multiLabelSoftMargin(x[$0], y[$0], w) }) {
      multiLabelSoftMarginLoss(input, target, weight: Tensor(w, shape: [4], dtype: .float64), reduction: $0)
    }
    // Scores 0 cost log 2 per class, so log 2 per example; one example [C] gives a scalar.
    let zero = multiLabelSoftMarginLoss(Tensor([0.0, 0, 0], dtype: .float64), Tensor([1.0, 0, 1], dtype: .float64), reduction: .none)
    #expect(zero.shape == [] && Swift.abs(zero.item() - 0.6931471805599453) < 1e-13)
  }

  @Test func softMarginGradients() {
    let x = lossValues(12, seed: 24, scale: 2), y = lossValues(12, seed: 25).map { $0 > 0 ? 1.0 : -1 }
    let signs = Tensor(y, shape: [4, 3], dtype: .float64), bits = (signs + 1) / 2
    let w = Tensor([0.5, 1, 2], dtype: .float64)
    expectGradients("softMargin", [lossLeaf(x, [4, 3])]) { softMarginLoss($0[0], signs) }
    expectGradients("multiLabelSoftMargin", [lossLeaf(x, [4, 3])]) { multiLabelSoftMarginLoss($0[0], bits, weight: w, reduction: .none) }
    let row = lossLeaf(Array(x.prefix(3)), [1, 3])
    expectGradients("softMargin broadcast", [row]) { softMarginLoss($0[0].expanded([4, 3]), signs, reduction: .sum) }
    expectGradients("multiLabelSoftMargin broadcast", [row]) { multiLabelSoftMarginLoss($0[0].expanded([4, 3]), bits) }
    let second = gradgradCheck({ multiLabelSoftMarginLoss($0[0], bits) }, inputs: [lossLeaf(x, [4, 3])])
    #expect(second.passed, "second order: \(second)")
  }

  // MARK: Multi-class hinges

  @Test func multiMarginLossMatchesItsDefinition() {
    let x = lossRows(lossValues(15, seed: 26), columns: 5), labels = [4, 0, 2]
    let input = Tensor(x.flatMap { $0 }, shape: [3, 5], dtype: .float64), target = Tensor(labels)
    let w: [Double] = [1, 0.5, 2, 1.5, 3]
    for (p, margin, weight) in [(1, 1.0, nil), (2, 1.0, nil), (1, 0.3, w), (2, 2.0, w)] as [(Int, Double, [Double]?)] {
      let expected = x.indices.map { LossReference.multiMargin(x[$0], labels[$0], p: p, margin: margin, weight) }
      expectReductions("multiMargin p \(p) margin \(margin) weighted \(weight != nil)", expected) {
        multiMarginLoss(input, target, p: p, margin: margin, weight: weight.map { Tensor($0, dtype: .float64) }, reduction: $0)
      }
    }
    // PyTorch's documented example: (0.3 + 0.4 + 0.6)/4 = 0.325, for a batch of one and for one [C] row.
    let scores = Tensor([[0.1, 0.2, 0.4, 0.8]], dtype: .float64)
    #expect(Swift.abs(multiMarginLoss(scores, Tensor([3])).item() - 0.325) < 1e-12)
    let single = multiMarginLoss(scores[0], Tensor(Int64(3)), reduction: .none)
    #expect(single.shape == [] && Swift.abs(single.item() - 0.325) < 1e-12)
    // p = 2 squares each hinge (0.09 + 0.16 + 0.36)/4; a class weight multiplies after the power.
    #expect(Swift.abs(multiMarginLoss(scores, Tensor([3]), p: 2).item() - 0.1525) < 1e-12)
    #expect(Swift.abs(multiMarginLoss(scores, Tensor([3]), p: 2, weight: Tensor([1.0, 1, 1, 2], dtype: .float64)).item() - 0.305) < 1e-12)
  }

  @Test func multiLabelMarginLossMatchesItsDefinition() {
    let x = lossRows(lossValues(15, seed: 27), columns: 5)
    let labels = [[3, 0, -1, 1, 1], [2, -1, 0, 0, 0], [0, 1, 2, 3, 4], [4, 4, 1, -1, 2]]   // the last repeats a class, as PyTorch counts
    let rows = Array(x.prefix(3)) + [x[0]]
    let input = Tensor(rows.flatMap { $0 }, shape: [4, 5], dtype: .float64)
    let target = Tensor(labels.flatMap { $0.map(Int64.init) }, shape: [4, 5])
    expectReductions("multiLabelMargin", rows.indices.map { LossReference.multiLabelMargin(rows[$0], labels[$0]) }) {
      multiLabelMarginLoss(input, target, reduction: $0)
    }
    // PyTorch's documented example: targets {3, 0} against the others {1, 2}:
    // (0.4 + 0.6 + 1.1 + 1.3)/4 = 0.85.
    let scores = Tensor([[0.1, 0.2, 0.4, 0.8]], dtype: .float64)
    #expect(Swift.abs(multiLabelMarginLoss(scores, Tensor([[3, 0, -1, 1]])).item() - 0.85) < 1e-12)
    let single = multiLabelMarginLoss(scores[0], Tensor([3, 0, -1, 1]), reduction: .none)
    #expect(single.shape == [] && Swift.abs(single.item() - 0.85) < 1e-12)
  }

  @Test func multiClassHingeGradients() {
    let x = lossValues(15, seed: 28), labels = [4, 0, 2]
    let rows = lossRows(x, columns: 5)
    // Every pair's hinge 1 − x_j + x_i (a superset of both losses' hinges, margin 1) away from 0.
    func pairs(_ row: [Double]) -> [Double] { row.flatMap { xj in row.map { 1 - xj + $0 } } }
    expectAwayFromKinks(rows.flatMap(pairs))
    let target = Tensor(labels), weight = Tensor([1, 0.5, 2, 1.5, 3], dtype: .float64)
    for p in [1, 2] {
      expectGradients("multiMargin p \(p)", [lossLeaf(x, [3, 5])]) { multiMarginLoss($0[0], target, p: p, weight: weight) }
    }
    let multi = Tensor([[3, 0, -1, 1, 1], [2, -1, 0, 0, 0], [0, 1, 2, 3, 4]])
    expectGradients("multiLabelMargin", [lossLeaf(x, [3, 5])]) { multiLabelMarginLoss($0[0], multi, reduction: .none) }
    // One row [1, 5] broadcast to the batch.
    let row = Array(x.prefix(5))
    expectAwayFromKinks(pairs(row))
    expectGradients("multiMargin broadcast", [lossLeaf(row, [1, 5])]) { multiMarginLoss($0[0].expanded([3, 5]), target, p: 2) }
    expectGradients("multiLabelMargin broadcast", [lossLeaf(row, [1, 5])]) { multiLabelMarginLoss($0[0].expanded([3, 5]), multi) }
  }

  // MARK: Triplets

  @Test func tripletMarginLossMatchesItsDefinition() {
    let a = lossRows(lossValues(12, seed: 29), columns: 3), pos = lossRows(lossValues(12, seed: 30), columns: 3)
    let neg = lossRows(lossValues(12, seed: 31), columns: 3)
    func tensor(_ rows: [[Double]]) -> Tensor { Tensor(rows.flatMap { $0 }, shape: [rows.count, 3], dtype: .float64) }
    for (margin, p, eps, swap) in [(1.0, 2.0, 1e-6, false), (0.5, 1.0, 1e-6, false), (2.0, 3.0, 0.0, true), (1.0, 2.0, 1e-3, true)] {
      let expected = a.indices.map { LossReference.triplet(a[$0], pos[$0], neg[$0], margin: margin, p: p, eps: eps, swap: swap) }
      expectReductions("triplet margin \(margin) p \(p) swap \(swap)", expected) {
        tripletMarginLoss(tensor(a), tensor(pos), tensor(neg), margin: margin, p: p, eps: eps, swap: swap, reduction: $0)
      }
    }
    // a = 0, p = (3, 4), n = (0, 1): 1 + 5 − 1 = 5 (7 − 1 + 1 = 7 in the 1-norm).
    let origin = Tensor([0.0, 0], dtype: .float64), p = Tensor([3.0, 4], dtype: .float64)
    #expect(tripletMarginLoss(origin, p, Tensor([0.0, 1], dtype: .float64), eps: 0).item() == 5)
    #expect(tripletMarginLoss(origin, p, Tensor([0.0, 1], dtype: .float64), p: 1, eps: 0).item() == 7)
    // n = (3, 3) is far from a (√18) but 1 from p: swapping uses the nearer, 1 + 5 − 1 = 5.
    let far = Tensor([3.0, 3], dtype: .float64)
    #expect(Swift.abs(tripletMarginLoss(origin, p, far, eps: 0).item() - (6 - 4.242640687119285)) < 1e-14)
    #expect(tripletMarginLoss(origin, p, far, eps: 0, swap: true).item() == 5)
  }

  @Test func tripletMarginLossGradients() {
    let a = lossValues(12, seed: 32), pos = lossValues(12, seed: 33), neg = lossValues(12, seed: 34)
    let (ra, rp, rn) = (lossRows(a, columns: 3), lossRows(pos, columns: 3), lossRows(neg, columns: 3))
    func d(_ x: [Double], _ y: [Double], _ p: Double) -> Double { LossReference.distance(x, y, p: p, eps: 1e-6) }
    for (p, swap) in [(2.0, false), (1.0, false), (3.0, true)] {
      // The hinge, and for swap the choice between the two negative distances, away from their kinks.
      expectAwayFromKinks(ra.indices.map { n in
        1 + d(ra[n], rp[n], p) - (swap ? Swift.min(d(ra[n], rn[n], p), d(rp[n], rn[n], p)) : d(ra[n], rn[n], p))
      })
      if swap { expectAwayFromKinks(ra.indices.map { d(ra[$0], rn[$0], p) - d(rp[$0], rn[$0], p) }) }
      expectGradients("triplet p \(p) swap \(swap)", [lossLeaf(a, [4, 3]), lossLeaf(pos, [4, 3]), lossLeaf(neg, [4, 3])]) {
        tripletMarginLoss($0[0], $0[1], $0[2], p: p, swap: swap, reduction: .none)
      }
    }
    // One anchor [1, 3] shared by every triplet.
    let anchor = Array(a.prefix(3))
    expectAwayFromKinks(rp.indices.map { 1 + d(anchor, rp[$0], 2) - d(anchor, rn[$0], 2) })
    expectGradients("triplet broadcast anchor", [lossLeaf(anchor, [1, 3]), lossLeaf(pos, [4, 3]), lossLeaf(neg, [4, 3])]) {
      tripletMarginLoss($0[0].expanded([4, 3]), $0[1], $0[2])
    }
  }

  // MARK: Loss objects

  @Test func lossObjectsCallTheirFunctions() {
    let g = Generator(seed: 35)
    let x = Tensor.randn([4, 3], dtype: .float64, generator: g), z = Tensor.randn([4, 3], dtype: .float64, generator: g)
    let w = Tensor.randn([4, 3], dtype: .float64, generator: g)
    let probs = x.sigmoid(), soft = z.sigmoid(), signs = (w .> 0).to(.float64) * 2 - 1, bits = (signs + 1) / 2
    let classes = Tensor([2, 0, 1, 2]), classWeight = Tensor([0.5, 2, 1], dtype: .float64)
    let logp = logSoftmax(x, axis: 1), rowSigns = Tensor([1.0, -1, -1, 1], dtype: .float64)
    let multi = Tensor([[2, 0, -1], [1, -1, 0], [0, 1, 2], [-1, 0, 0]])
    let cases: [(String, Tensor, Tensor)] = [
      ("MSELoss", MSELoss(reduction: .sum)(x, z), mseLoss(x, z, reduction: .sum)),
      ("L1Loss", L1Loss()(x, z), l1Loss(x, z)),
      ("SmoothL1Loss", SmoothL1Loss(beta: 0.5, reduction: .none)(x, z), smoothL1Loss(x, z, beta: 0.5, reduction: .none)),
      ("HuberLoss", HuberLoss(delta: 0.7)(x, z), huberLoss(x, z, delta: 0.7)),
      ("PoissonNLLLoss", PoissonNLLLoss(logInput: false, full: true, reduction: .sum)(probs, z.abs() * 3),
       poissonNLLLoss(probs, z.abs() * 3, logInput: false, full: true, reduction: .sum)),
      ("CrossEntropyLoss", CrossEntropyLoss(weight: classWeight, labelSmoothing: 0.1)(x, classes),
       crossEntropy(logits: x, targets: classes, weight: classWeight, labelSmoothing: 0.1)),
      ("CrossEntropyLoss ignore", CrossEntropyLoss(ignoreIndex: 0, reduction: .none)(x, classes),
       crossEntropy(logits: x, targets: classes, ignoreIndex: 0, reduction: .none)),
      ("NLLLoss", NLLLoss(weight: classWeight, ignoreIndex: 1)(logp, classes), nllLoss(logp, targets: classes, weight: classWeight, ignoreIndex: 1)),
      ("BCELoss", BCELoss(weight: classWeight, reduction: .sum)(probs, soft), binaryCrossEntropy(probs, soft, weight: classWeight, reduction: .sum)),
      ("BCEWithLogitsLoss", BCEWithLogitsLoss(weight: classWeight, posWeight: classWeight * 2)(x, soft),
       binaryCrossEntropyWithLogits(x, soft, weight: classWeight, posWeight: classWeight * 2)),
      ("KLDivLoss", KLDivLoss(reduction: .batchmean)(logp, soft), klDivLoss(logp, soft, reduction: .batchmean)),
      ("KLDivLoss log target", KLDivLoss(logTarget: true)(logp, z), klDivLoss(logp, z, logTarget: true)),
      ("MarginRankingLoss", MarginRankingLoss(margin: 0.3)(x, z, signs), marginRankingLoss(x, z, signs, margin: 0.3)),
      ("HingeEmbeddingLoss", HingeEmbeddingLoss(margin: 0.5, reduction: .none)(x, signs), hingeEmbeddingLoss(x, signs, margin: 0.5, reduction: .none)),
      ("CosineEmbeddingLoss", CosineEmbeddingLoss(margin: 0.2)(x, z, rowSigns), cosineEmbeddingLoss(x, z, rowSigns, margin: 0.2)),
      ("SoftMarginLoss", SoftMarginLoss(reduction: .sum)(x, signs), softMarginLoss(x, signs, reduction: .sum)),
      ("MultiLabelSoftMarginLoss", MultiLabelSoftMarginLoss(weight: classWeight)(x, bits), multiLabelSoftMarginLoss(x, bits, weight: classWeight)),
      ("MultiMarginLoss", MultiMarginLoss(p: 2, margin: 0.5, weight: classWeight)(x, classes),
       multiMarginLoss(x, classes, p: 2, margin: 0.5, weight: classWeight)),
      ("MultiLabelMarginLoss", MultiLabelMarginLoss(reduction: .none)(x, multi), multiLabelMarginLoss(x, multi, reduction: .none)),
      ("TripletMarginLoss", TripletMarginLoss(margin: 2, p: 1, swap: true)(x, z, w), tripletMarginLoss(x, z, w, margin: 2, p: 1, swap: true)),
    ]
    for (name, viaObject, viaFunction) in cases {
      #expect(viaObject.shape == viaFunction.shape && viaObject.toDoubles() == viaFunction.toDoubles(), "\(name)")
    }
    // Settings are plain stored properties, changed like any other.
    var lossFn = CrossEntropyLoss(labelSmoothing: 0.1)
    lossFn.reduction = .sum
    #expect(lossFn(x, classes).item() == crossEntropy(logits: x, targets: classes, labelSmoothing: 0.1, reduction: .sum).item())
    // Gradients flow through an object as through the function.
    let leaf = lossLeaf(x.toDoubles(), [4, 3])
    expectGradients("TripletMarginLoss object", [leaf]) { TripletMarginLoss()($0[0], z, w) }
  }

  // MARK: Mistakes stop with the op and the shapes

  @Test func mismatchedShapesNameTheOpAndBothShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = binaryCrossEntropyWithLogits(Tensor.zeros([2, 3]), Tensor.zeros([3, 2]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("binaryCrossEntropyWithLogits") && text.contains("[2, 3]") && text.contains("[3, 2]"), "\(text)")
  }

  @Test func mismatchedTripletNamesEveryShape() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = tripletMarginLoss(Tensor.zeros([4, 3]), Tensor.zeros([4, 3]), Tensor.zeros([4, 2]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("tripletMarginLoss") && text.contains("negative [4, 2]") && text.contains("anchor [4, 3]"), "\(text)")
  }
}
