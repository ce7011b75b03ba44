import Testing
@testable import Torchlight

@Suite("eigh: symmetric eigendecomposition through LAPACK") struct EigenTests {
  @Test(arguments: [DType.float64, .float32])
  func reconstructsTheMatrix(dtype: DType) {
    let g = Generator(seed: 9)
    let x = Tensor.randn([7, 7], dtype: .float64, generator: g)
    let a = x.matmul(x.transposed()) + x + x.transposed()           // symmetric, indefinite
    let (values, vectors) = eigh(a.to(dtype))
    let tolerance = dtype == .float64 ? 1e-12 : 1e-4
    let lambda = values.toDoubles()
    #expect(zip(lambda, lambda.dropFirst()).allSatisfy { $0 <= $1 })   // ascending, as torch.linalg.eigh
    let q = vectors.to(.float64), rebuilt = (q * values.to(.float64)).matmul(q.transposed())
    #expect((rebuilt - a).abs().max().item() < tolerance * 10)
    #expect((q.transposed().matmul(q) - Tensor.eye(7, dtype: .float64)).abs().max().item() < tolerance)
    // Each column is an eigenvector: A q = λ q.
    #expect((a.matmul(q) - q * values.to(.float64)).abs().max().item() < tolerance * 10)
  }

  @Test func readsOnlyTheLowerTriangle() {
    // PyTorch's default UPLO='L': the upper triangle is ignored.
    let lower = Tensor([2.0, 99, 1, 3], shape: [2, 2], dtype: .float64)             // as [[2, 1], [1, 3]]
    let (values, _) = eigh(lower)
    let expected = [(5 - 5.0.squareRoot()) / 2, (5 + 5.0.squareRoot()) / 2]
    #expect(zip(values.toDoubles(), expected).allSatisfy { abs($0 - $1) < 1e-12 })
  }

  @Test func worksOnViewsAndEmptyMatrices() {
    let a = Tensor([4.0, 1, 0, 1, 3, 0, 0, 0, 5], shape: [3, 3], dtype: .float64).transposed()   // a transposed view
    #expect(abs(eigh(a).eigenvalues.toDoubles().reduce(0, +) - 12) < 1e-12)      // the trace
    #expect(eigh(Tensor.zeros([0, 0], dtype: .float64)).eigenvalues.shape == [0])
  }
}
