import Foundation
import Testing
@testable import Torchlight

@Suite("Creation and random") struct CreationTests {
  @Test func fromNestedArraysAndScalars() {
    let m = Tensor([[1, 2, 3], [4, 5, 6]])
    #expect(m.shape == [2, 3] && m.dtype == .int64 && m.toDoubles() == [1, 2, 3, 4, 5, 6])
    #expect(Tensor([[1.5], [2.5]]).dtype == .float32)
    #expect(Tensor(3.0).shape == [] && Tensor(3.0).item() == 3)
    #expect(Tensor([true, false]).dtype == .bool)
    #expect(Tensor([1, 2], dtype: .float64).dtype == .float64)
    #expect(Tensor([Float(1), 2, 3], shape: [3, 1]).shape == [3, 1])
    #expect(Tensor([[Double]]([[], []])).shape == [2, 0])
  }

  /// Large buffers come back from the caching allocator holding old values, so `full` and
  /// `zeros` must write every element themselves.
  @Test func constantsOverwriteARecycledBuffer() {
    let shape = [3, 100, 101]  // 30,300 float32s: above the allocator's 64 KiB pooling size
    for dtype in [DType.float32, .float64, .int64] {
      do { let used = Tensor.rand(shape, generator: Generator(seed: 1)).to(dtype) + 7; _ = used }
      #expect(Tensor.full(shape, 3, dtype: dtype).toDoubles().allSatisfy { $0 == 3 })
      do { let used = Tensor.rand(shape, generator: Generator(seed: 2)).to(dtype) + 7; _ = used }
      #expect(Tensor.zeros(shape, dtype: dtype).toDoubles().allSatisfy { $0 == 0 })
    }
    do { let used = Tensor.rand(shape, generator: Generator(seed: 3)) .> 2; _ = used }
    #expect(Tensor.full(shape, 1, dtype: .bool).toDoubles().allSatisfy { $0 == 1 })
  }

  @Test func constantsRangesAndEye() {
    #expect(Tensor.ones([2, 2]).toDoubles() == [1, 1, 1, 1])
    #expect(Tensor.full([3], 2.5).toDoubles() == [2.5, 2.5, 2.5])
    let like = Tensor.zeros(like: Tensor([1, 2, 3]))
    #expect(like.dtype == .int64 && like.shape == [3])
    #expect(Tensor.ones(like: Tensor.zeros([2], dtype: .float64)).dtype == .float64)
    #expect(Tensor.full(like: Tensor.zeros([2]), 4).toDoubles() == [4, 4])
    #expect(Tensor.arange(5).toDoubles() == [0, 1, 2, 3, 4] && Tensor.arange(5).dtype == .int64)
    expectClose(Tensor.arange(0, 1, step: 0.25).toDoubles(), [0, 0.25, 0.5, 0.75])
    #expect(Tensor.arange(5, 0, step: -2).toDoubles() == [5, 3, 1])
    expectClose(Tensor.linspace(-1, 1, steps: 5).toDoubles(), [-1, -0.5, 0, 0.5, 1])
    #expect(Tensor.linspace(0, 3, steps: 7).toDoubles().last == 3)
    expectClose(Tensor.logspace(0, 2, steps: 3).toDoubles(), [1, 10, 100])
    #expect(Tensor.eye(3).toDoubles() == [1, 0, 0, 0, 1, 0, 0, 0, 1])
    #expect(Tensor.eye(2, 3).shape == [2, 3])
  }

  @Test func randomDrawsRepeatForTheSameSeed() {
    for draw in [{ (g: Generator) in Tensor.rand([50], generator: g) }, { Tensor.randn([50], generator: $0) },
                 { Tensor.randint(-3, 7, [50], generator: $0) }, { Tensor.randperm(20, generator: $0) },
                 { Tensor.normal([50], mean: 2, std: 3, generator: $0) }, { Tensor.bernoulli([50], p: 0.3, generator: $0) }] {
      #expect(draw(Generator(seed: 9)).toDoubles() == draw(Generator(seed: 9)).toDoubles())
      #expect(draw(Generator(seed: 9)).toDoubles() != draw(Generator(seed: 10)).toDoubles())
    }
    manualSeed(5)
    let a = Tensor.randn([4])
    manualSeed(5)
    #expect(Tensor.randn([4]).toDoubles() == a.toDoubles())
  }

