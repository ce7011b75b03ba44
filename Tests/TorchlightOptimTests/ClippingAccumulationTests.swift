import Foundation
import Testing
@testable import TorchlightOptim
import TorchlightNN

@Suite("Gradient clipping and accumulation") struct ClippingAccumulationTests {
  func parameters(grads: [[Double]]) -> [Tensor] {
    grads.map { g in
      let p = Tensor(Array(repeating: 0.0, count: g.count), shape: [g.count], dtype: .float64).requiringGrad()
      p.setGrad(Tensor(g, shape: [g.count], dtype: .float64))
      return p
    }
  }

  @Test func clipByGlobalNorm() {
    let ps = parameters(grads: [[3, 0], [0, 4, 0]])            // total 2-norm 5
    let norm = clipGradNorm(ps, maxNorm: 1)
    #expect(norm == 5)
    let scale = 1 / (5 + 1e-6)
    expectClose(ps.map { $0.grad!.toDoubles() }, [[3 * scale, 0], [0, 4 * scale, 0]], tolerance: 1e-15)
    // Below the limit nothing changes, and the norm is still returned.
    let small = parameters(grads: [[0.3, 0.4]])
    #expect(Swift.abs(clipGradNorm(small, maxNorm: 1) - 0.5) < 1e-15 && small[0].grad!.toDoubles() == [0.3, 0.4])
  }

  @Test func clipByInfinityAndOneNorm() {
    let ps = parameters(grads: [[1, -6], [2]])
    #expect(clipGradNorm(ps, maxNorm: 3, normType: .infinity) == 6)
    expectClose(ps.map { $0.grad!.toDoubles() }, [[0.5, -3], [1]], tolerance: 1e-6)
    let qs = parameters(grads: [[1, -6], [2]])
    #expect(clipGradNorm(qs, maxNorm: 100, normType: 1) == 9)
    let rs = parameters(grads: [[1, -2], [2]])
    #expect(Swift.abs(clipGradNorm(rs, maxNorm: 100, normType: 3) - pow(17.0, 1.0 / 3)) < 1e-12)
  }

  @Test func clipByValue() {
    let ps = parameters(grads: [[-3, 0.5, 2], [0.1]])
    clipGradValue(ps, clipValue: 1)
    #expect(ps[0].grad!.toDoubles() == [-1, 0.5, 1] && ps[1].grad!.toDoubles() == [0.1])
  }

  /// Summing the gradients of k mini-batches, each loss divided by k, then one step, equals one
  /// step on the whole batch with the mean loss.
  @Test(arguments: [2, 4, 8])
  func accumulationEqualsOneLargeBatch(k: Int) {
    let g = Generator(seed: 7)
    let x = Tensor.randn([8, 5], dtype: .float64, generator: g), y = Tensor.randn([8, 3], dtype: .float64, generator: g)
    func model() -> Linear { Linear(inFeatures: 5, outFeatures: 3, dtype: .float64, generator: Generator(seed: 3)) }

    let whole = model()
    let wholeOptimizer = SGD(parameters: whole.parameters(), lr: 0.1, momentum: 0.9)
    mseLoss(whole(x), y).backward()
    let wholeGrads = whole.parameters().map { $0.grad!.toDoubles() }
    wholeOptimizer.step()

    let accumulated = model()
    let optimizer = SGD(parameters: accumulated.parameters(), lr: 0.1, momentum: 0.9)
    let size = 8 / k
    for i in 0..<k {
      let rows = (i * size)..<((i + 1) * size)
      (mseLoss(accumulated(x[rows]), y[rows]) / Double(k)).backward()
    }
    expectClose(accumulated.parameters().map { $0.grad!.toDoubles() }, wholeGrads)
    optimizer.step()
    optimizer.zeroGrad()
    expectClose(accumulated.parameters().map { $0.toDoubles() }, whole.parameters().map { $0.toDoubles() })
  }
}
