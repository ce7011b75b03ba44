import Foundation
import Testing
@testable import TorchlightNN

/// How a fused-attention test input sits in memory. `heads` and `swapped` are read by BLAS in
/// place (row stride ≠ features, or column-major matrices); `transposed` and `strided` have no
/// unit stride in their last two axes and are copied first.
enum FusedLayout: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case contiguous, heads, swapped, transposed, strided
  var testDescription: String { rawValue }
}

/// A float64 leaf [N, H, R, C] with seeded values, laid out as `layout`.
func fusedLeaf(_ shape: [Int], _ layout: FusedLayout, seed: UInt64) -> Tensor {
  let values = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
  switch layout {
  case .contiguous: return values.detached().requiringGrad()
  case .transposed: return attentionLeaf(shape, .transposed, seed: seed)
  case .strided: return attentionLeaf(shape, .strided, seed: seed)
  case .heads:
    // [N, R, H, C] memory seen as [N, H, R, C], as MultiheadAttention splits its heads.
    let buffer = values.transposed(1, 2).contiguous()
    return buffer.transposed(1, 2).detached().requiringGrad()
  case .swapped:
    let buffer = values.transposed(-2, -1).contiguous()
    return buffer.transposed(-2, -1).detached().requiringGrad()
  }
}

/// One scaled dot-product attention problem: what to mask and how.
struct AttentionCase: CustomTestStringConvertible, Sendable {
  enum Mask: String, Sendable { case none, causal, bool, deadRows, additive, learnedBias }
  let mask: Mask
  let queries: Int, keys: Int
  var testDescription: String { "\(mask.rawValue) L=\(queries) S=\(keys)" }

  static let all: [AttentionCase] = [
    .init(mask: .none, queries: 5, keys: 6), .init(mask: .causal, queries: 5, keys: 6), .init(mask: .causal, queries: 6, keys: 4),
    .init(mask: .bool, queries: 5, keys: 6), .init(mask: .deadRows, queries: 4, keys: 3), .init(mask: .additive, queries: 5, keys: 6),
    .init(mask: .learnedBias, queries: 3, keys: 4),
  ]

  /// The mask argument (bool: true = takes part), broadcast over some leading axes.
  func maskTensor(heads: Int) -> Tensor? {
    let g = Generator(seed: 77)
    switch mask {
    case .none, .causal: return nil
    case .bool:
      // Every query keeps key 0, so no row is empty; [L, S] broadcast to every head.
      let m = Tensor.rand([queries, keys], dtype: .float64, generator: g) .< 0.6
      return m.logicalOr(Tensor([true] + Array(repeating: false, count: keys - 1)))
    case .deadRows:
      // [N, 1, L, S]: query 1 of example 0 sees nothing.
      var bits = (0..<(2 * queries * keys)).map { ($0 * 7) % 5 != 0 }
      for j in 0..<keys { bits[1 * keys + j] = false }
      return Tensor(bits, shape: [2, 1, queries, keys])
    case .additive:
      let b = Tensor.randn([heads, 1, keys], dtype: .float64, generator: g)
      return b.maskedFill(Tensor.rand([heads, 1, keys], dtype: .float64, generator: g) .< 0.2, with: -.infinity)
    case .learnedBias:
      return Tensor.randn([heads, queries, keys], dtype: .float64, generator: g).requiringGrad()
    }
  }
}

/// A scalar weighing every output differently, so no gradient entry is trivially zero.
func weightedSum(_ y: Tensor, seed: UInt64 = 5) -> Tensor {
  (y * Tensor.randn(y.shape, dtype: y.dtype, generator: Generator(seed: seed))).sum()
}

/// Largest |a − b| over gradients that may be missing on both sides.
func maxGradientDifference(_ a: [Tensor?], _ b: [Tensor?]) -> Double {
  zip(a, b).reduce(0) { worst, pair in
    switch pair {
    case let (x?, y?): return max(worst, maxAbsDifference(x, y))
    case (nil, nil): return worst
    default: return .infinity
    }
  }
}

