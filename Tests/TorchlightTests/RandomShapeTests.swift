import Testing
@testable import Torchlight

/// Ops on shapes drawn at random (seeded): broadcasting pairs, reductions over random axes and
/// matmuls with random batch axes, each against the plain reference.
@Suite("Random shapes") struct RandomShapeTests {
  /// A random shape of rank 0…4 with sizes 1…4, and a second shape that broadcasts with it
  /// (each axis kept, set to 1, or dropped from the front).
  static func broadcastPair(_ g: Generator) -> ([Int], [Int]) {
    func draw(_ n: Int) -> Int { Int(Tensor.randint(0, n, [1], generator: g).item()) }
    let a = (0..<draw(5)).map { _ in 1 + draw(4) }
    var b = a.map { draw(3) == 0 ? 1 : $0 }
    b.removeFirst(min(draw(2), b.count))
    return draw(2) == 0 ? (a, b) : (b, a)
  }

  @Test("binary ops on random broadcasting shapes", arguments: 0..<25)
  func binaryOps(_ trial: Int) {
    let g = Generator(seed: UInt64(100 + trial))
    let (sa, sb) = Self.broadcastPair(g)
    let layout = TestLayout.allCases[trial % 4]
    let a = sample(sa, layout, seed: UInt64(trial), dtype: .float64), b = sample(sb, .contiguous, seed: UInt64(trial + 50), dtype: .float64)
    let out = referenceBroadcast(sa, sb)
    let va = a.toDoubles(), vb = b.toDoubles()
    let sum = a + b, product = a * b
    #expect(sum.shape == out && product.shape == out, "\(sa) with \(sb)")
    let expectedSum = indices(of: out).map { broadcastValue(va, sa, at: $0) + broadcastValue(vb, sb, at: $0) }
    let expectedProduct = indices(of: out).map { broadcastValue(va, sa, at: $0) * broadcastValue(vb, sb, at: $0) }
    expectClose(sum.toDoubles(), expectedSum, tolerance: 1e-12, "\(sa) + \(sb) \(layout)")
    expectClose(product.toDoubles(), expectedProduct, tolerance: 1e-12, "\(sa) * \(sb) \(layout)")
  }

  @Test("reductions over random axes of random shapes", arguments: 0..<25)
  func reductions(_ trial: Int) {
    let g = Generator(seed: UInt64(200 + trial))
    func draw(_ n: Int) -> Int { Int(Tensor.randint(0, n, [1], generator: g).item()) }
    let shape = (0..<(1 + draw(4))).map { _ in 1 + draw(4) }
    let axes = (0..<shape.count).filter { _ in draw(2) == 0 }
    let chosen = axes.isEmpty ? [shape.count - 1] : axes
    let keep = draw(2) == 0
    let x = sample(shape, TestLayout.allCases[trial % 4], seed: UInt64(trial), dtype: .float64)
    let v = x.toDoubles()
    let sum = referenceReduce(v, shape, axes: chosen, keepDims: keep) { $0.reduce(0, +) }
    let maximum = referenceReduce(v, shape, axes: chosen, keepDims: keep) { $0.max()! }
    #expect(x.sum(axes: chosen, keepDims: keep).shape == sum.shape)
    expectClose(x.sum(axes: chosen, keepDims: keep).toDoubles(), sum.values, tolerance: 1e-12, "sum \(shape) over \(chosen)")
    expectClose(x.amax(axes: chosen, keepDims: keep).toDoubles(), maximum.values, tolerance: 0, "amax \(shape) over \(chosen)")
  }

  @Test("matmul with random batch shapes", arguments: 0..<15)
  func matmul(_ trial: Int) {
    let g = Generator(seed: UInt64(300 + trial))
    func draw(_ n: Int) -> Int { Int(Tensor.randint(0, n, [1], generator: g).item()) }
    let (batchA, batchB) = Self.broadcastPair(g)
    let m = 1 + draw(4), k = 1 + draw(4), n = 1 + draw(4)
    let a = sample(Array(batchA.suffix(2)) + [m, k], TestLayout.allCases[trial % 4], seed: UInt64(trial), dtype: .float64)
    let b = sample(Array(batchB.suffix(2)) + [k, n], TestLayout.allCases[(trial + 1) % 4], seed: UInt64(trial + 7), dtype: .float64)
    let expected = referenceMatmul(a, b)
    let c = a.matmul(b)
    #expect(c.shape == expected.shape, "\(a.shape)·\(b.shape)")
    expectClose(c.toDoubles(), expected.values, tolerance: 1e-12, "\(a.shape)·\(b.shape)")
  }
}
