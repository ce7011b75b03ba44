import Testing
@testable import Torchlight

/// Every differentiable op, checked against central differences on every layout. Values are
/// kept away from kinks (relu, abs, clamp) and poles (log, division) so the checks are not flaky.
@Suite("Gradient checks") struct GradientCheckTests {
  @Test("unary elementwise ops", arguments: GradLayout.allCases)
  func unary(_ layout: GradLayout) {
    let x = gradLeaf([3, 4], layout, seed: 1)
    let positive = gradLeaf([3, 4], layout, seed: 2, range: 0.5...3)
    expectGradients({ $0[0].exp() }, [x], secondOrder: true)
    expectGradients({ $0[0].log() }, [positive], secondOrder: true)
    expectGradients({ $0[0].sqrt() }, [positive], secondOrder: true)
    expectGradients({ $0[0].sin() }, [x], secondOrder: true)
    expectGradients({ $0[0].cos() }, [x], secondOrder: true)
    expectGradients({ $0[0].tanh() }, [x], secondOrder: true)
    expectGradients({ $0[0].sigmoid() }, [x], secondOrder: true)
    expectGradients({ -$0[0] }, [x])
    expectGradients({ $0[0].pow(3) }, [x], secondOrder: true)
    expectGradients({ $0[0].pow(-1.5) }, [positive], secondOrder: true)
    expectGradients({ $0[0].clone() * 2 }, [x])
    expectGradients({ $0[0].contiguous() * 2 }, [x])
    let awayFromZero = gradLeaf([3, 4], layout, seed: 3, awayFrom: 0)
    expectGradients({ $0[0].relu() }, [awayFromZero])
    expectGradients({ $0[0].abs() }, [awayFromZero])
    let awayFromBounds = gradLeaf([3, 4], layout, seed: 4, awayFrom: 0.5)
    expectGradients({ $0[0].clamp(min: 0.5) }, [awayFromBounds])
    expectGradients({ $0[0].clamp(max: 0.5) }, [awayFromBounds])
  }

  /// Shape pairs covering equal shapes and every kind of broadcasting.
  static let broadcastPairs: [([Int], [Int])] = [([3, 4], [3, 4]), ([3, 1], [4]), ([2, 3, 4], [3, 1]), ([], [2, 3]), ([2, 1, 3], [4, 1])]

  @Test("binary elementwise ops with broadcasting", arguments: GradLayout.allCases)
  func binary(_ layout: GradLayout) {
    for (sa, sb) in Self.broadcastPairs {
      let a = gradLeaf(sa, layout, seed: 10), b = gradLeaf(sb, layout, seed: 11)
      let bNonZero = gradLeaf(sb, layout, seed: 12, awayFrom: 0)
      let aPositive = gradLeaf(sa, layout, seed: 13, range: 0.5...2)
      expectGradients({ $0[0] + $0[1] }, [a, b])
      expectGradients({ $0[0] - $0[1] }, [a, b])
      expectGradients({ $0[0] * $0[1] }, [a, b], secondOrder: true)
      expectGradients({ $0[0] / $0[1] }, [a, bNonZero], secondOrder: true)
      expectGradients({ $0[0].pow($0[1]) }, [aPositive, b], secondOrder: true)
      expectGradients({ Tensor.maximum($0[0], $0[1]) }, [a, b])
      expectGradients({ Tensor.minimum($0[0], $0[1]) }, [a, b])
      expectGradients({ Tensor.where($0[0] .> 0, $0[0], $0[1]) }, [a, b])
    }
    let x = gradLeaf([2, 3], layout, seed: 14)
    expectGradients({ $0[0] * 3 + 1 - 2 * $0[0] / 4 }, [x])
  }

  @Test("reductions", arguments: GradLayout.allCases)
  func reductions(_ layout: GradLayout) {
    let x = gradLeaf([2, 3, 4], layout, seed: 20)
    for axes in [nil, [0], [1], [-1], [0, 2]] as [[Int]?] {
      for keep in [false, true] {
        expectGradients({ $0[0].sum(axes: axes, keepDims: keep) }, [x])
        expectGradients({ $0[0].mean(axes: axes, keepDims: keep) }, [x])
        expectGradients({ $0[0].amax(axes: axes, keepDims: keep) }, [x])
        expectGradients({ $0[0].amin(axes: axes, keepDims: keep) }, [x])
        expectGradients({ $0[0].variance(axes: axes, keepDims: keep) }, [x], secondOrder: axes == [1])
        expectGradients({ $0[0].std(axes: axes, correction: 0, keepDims: keep) }, [x])
        expectGradients({ $0[0].logsumexp(axes: axes, keepDims: keep) }, [x], secondOrder: axes == [1])
      }
    }
    let nonZero = gradLeaf([2, 3], layout, seed: 21, range: 0.5...2)
    expectGradients({ $0[0].prod() }, [nonZero])
    expectGradients({ $0[0].prod(axis: 1) }, [nonZero])
    for axis in [0, 1, -1] {
      expectGradients({ $0[0].max(axis: axis).values }, [x])
      expectGradients({ $0[0].min(axis: axis, keepDims: true).values }, [x])
    }
  }

