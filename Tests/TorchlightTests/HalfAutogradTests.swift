import Foundation
import Testing
@testable import Torchlight

@Suite struct HalfAutogradTests {
  @Test("gradients of half tensors come in their own dtype", arguments: HalfFormat.allCases)
  func gradientsInTheLeafsDType(_ format: HalfFormat) {
    let dtype = format.dtype
    let w = Tensor([[0.5, -1.25], [2, 0.75]]).to(dtype).requiringGrad()
    let x = Tensor([[1.5, -2], [0.25, 3]])  // float32 input: the product is float32
    let y = w.matmul(x).tanh().sum()
    #expect(y.dtype == .float32)
    y.backward()
    let g = try! #require(w.grad)
    #expect(g.dtype == dtype, "∂L/∂w comes in w's dtype")
    // The same graph in float32, its gradient rounded once, agrees to the format's precision.
    let w32 = w.detached().float().requiringGrad()
    w32.matmul(x).tanh().sum().backward()
    expectClose(g.toDoubles(), w32.grad!.toDoubles(), tolerance: format == .float16 ? 2e-3 : 1e-2)

    // All in the half format: every op's output and gradient stay in it.
    let v = Tensor([0.3, -0.7, 1.1]).to(dtype).requiringGrad()
    let loss = (v.exp() * v).sum() / 3
    #expect(loss.dtype == dtype && loss.gradFn?.name == "DivBackward")
    loss.backward()
    #expect(v.grad?.dtype == dtype)
    let expected = [0.3, -0.7, 1.1].map { (Foundation.exp($0) * (1 + $0)) / 3 }
    expectClose(v.grad!.toDoubles(), expected, tolerance: format == .float16 ? 3e-3 : 2e-2)
  }

  @Test func castsAreDifferentiableBackToTheSourceDType() {
    let x = Tensor([1.5, -0.25, 3]).double().requiringGrad()
    let y = (x.to(.float32).to(.bfloat16) * 3).to(.float16).to(.float64)
    #expect(y.gradFn?.name == "ToCopyBackward")
    y.sum().backward()
    #expect(x.grad?.dtype == .float64 && x.grad?.toDoubles() == [3, 3, 3], "the gradient flows back through every cast")
    // A half leaf used in a float32 op gets its gradient in the half format.
    let h = Tensor([2.0, 4]).half().requiringGrad()
    (h.float() * Tensor([0.1, 0.2])).sum().backward()
    #expect(h.grad?.dtype == .float16 && h.grad?.toDoubles() == [Double(Float16(0.1 as Float)), Double(Float16(0.2 as Float))])
  }

  /// Central differences through a float64 → float32 → float64 chain: the float32 rounding of
  /// x ± ε costs about ulp(x)/ε of relative error, so ε is 1e-3 here and the tolerance 1e-3.
  @Test("a float64 → float32 → float64 chain passes a gradient check", arguments: GradLayout.allCases)
  func castChainGradientCheck(_ layout: GradLayout) {
    let x = gradLeaf([3, 2], layout, seed: 51).requiringGrad()
    let result = gradientCheck({ xs in (xs[0].to(.float32).tanh() * xs[0].to(.float32)).to(.float64) },
                               inputs: [x], eps: 1e-3, atol: 1e-3, rtol: 1e-3)
    #expect(result.passed, "\(result)")
  }

  @Test func halfProductsAndReductionsHaveCorrectGradients() {
    // ∂/∂a (a·b).sum() = row sums of b, broadcast: exact in bfloat16 for these small integers.
    let a = Tensor([[1.0, 2], [3, 4]]).bfloat16().requiringGrad()
    let b = Tensor([[1.0, -1, 2], [0.5, 3, -2]]).bfloat16().requiringGrad()
    a.matmul(b).sum().backward()
    #expect(a.grad?.dtype == .bfloat16 && a.grad?.toDoubles() == [2, 1.5, 2, 1.5])
    #expect(b.grad?.toDoubles() == [4, 4, 4, 6, 6, 6])
    // mean, max and a broadcast add: the engine sums the broadcast gradient in the half format.
    let v = Tensor([[1.0, 5, 2], [7, 3, 0]]).half().requiringGrad()
    let bias = Tensor([1.0, 2, 3]).half().requiringGrad()
    ((v + bias).amax(axes: [1]).sum() + (v * 2).mean()).backward()
    let third: Double = 1.0 / 3, winners: [Double] = [0, 1, 0, 1, 0, 0]
    let expected: [Double] = winners.map { Double(Float16(Float($0 + third))) }
    #expect(v.grad?.toDoubles() == expected)
    #expect(bias.grad?.dtype == .float16 && bias.grad?.toDoubles() == [1, 1, 0])
  }
}