  @Test func distributionsHaveTheRightRangesAndMoments() {
    let g = Generator(seed: 11)
    let u = Tensor.rand([20000], dtype: .float64, generator: g).toDoubles()
    #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
    #expect(Swift.abs(u.reduce(0, +) / 20000 - 0.5) < 0.01)
    let n = Tensor.normal([20000], mean: 2, std: 3, dtype: .float64, generator: g)
    #expect(Swift.abs(n.mean().item() - 2) < 0.1 && Swift.abs(n.std().item() - 3) < 0.1)
    let r = Tensor.randint(-3, 7, [5000], generator: g).toDoubles()
    #expect(r.allSatisfy { $0 >= -3 && $0 < 7 && $0 == $0.rounded() } && Set(r).count == 10)
    #expect(Tensor.randperm(100, generator: g).toDoubles().sorted() == (0..<100).map(Double.init))
    let b = Tensor.full([10000], 0.25).bernoulli(generator: g).toDoubles()
    #expect(Set(b).isSubset(of: [0, 1]) && Swift.abs(b.reduce(0, +) / 10000 - 0.25) < 0.02)
  }

  @Test func gammaAndBetaHaveTheirMoments() {
    let g = Generator(seed: 12)
    // Gamma(α): mean α, variance α, on both branches of the sampler (α < 1 and α ≥ 1).
    for alpha in [0.3, 1, 4.5] {
      let x = Tensor.gamma([20000], concentration: alpha, dtype: .float64, generator: g)
      #expect(x.min().item() > 0)
      #expect(Swift.abs(x.mean().item() - alpha) < 0.05 * alpha, "gamma(\(alpha)) mean \(x.mean().item())")
      #expect(Swift.abs(x.variance().item() - alpha) < 0.1 * alpha, "gamma(\(alpha)) variance \(x.variance().item())")
    }
    // Beta(α, β): mean α/(α + β), variance αβ/((α + β)²(α + β + 1)); tiny α piles up at 0 and 1 without NaN.
    for (a, b) in [(0.2, 0.2), (1.0, 1.0), (2.0, 5.0)] {
      let x = Tensor.beta([20000], alpha: a, beta: b, dtype: .float64, generator: g)
      let mean = a / (a + b), variance = a * b / ((a + b) * (a + b) * (a + b + 1))
      #expect(x.min().item() >= 0 && x.max().item() <= 1)
      #expect(Swift.abs(x.mean().item() - mean) < 0.01, "beta(\(a), \(b)) mean \(x.mean().item())")
      #expect(Swift.abs(x.variance().item() - variance) < 0.05 * variance, "beta(\(a), \(b)) variance \(x.variance().item())")
    }
    let tiny = Tensor.beta([2000], alpha: 0.01, beta: 0.01, dtype: .float64, generator: g).toDoubles()
    #expect(tiny.allSatisfy { !$0.isNaN })
    #expect(Tensor.beta([5], alpha: 2, beta: 2, generator: Generator(seed: 1)).toDoubles()
            == Tensor.beta([5], alpha: 2, beta: 2, generator: Generator(seed: 1)).toDoubles())
  }

  @Test func raggedArraysStop() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor([[1, 2], [3]])
    }
    #expect(stderrOf(result).contains("ragged"))
  }
}

@Suite("Printing") struct PrintingTests {
  @Test func looksLikePyTorch() {
    #expect(Tensor([[1.0, 2], [3, 4]]).description == "tensor([[1., 2.],\n        [3., 4.]], dtype=float32)")
    #expect(Tensor([1, -20]).description == "tensor([  1, -20], dtype=int64)")
    #expect(Tensor([true, false]).description == "tensor([ True, False], dtype=bool)")
    #expect(Tensor(0.5).description == "tensor(0.5000, dtype=float32)")
    #expect(Tensor([1.25, 2.5], dtype: .float64).description == "tensor([1.2500, 2.5000], dtype=float64)")
  }

  @Test func largeTensorsAreSummarised() {
    let text = Tensor.arange(2000).description
    #expect(text.contains("...") && text.contains("1999") && !text.contains(" 1000,"))
  }

  @Test func layoutPrinterShowsWhatIsUnderneath() {
    let a = Tensor.arange(6).view(2, 3)
    let text = a.t().layoutDescription
    #expect(text.contains("shape [3, 2]") && text.contains("strides [1, 3]") && text.contains("offset 0"))
    #expect(text.contains("view reads slots: [0, 3, 1, 4, 2, 5]"))
    #expect(a[1].layoutDescription.contains("offset 3"))
  }

  @Test func threadCountIsSettable() {
    let before = Threads.count
    Threads.set(1)
    #expect(Threads.count == 1)
    Threads.set(before)
  }
}