@Suite("Fused scaled dot-product attention") struct FusedAttentionTests {
  func call(_ c: AttentionCase, _ t: [Tensor], mask: Tensor?, fused: Bool) -> Tensor {
    let m = c.mask == .learnedBias ? t[3] : mask
    return fused
      ? scaledDotProductAttention(t[0], t[1], t[2], mask: m, isCausal: c.mask == .causal)
      : scaledDotProductAttentionReference(t[0], t[1], t[2], mask: m, isCausal: c.mask == .causal)
  }

  /// Outputs and gradients of the fused op and the op-by-op reference agree to rounding, for
  /// every mask kind and every memory layout of the inputs.
  @Test(arguments: AttentionCase.all, FusedLayout.allCases)
  func fusedMatchesTheReference(_ c: AttentionCase, _ layout: FusedLayout) {
    let (n, h, e, ev) = (2, 3, 4, 3)
    let q = fusedLeaf([n, h, c.queries, e], layout, seed: 1)
    let k = fusedLeaf([n, h, c.keys, e], layout, seed: 2)
    let v = fusedLeaf([n, h, c.keys, ev], layout, seed: 3)
    let mask = c.maskTensor(heads: h)
    let inputs = [q, k, v] + (c.mask == .learnedBias ? [mask!] : [])
    let fused = call(c, inputs, mask: mask, fused: true)
    let reference = call(c, inputs, mask: mask, fused: false)
    #expect(fused.shape == [n, h, c.queries, ev])
    #expect(maxAbsDifference(fused, reference) < 1e-12)
    #expect(fused.gradFn?.name == "ScaledDotProductAttentionBackward", "one node for the whole attention")
    let gf = grad(of: weightedSum(fused), with: inputs), gr = grad(of: weightedSum(reference), with: inputs)
    #expect(maxGradientDifference(gf, gr) < 1e-12)
    if c.mask == .deadRows {
      #expect(fused[0, .all, 1].toDoubles().allSatisfy { $0 == 0 }, "a query that sees no key gives 0")
    }
  }

  /// Leading axes broadcast: one key/value set for every example, and a query batch of one.
  @Test func broadcastBatchAxes() {
    let q = fusedLeaf([2, 3, 4, 5], .contiguous, seed: 10)
    let k = attentionLeaf([3, 6, 5], seed: 11), v = attentionLeaf([1, 3, 6, 2], seed: 12)
    let fused = scaledDotProductAttention(q, k, v, isCausal: true)
    let reference = scaledDotProductAttentionReference(q, k, v, isCausal: true)
    #expect(maxAbsDifference(fused, reference) < 1e-12)
    let gf = grad(of: weightedSum(fused), with: [q, k, v]), gr = grad(of: weightedSum(reference), with: [q, k, v])
    #expect(gf[1]?.shape == [3, 6, 5] && gf[2]?.shape == [1, 3, 6, 2])
    #expect(maxGradientDifference(gf, gr) < 1e-12)
    // The same tensor as key and value (self-attention on one input) gets both gradients.
    let x = fusedLeaf([2, 2, 5, 3], .heads, seed: 13)
    let a = grad(of: weightedSum(scaledDotProductAttention(x, x, x)), with: [x])
    let b = grad(of: weightedSum(scaledDotProductAttentionReference(x, x, x)), with: [x])
    #expect(maxGradientDifference(a, b) < 1e-12)
  }

  /// Central differences on the fused op's own (closed-form) backward.
  @Test(arguments: [AttentionCase.Mask.none, .causal, .bool, .additive, .learnedBias])
  func firstOrderGradientsMatchCentralDifferences(_ kind: AttentionCase.Mask) {
    let c = AttentionCase(mask: kind, queries: 3, keys: 4)
    let q = fusedLeaf([1, 2, 3, 2], .heads, seed: 20), k = fusedLeaf([1, 2, 4, 2], .swapped, seed: 21)
    let v = fusedLeaf([1, 2, 4, 3], .contiguous, seed: 22)
    let mask = c.maskTensor(heads: 2)
    let inputs = [q, k, v] + (kind == .learnedBias ? [mask!] : [])
    let result = gradientCheck({ call(c, $0, mask: mask, fused: true) }, inputs: inputs)
    #expect(result.passed, "\(result)")
  }

