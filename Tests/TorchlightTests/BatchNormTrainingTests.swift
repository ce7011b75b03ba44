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
}
