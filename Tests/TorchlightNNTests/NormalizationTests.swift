import Foundation
import Testing
@testable import TorchlightNN

/// A float64 leaf of `shape` laid out non-contiguously (its axes stored in reverse order).
private func scrambledLeaf(_ shape: [Int], seed: UInt64) -> Tensor {
  let axes = Array((0..<shape.count).reversed())
  let stored = Tensor.randn(axes.map { shape[$0] }, dtype: .float64, generator: Generator(seed: seed)) * 1.5 + 0.3
  return stored.permuted(axes).detached().requiringGrad()
}

/// Mean and biased variance of `values` taken at `indices`.
private func moments(_ values: [Double], _ indices: [Int]) -> (Double, Double) {
  let picked = indices.map { values[$0] }
  let mean = picked.reduce(0, +) / Double(picked.count)
  return (mean, picked.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(picked.count))
}

@Suite("Normalization") struct NormalizationTests {
  @Test func batchNormStandardisesEachChannelOverBatchAndPixels() {
    let x = Tensor.randn([5, 3, 2, 2], dtype: .float64, generator: Generator(seed: 1)) * 3 + 2
    let bn = BatchNorm2d(3, dtype: .float64)
    let y = bn(x).toDoubles(), xs = x.toDoubles()
    for c in 0..<3 {
      let idx = (0..<5).flatMap { n in (0..<4).map { n * 12 + c * 4 + $0 } }
      let (m, v) = moments(xs, idx)
      for i in idx { #expect(Swift.abs(y[i] - (xs[i] - m) / (v + 1e-5).squareRoot()) < 1e-12) }
      // Running statistics: 0.9·initial + 0.1·batch, with the unbiased variance.
      #expect(Swift.abs(bn.runningMean!.value.toDoubles()[c] - 0.1 * m) < 1e-12)
      #expect(Swift.abs(bn.runningVar!.value.toDoubles()[c] - (0.9 + 0.1 * v * 20 / 19)) < 1e-12)
    }
    #expect(bn.numBatchesTracked!.value.toArray(Int64.self) == [1])
  }

  @Test func evalUsesTheRunningStatistics() {
    let bn = BatchNorm2d(2, dtype: .float64)
    withNoGrad {
      bn.runningMean!.value.copy(from: Tensor([1.0, -2.0]))
      bn.runningVar!.value.copy(from: Tensor([4.0, 0.25]))
    }
    bn.eval()
    let x = Tensor.randn([3, 2, 2, 2], dtype: .float64, generator: Generator(seed: 2))
    let y = bn(x).toDoubles(), xs = x.toDoubles()
    for i in xs.indices {
      let c = (i / 4) % 2
      let expected = c == 0 ? (xs[i] - 1) / (4 + 1e-5).squareRoot() : (xs[i] + 2) / (0.25 + 1e-5).squareRoot()
      #expect(Swift.abs(y[i] - expected) < 1e-12)
    }
    // One example alone gives the same answer as inside a batch: no dependence on the others.
    let alone = bn(x[0..<1]).toDoubles()
    #expect(alone == Array(y[0..<8]))
    #expect(bn.numBatchesTracked!.value.toArray(Int64.self) == [0], "eval must not count batches")
  }

  @Test func cumulativeAverageWithoutMomentum() {
    let bn = BatchNorm1d(1, momentum: nil, dtype: .float64)
    let batches = [Tensor([[1.0], [3.0]]), Tensor([[5.0], [7.0]]), Tensor([[0.0], [2.0]])].map { $0.double() }
    for b in batches { _ = bn(b) }
    // The plain average of the three batch means 2, 6, 1.
    #expect(Swift.abs(bn.runningMean!.value.item() - 3) < 1e-12)
  }

  @Test func batchNormGradientsAreTheFullBatchStatisticsGradients() {
    let x = scrambledLeaf([4, 3, 2, 3], seed: 3)
    #expect(!x.isContiguous)
    let w = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 4)).requiringGrad()
    let b = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 5)).requiringGrad()
    let train = gradientCheck({ v in batchNorm(v[0], runningMean: nil, runningVar: nil, weight: v[1], bias: v[2], training: true) },
                              inputs: [x, w, b])
    #expect(train.passed, "train: \(train)")
    let mean = Tensor([0.1, -0.2, 0.3], dtype: .float64), variance = Tensor([1.5, 0.5, 2.0], dtype: .float64)
    let eval = gradientCheck({ v in batchNorm(v[0], runningMean: mean, runningVar: variance, weight: v[1], bias: v[2], training: false) },
                             inputs: [x, w, b])
    #expect(eval.passed, "eval: \(eval)")
    // 1-D batch norm through the layer, [N, C] and [N, C, L], with a broadcast (stride 0) input.
    let bn1 = BatchNorm1d(3, dtype: .float64)
    let row = Tensor.randn([1, 3, 4], dtype: .float64, generator: Generator(seed: 6)).requiringGrad()
    let noise = Tensor.randn([5, 3, 4], dtype: .float64, generator: Generator(seed: 7))
    let layer = gradientCheck({ v in bn1(v[0].expanded([5, 3, 4]) + noise) }, inputs: [row])
    #expect(layer.passed, "BatchNorm1d: \(layer)")
    let flat = scrambledLeaf([6, 3], seed: 8)
    #expect(gradientCheck({ v in bn1(v[0]) }, inputs: [flat]).passed)
    // Second derivatives (needed for gradient penalties), on a tiny case.
    let small = scrambledLeaf([3, 2, 2], seed: 9)
    let gg = gradgradCheck({ v in batchNorm(v[0], runningMean: nil, runningVar: nil, training: true) }, inputs: [small], seed: 10)
    #expect(gg.passed, "gradgrad: \(gg)")
  }

  @Test func layerGroupAndInstanceNormMatchTheirDefinitions() {
    let x = Tensor.randn([2, 4, 3], dtype: .float64, generator: Generator(seed: 11)) * 2 - 1
    let xs = x.toDoubles()
    // LayerNorm over the last two axes: one mean per example.
    let ln = LayerNorm([4, 3], dtype: .float64)(x).toDoubles()
    // GroupNorm with 2 groups of 2 channels: one mean per example and group.
    let gn = GroupNorm(numGroups: 2, numChannels: 4, dtype: .float64)(x).toDoubles()
    for n in 0..<2 {
      let example = Array((n * 12)..<(n * 12 + 12))
      let (m, v) = moments(xs, example)
      for i in example { #expect(Swift.abs(ln[i] - (xs[i] - m) / (v + 1e-5).squareRoot()) < 1e-12) }
      for g in 0..<2 {
        let group = Array((n * 12 + g * 6)..<(n * 12 + g * 6 + 6))
        let (gm, gv) = moments(xs, group)
        for i in group { #expect(Swift.abs(gn[i] - (xs[i] - gm) / (gv + 1e-5).squareRoot()) < 1e-12) }
      }
    }
    // InstanceNorm: one mean per example and channel, over the pixels.
    let images = Tensor.randn([2, 3, 2, 2], dtype: .float64, generator: Generator(seed: 12))
    let inorm = InstanceNorm2d(3, dtype: .float64)(images).toDoubles(), ims = images.toDoubles()
    for start in stride(from: 0, to: 24, by: 4) {
      let (m, v) = moments(ims, Array(start..<(start + 4)))
      for i in start..<(start + 4) { #expect(Swift.abs(inorm[i] - (ims[i] - m) / (v + 1e-5).squareRoot()) < 1e-12) }
    }
  }

  @Test func layerGroupInstanceAndLocalResponseGradients() {
    let x = scrambledLeaf([3, 4, 2, 2], seed: 13)
    let lnw = Tensor.randn([2, 2], dtype: .float64, generator: Generator(seed: 14)).requiringGrad()
    let lnb = Tensor.randn([2, 2], dtype: .float64, generator: Generator(seed: 15)).requiringGrad()
    let ln = gradientCheck({ v in layerNorm(v[0], normalizedShape: [2, 2], weight: v[1], bias: v[2]) }, inputs: [x, lnw, lnb])
    #expect(ln.passed, "layerNorm: \(ln)")
    let gw = Tensor.randn([4], dtype: .float64, generator: Generator(seed: 16)).requiringGrad()
    let gb = Tensor.randn([4], dtype: .float64, generator: Generator(seed: 17)).requiringGrad()
    let gn = gradientCheck({ v in groupNorm(v[0], numGroups: 2, weight: v[1], bias: v[2]) }, inputs: [x, gw, gb])
    #expect(gn.passed, "groupNorm: \(gn)")
    let inorm = InstanceNorm2d(4, affine: true, dtype: .float64)
    #expect(gradientCheck({ v in inorm(v[0]) }, inputs: [x]).passed)
    let lrn = gradientCheck({ v in localResponseNorm(v[0], size: 3, alpha: 0.5, beta: 0.75, k: 1) }, inputs: [x])
    #expect(lrn.passed, "localResponseNorm: \(lrn)")
    let gg = gradgradCheck({ v in layerNorm(v[0], normalizedShape: [2, 2]) }, inputs: [scrambledLeaf([2, 2, 2], seed: 18)], seed: 19)
    #expect(gg.passed, "layerNorm gradgrad: \(gg)")
  }

  @Test func fusedGroupNormMatchesTheOpByOpReference() {
    // A non-contiguous [N, C, H, W] input, groups of two channels, affine; and a rank-3 input.
    for (shape, groups) in [([3, 4, 2, 3], 2), ([2, 6, 5], 3), ([2, 4], 4)] {
      let x = scrambledLeaf(shape, seed: 31)
      let w = Tensor.randn([shape[1]], dtype: .float64, generator: Generator(seed: 32)).requiringGrad()
      let b = Tensor.randn([shape[1]], dtype: .float64, generator: Generator(seed: 33)).requiringGrad()
      let fused = groupNorm(x, numGroups: groups, weight: w, bias: b), reference = groupNormReference(x, numGroups: groups, weight: w, bias: b)
      #expect((fused - reference).abs().max().item() < 1e-12, "\(shape)")
      let probe = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: 34))
      let gf = grad(of: (fused * probe).sum(), with: [x, w, b]), gr = grad(of: (reference * probe).sum(), with: [x, w, b])
      for (a, r) in zip(gf, gr) { #expect((a! - r!).abs().max().item() < 1e-12, "gradient, \(shape)") }
    }
    let second = gradgradCheck({ v in groupNorm(v[0], numGroups: 2, weight: v[1]) },
                               inputs: [scrambledLeaf([2, 4, 3], seed: 35), Tensor.randn([4], dtype: .float64, generator: Generator(seed: 36)).requiringGrad()], seed: 37)
    #expect(second.passed, "groupNorm gradgrad: \(second)")
  }

  @Test func functionalInstanceNormMatchesItsDefinitionAndGradients() {
    // [N, C, L] (a sequence, not an image): one mean and variance per example and channel.
    let x = Tensor.randn([2, 3, 5], dtype: .float64, generator: Generator(seed: 21)) * 3 + 1
    let w = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 22)), b = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 23))
    let y = instanceNorm(x, weight: w, bias: b).toDoubles(), xs = x.toDoubles(), ws = w.toDoubles(), bs = b.toDoubles()
    for start in stride(from: 0, to: 30, by: 5) {
      let (m, v) = moments(xs, Array(start..<(start + 5)))
      let channel = (start / 5) % 3
      for i in start..<(start + 5) {
        #expect(Swift.abs(y[i] - ((xs[i] - m) / (v + 1e-5).squareRoot() * ws[channel] + bs[channel])) < 1e-12)
      }
    }
    // Gradients in the input (a non-contiguous view) and the affine parameters, first and second order.
    let leaf = scrambledLeaf([2, 3, 2, 2], seed: 24)
    let gw = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 25)).requiringGrad()
    let gb = Tensor.randn([3], dtype: .float64, generator: Generator(seed: 26)).requiringGrad()
    let first = gradientCheck({ v in instanceNorm(v[0], weight: v[1], bias: v[2]) }, inputs: [leaf, gw, gb])
    #expect(first.passed, "instanceNorm: \(first)")
    let second = gradgradCheck({ v in instanceNorm(v[0], weight: v[1]) }, inputs: [scrambledLeaf([2, 3, 4], seed: 27), gw], seed: 28)
    #expect(second.passed, "instanceNorm gradgrad: \(second)")
  }

  @Test func localResponseNormMatchesPyTorchsDefinition() {
    // b_c = a_c / (k + α/n Σ a²)^β over channels c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋, n = 3, α = 0.3, β = 0.5, k = 2.
    let a: [Double] = [1, 2, 3, 4]
    let y = localResponseNorm(Tensor(a, shape: [1, 4, 1], dtype: .float64), size: 3, alpha: 0.3, beta: 0.5, k: 2).toDoubles()
    for c in 0..<4 {
      let window = ((c - 1)...(c + 1)).filter { (0..<4).contains($0) }.map { a[$0] * a[$0] }.reduce(0, +)
      #expect(Swift.abs(y[c] - a[c] / Foundation.pow(2 + 0.3 / 3 * window, 0.5)) < 1e-12)
    }
  }

  @Test func normalizationLayersHaveTheirParametersAndBuffers() {
    let bn = BatchNorm2d(8)
    #expect(bn.parameterCount == 16)
    #expect(bn.namedBuffers().map(\.0) == ["runningMean", "runningVar", "numBatchesTracked"])
    #expect(BatchNorm2d(8, affine: false, trackRunningStats: false).parameterCount == 0)
    #expect(LayerNorm([4, 5]).parameterCount == 40)
    #expect(GroupNorm(numGroups: 2, numChannels: 6).parameterCount == 12)
    #expect(InstanceNorm2d(3).parameterCount == 0 && InstanceNorm2d(3, affine: true).parameterCount == 6)
    #expect(LocalResponseNorm(size: 5).parameterCount == 0)
  }
}