  /// Second derivatives: a recorded backward (createGraph) goes through the reference.
  @Test(arguments: [AttentionCase.Mask.none, .causal, .additive])
  func secondOrderGradientsThroughTheReference(_ kind: AttentionCase.Mask) {
    let c = AttentionCase(mask: kind, queries: 2, keys: 3)
    let q = fusedLeaf([1, 2, 2, 2], .contiguous, seed: 30), k = fusedLeaf([1, 2, 3, 2], .heads, seed: 31)
    let v = fusedLeaf([1, 2, 3, 2], .contiguous, seed: 32)
    let mask = c.maskTensor(heads: 2)
    let result = gradgradCheck({ call(c, $0, mask: mask, fused: true) }, inputs: [q, k, v])
    #expect(result.passed, "\(result)")
    let out = scaledDotProductAttention(q, k, v, mask: mask, isCausal: kind == .causal)
    let recorded = grad(of: weightedSum(out), with: [q, k, v], createGraph: true)
    #expect(recorded.allSatisfy { $0?.requiresGrad == true }, "gradients under createGraph carry a graph")
  }

  /// Dropout has no kernel: with p > 0 the op-by-op path runs (same mask for the same seed).
  @Test func dropoutRunsOpByOp() {
    let q = fusedLeaf([2, 3, 4], .contiguous, seed: 40), kv = fusedLeaf([2, 5, 4], .contiguous, seed: 41)
    let a = scaledDotProductAttention(q, kv, kv, dropout: 0.5, generator: Generator(seed: 3))
    let b = scaledDotProductAttentionWithWeights(q, kv, kv, dropout: 0.5, generator: Generator(seed: 3))
    #expect(a.toDoubles() == b.output.toDoubles())
    #expect(a.gradFn?.name != "ScaledDotProductAttentionBackward")
  }

  /// Float32 runs the vectorised exp; it stays within float rounding of the float64 result.
  @Test func float32AgreesWithFloat64() {
    let q = Tensor.randn([2, 4, 70, 16], dtype: .float64, generator: Generator(seed: 50))
    let k = Tensor.randn([2, 4, 70, 16], dtype: .float64, generator: Generator(seed: 51))
    let v = Tensor.randn([2, 4, 70, 16], dtype: .float64, generator: Generator(seed: 52))
    let exact = scaledDotProductAttentionReference(q, k, v, isCausal: true)
    let single = scaledDotProductAttention(q.to(.float32), k.to(.float32), v.to(.float32), isCausal: true)
    #expect(maxAbsDifference(single.to(.float64), exact) < 1e-5)
  }

  /// MultiheadAttention without weights to return takes the fused op; it agrees with the path
  /// that returns weights, with a causal flag and a key padding mask together.
  @Test func multiheadAttentionFusedPathAgrees() {
    let mha = MultiheadAttention(embedDim: 8, numHeads: 2, batchFirst: true, dtype: .float64, generator: Generator(seed: 60))
    let x = attentionLeaf([2, 5, 8], seed: 61)
    let padding = Tensor([[false, false, false, true, true], [false, false, false, false, false]])
    let fused = mha(x, x, x, keyPaddingMask: padding, needWeights: false, isCausal: true).output
    let reference = mha(x, x, x, keyPaddingMask: padding, needWeights: true, isCausal: true).output
    #expect(maxAbsDifference(fused, reference) < 1e-12)
    let params = [x] + mha.parameters()
    let gf = grad(of: weightedSum(fused), with: params), gr = grad(of: weightedSum(reference), with: params)
    #expect(maxGradientDifference(gf, gr) < 1e-12)
  }
}