  @Test("views and slicing", arguments: GradLayout.allCases)
  func views(_ layout: GradLayout) {
    let x = gradLeaf([2, 3, 4], layout, seed: 30)
    let w = gradLeaf([4, 3, 2], .contiguous, seed: 31)  // weights make every output element matter differently
    expectGradients({ $0[0].reshaped(4, 6) * $0[1].reshaped(4, 6) }, [x, w])
    expectGradients({ $0[0].transposed(0, 2) * $0[1] }, [x, w])
    expectGradients({ $0[0].permuted(2, 1, 0) * $0[1] }, [x, w])
    expectGradients({ $0[0].flattened() * 2 }, [x])
    expectGradients({ $0[0].unsqueezed(axis: 1).squeezed() * 3 }, [x])
    expectGradients({ $0[0].unsqueezed(axis: -1).squeezed(axis: -1) * 3 }, [x])
    expectGradients({ $0[0][0].t() * 2 }, [x])
    expectGradients({ $0[0].narrow(axis: 2, start: 1, length: 2) * 2 }, [x])
    expectGradients({ $0[0].select(axis: 1, index: -1) * 2 }, [x])
    expectGradients({ $0[0][1, .slice(0, nil, step: 2), 1...] * 2 }, [x])
    expectGradients({ $0[0][.ellipsis, .newAxis, 0] * 2 }, [x])
    expectGradients({ $0[0].split(3, axis: 2)[1] * 2 }, [x])
    expectGradients({ let p = $0[0].chunk(2, axis: 1); return p[0] * 2 + p[1].sum() }, [x])
    expectGradients({ let p = $0[0].unbind(axis: 0); return p[0] * p[1] }, [x])
    let small = gradLeaf([3, 1], layout, seed: 32)
    expectGradients({ $0[0].expanded(2, 3, 4) * $0[1].transposed(0, 2) }, [small, w])
    if x.isContiguous { expectGradients({ $0[0].view(6, 4) * 2 }, [x]) }
  }

  @Test("joining, gathering and scattering", arguments: GradLayout.allCases)
  func joins(_ layout: GradLayout) {
    let a = gradLeaf([2, 3], layout, seed: 40), b = gradLeaf([2, 2], layout, seed: 41)
    expectGradients({ Tensor.cat([$0[0], $0[1]], axis: 1) * 2 }, [a, b])
    expectGradients({ Tensor.cat([$0[0], $0[0] * 2], axis: 0) }, [a])
    expectGradients({ Tensor.stack([$0[0], $0[0].exp()], axis: 1) }, [a])
    let index = Tensor([[0, 2, 2], [1, 0, 1]])
    expectGradients({ $0[0].gather(axis: 1, index: index) }, [a], secondOrder: true)
    expectGradients({ $0[0].indexSelect(axis: 1, index: Tensor([2, 0, 2])) }, [a], secondOrder: true)
    let target = gradLeaf([2, 4], layout, seed: 42), source = gradLeaf([2, 3], layout, seed: 43)
    expectGradients({ $0[0].scatterAdd(axis: 1, index: Tensor([[0, 3, 3], [1, 1, 2]]), source: $0[1]) }, [target, source])
    expectGradients({ $0[0].scatterAdd(axis: 1, index: Tensor([[0, 3], [1, 1]]), source: $0[1]) }, [target, source])
  }

  @Test("matmul of every rank", arguments: GradLayout.allCases)
  func matmul(_ layout: GradLayout) {
    let shapes: [([Int], [Int])] = [([3], [3]), ([3], [3, 2]), ([2, 3], [3]), ([2, 3], [3, 4]),
                                    ([2, 2, 3], [3, 4]), ([2, 1, 2, 3], [3, 3, 2]), ([2, 3], [2, 3, 2])]
    for (sa, sb) in shapes {
      let a = gradLeaf(sa, layout, seed: 50), b = gradLeaf(sb, layout, seed: 51)
      // Second order too for a plain product and for a batch times one matrix (b's gradient is
      // then one tall product over the batch's rows).
      expectGradients({ $0[0].matmul($0[1]) }, [a, b], secondOrder: sb == [3, 4])
    }
  }

  @Test func gradientCheckReportsAWrongGradient() {
    // A deliberately wrong backward must be caught, and the report must say where.
    let x = gradLeaf([2, 2], .contiguous, seed: 60)
    let wrong: ([Tensor]) -> Tensor = { xs in
      let y = withNoGrad { xs[0] * xs[0] }
      return y.recorded("WrongBackward", inputs: [xs[0]]) { g in [g * xs[0]] }  // should be 2x
    }
    let result = gradientCheck(wrong, inputs: [x])
    #expect(!result.passed)
    #expect(result.worstRatio > 10)
    #expect(result.description.contains("FAILED"))
  }
}
