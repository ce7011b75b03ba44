import Testing
@testable import Torchlight

/// `Tensor.linear` (bias folded into the BLAS call) against `linearReference` (x·Wᵀ + b op by op),
/// and its gradients numerically, to second order.
@Suite("Fused linear") struct FusedLinearTests {
  /// Sums y·v for a fixed seeded v, so every output element matters to the gradient.
  func weighted(_ y: Tensor) -> Tensor {
    (y * Tensor.uniform(y.shape, low: -1, high: 1, dtype: .float64, generator: Generator(seed: 40))).sum()
  }

  @Test(arguments: GradLayout.allCases) func matchesTheReferenceAndCentralDifferences(_ layout: GradLayout) {
    let x = gradLeaf([5, 4], layout, seed: 31), w = gradLeaf([3, 4], layout, seed: 32), b = gradLeaf([3], layout, seed: 33)
    let fused = Tensor.linear(x, weight: w, bias: b), reference = Tensor.linearReference(x, weight: w, bias: b)
    #expect(fused.gradFn?.name == "AddmmBackward")
    #expect((fused - reference).abs().max().item() < 1e-12)
    let gf = grad(of: weighted(fused), with: [x, w, b]), gr = grad(of: weighted(reference), with: [x, w, b])
    for (a, r) in zip(gf, gr) { #expect((a! - r!).abs().max().item() < 1e-12) }
    expectGradients({ weighted(Tensor.linear($0[0], weight: $0[1], bias: $0[2])) }, [x, w, b], secondOrder: true)
  }

  /// A batch of sequences `[N, T, in]`, and an input broadcast from one row (stride 0).
  @Test func higherRankAndBroadcastInputs() {
    let x = gradLeaf([2, 3, 4], .transposed, seed: 34), w = gradLeaf([5, 4], .contiguous, seed: 35), b = gradLeaf([5], .contiguous, seed: 36)
    let y = Tensor.linear(x, weight: w, bias: b)
    #expect(y.shape == [2, 3, 5])
    #expect((y - Tensor.linearReference(x, weight: w, bias: b)).abs().max().item() < 1e-12)
    expectGradients({ Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }, [x, w, b], secondOrder: true)
    let row = gradLeaf([1, 4], .contiguous, seed: 37)
    expectGradients({ Tensor.linear($0[0].expanded([6, 4]), weight: $0[1], bias: $0[2]) }, [row, w, b], secondOrder: true)
  }

  @Test func float32AndNoBias() {
    let g = Generator(seed: 38)
    let x = Tensor.randn([64, 33], generator: g), w = Tensor.randn([17, 33], generator: g), b = Tensor.randn([17], generator: g)
    let exact = Tensor.linearReference(x.to(.float64), weight: w.to(.float64), bias: b.to(.float64))
    #expect((Tensor.linear(x, weight: w, bias: b).to(.float64) - exact).abs().max().item() < 1e-4)
    // Without a bias the plain product runs, as in the reference.
    let w64 = gradLeaf([3, 4], .contiguous, seed: 39), x64 = gradLeaf([2, 4], .strided, seed: 41)
    expectGradients({ Tensor.linear($0[0], weight: $0[1], bias: nil) }, [x64, w64], secondOrder: true)
  }
}
