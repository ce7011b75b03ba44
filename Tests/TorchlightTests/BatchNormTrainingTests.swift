import Testing
@testable import Torchlight

/// The fused training-mode batch norm against the definition, and its gradients numerically.
@Suite("Fused batch norm") struct BatchNormTrainingTests {
  /// y = γ·(x − μ)/√(σ² + ε) + β written with elementary tensor ops.
  func composed(_ x: Tensor, _ w: Tensor, _ b: Tensor, eps: Double = 1e-5) -> Tensor {
    let axes = [0] + Array(2..<x.rank), shape = [1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
    let mean = x.mean(axes: axes, keepDims: true), variance = x.variance(axes: axes, correction: 0, keepDims: true)
    return (x - mean) / (variance + eps).sqrt() * w.reshaped(shape) + b.reshaped(shape)
  }

  @Test(arguments: GradLayout.allCases) func gradientsMatchCentralDifferences(_ layout: GradLayout) {
    let x = gradLeaf([3, 2, 2, 3], layout, seed: 1)
    let w = gradLeaf([2], .contiguous, seed: 2, range: 0.5...1.5), b = gradLeaf([2], .contiguous, seed: 3)
    // A non-uniform weighting of the outputs, so the gradient is not trivially zero.
    let v = Tensor.uniform([3, 2, 2, 3], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 4))
    expectGradients({ batchNormTraining($0[0], weight: $0[1], bias: $0[2]).output * v }, [x, w, b], secondOrder: layout == .contiguous)
  }

  @Test func rankTwoAndNoAffineParameters() {
    let x = gradLeaf([5, 3], .contiguous, seed: 5)
    let v = Tensor.uniform([5, 3], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 6))
    expectGradients({ batchNormTraining($0[0], weight: nil, bias: nil).output * v }, [x], secondOrder: true)
  }

  @Test func float32AgreesWithTheComposition() {
    let x = (Tensor.randn([8, 5, 6, 7], generator: Generator(seed: 7)) * 3 + 1).requiringGrad()
    let w = Tensor.uniform([5], low: 0.5, high: 2, generator: Generator(seed: 8)).requiringGrad()
    let b = Tensor.randn([5], generator: Generator(seed: 9)).requiringGrad()
    let g = Tensor.randn([8, 5, 6, 7], generator: Generator(seed: 10))
    let (fused, mean, variance) = batchNormTraining(x, weight: w, bias: b)
    (fused * g).sum().backward()
    let (dx, dw, db) = (x.grad!, w.grad!, b.grad!)
    x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
    let reference = composed(x, w, b)
    (reference * g).sum().backward()
    #expect((fused - reference).abs().max().item() < 1e-4)
    #expect((dx - x.grad!).abs().max().item() < 1e-4)
    #expect((dw - w.grad!).abs().max().item() < 1e-3)
    #expect((db - b.grad!).abs().max().item() < 1e-3)
    #expect((mean - x.mean(axes: [0, 2, 3])).abs().max().item() < 1e-5)
    #expect((variance - x.variance(axes: [0, 2, 3], correction: 0)).abs().max().item() < 1e-4)
    #expect(mean.requiresGrad == false && variance.requiresGrad == false)
  }

  /// `[N, C]` input (BatchNorm1d), which the kernel walks row by row: first and second order on
  /// every layout, and on an input broadcast along the batch from fewer distinct rows.
  @Test(arguments: GradLayout.allCases) func rankTwoGradientsOnEveryLayout(_ layout: GradLayout) {
    let x = gradLeaf([6, 4], layout, seed: 11)
    let w = gradLeaf([4], .contiguous, seed: 12, range: 0.5...1.5), b = gradLeaf([4], .contiguous, seed: 13)
    let v = Tensor.uniform([6, 4], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 14))
    expectGradients({ batchNormTraining($0[0], weight: $0[1], bias: $0[2]).output * v }, [x, w, b], secondOrder: true)
    let rows = gradLeaf([2, 1, 4], layout, seed: 15)
    let broadcast = { (t: [Tensor]) in batchNormTraining(t[0].expanded([2, 3, 4]).reshaped(6, 4), weight: t[1], bias: t[2]).output * v }
    expectGradients(broadcast, [rows, w, b], secondOrder: true)
  }

  /// float64 values and gradients equal the composition to rounding, for both kernel paths
  /// (`[N, C]` by rows, `[N, C, S]` by channels) and runs longer than the sixteen-lane sums.
  @Test(arguments: [[7, 5], [4, 3, 37], [3, 2, 5, 9]]) func float64AgreesWithTheComposition(_ shape: [Int]) {
    let x = (Tensor.randn(shape, dtype: .float64, generator: Generator(seed: 16)) * 2 + 3).requiringGrad()
    let w = Tensor.uniform([shape[1]], low: 0.5, high: 2, dtype: .float64, generator: Generator(seed: 17)).requiringGrad()
    let b = Tensor.randn([shape[1]], dtype: .float64, generator: Generator(seed: 18)).requiringGrad()
    let g = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: 19))
    let fused = batchNormTraining(x, weight: w, bias: b).output
    let reference = composed(x, w, b)
    #expect((fused - reference).abs().max().item() < 1e-12)
    let gf = grad(of: (fused * g).sum(), with: [x, w, b]), gr = grad(of: (reference * g).sum(), with: [x, w, b])
    for (a, r) in zip(gf, gr) { #expect((a! - r!).abs().max().item() < 1e-11) }
  }

  @Test func float32RankTwoAgreesWithFloat64() {
    let x64 = Tensor.randn([256, 120], dtype: .float64, generator: Generator(seed: 20)) * 3 + 1
    let exact = batchNormTraining(x64, weight: nil, bias: nil)
    let single = batchNormTraining(x64.to(.float32), weight: nil, bias: nil)
    #expect((single.output.to(.float64) - exact.output).abs().max().item() < 1e-5)
    #expect((single.variance.to(.float64) - exact.variance).abs().max().item() < 1e-4)
  }
}
