import Testing
@testable import Torchlight

/// a·b by the textbook triple loop, over logical values with broadcast batch axes.
func referenceMatmul(_ a: Tensor, _ b: Tensor) -> (shape: [Int], values: [Double]) {
  let a2 = a.rank == 1 ? a.unsqueezed(axis: 0) : a, b2 = b.rank == 1 ? b.unsqueezed(axis: 1) : b
  let m = a2.shape[a2.rank - 2], k = a2.shape[a2.rank - 1], n = b2.shape[b2.rank - 1]
  let batch = referenceBroadcast(Array(a2.shape.dropLast(2)), Array(b2.shape.dropLast(2)))
  let va = a2.toDoubles(), vb = b2.toDoubles()
  var out: [Double] = []
  for bi in indices(of: batch) {
    for i in 0..<m { for j in 0..<n {
      var s = 0.0
      for p in 0..<k {
        s += broadcastValue(va, a2.shape, at: bi + [i, p]) * broadcastValue(vb, b2.shape, at: bi + [p, j])
      }
      out.append(s)
    } }
  }
  var shape = batch + [m, n]
  if b.rank == 1 { shape.removeLast() }
  if a.rank == 1 { shape.remove(at: shape.count - (b.rank == 1 ? 1 : 2)) }
  return (shape, out)
}

@Suite("Matrix products") struct MatmulTests {
  static let shapes: [([Int], [Int])] = [([4], [4]), ([3], [3, 5]), ([2, 3], [3]), ([4, 3], [3, 5]), ([2, 4, 3], [3, 5]),
                                         ([2, 1, 4, 3], [5, 3, 2]), ([4, 3], [2, 3, 5]), ([1, 1], [1, 1]), ([3, 0], [0, 2])]

  @Test("every rank and layout, float32 and float64", arguments: TestLayout.allCases)
  func matchesTripleLoop(_ layout: TestLayout) {
    for dtype in [DType.float32, .float64] {
      for (sa, sb) in Self.shapes {
        let a = sample(sa, layout, seed: 30, dtype: dtype), b = sample(sb, layout, seed: 31, dtype: dtype)
        let expected = referenceMatmul(a, b)
        let c = a.matmul(b)
        #expect(c.shape == expected.shape, "\(sa)·\(sb)")
        #expect(c.dtype == dtype)
        expectClose(c.toDoubles(), expected.values, tolerance: dtype == .float32 ? 1e-5 : 1e-12, "\(sa)·\(sb) \(layout) \(dtype)")
      }
    }
  }

  @Test func transposedOperandsAreNotCopied() {
    // A transposed matrix has a unit stride, so BLAS can read it as is.
    let w = Tensor.randn([5, 3], generator: Generator(seed: 32)).t()
    #expect(Gemm.blasLayout(rows: 3, cols: 5, rowStride: w.strides[0], colStride: w.strides[1]) != nil)
    let stepped = Tensor.randn([3, 10], generator: Generator(seed: 33))[.all, .slice(0, nil, step: 2)]
    #expect(Gemm.blasLayout(rows: 3, cols: 5, rowStride: stepped.strides[0], colStride: stepped.strides[1]) == nil)
    let x = Tensor.randn([2, 3], generator: Generator(seed: 34))
    expectClose(x.matmul(stepped).toDoubles(), x.matmul(stepped.contiguous()).toDoubles(), "strided operand")
  }

  @Test func mismatchedInnerSizesStop() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
    }
    let text = stderrOf(result)
    #expect(text.contains("matmul") && text.contains("[2, 3]") && text.contains("[4, 5]"))
  }

  @Test func integerMatmulIsRefusedClearly() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor([[1, 2]]).matmul(Tensor([[3], [4]]))
    }
    #expect(stderrOf(result).contains("float"))
  }
}

@Suite("Gather and scatter") struct GatherTests {
  @Test("gather, indexSelect and scatterAdd against loops", arguments: TestLayout.allCases)
  func againstLoops(_ layout: TestLayout) {
    let x = sample([3, 4], layout, seed: 40)
    let v = x.toDoubles()
    let index = Tensor([[0, 3], [2, 2], [1, 0]])
    #expect(x.gather(axis: 1, index: index).toDoubles() == [v[0], v[3], v[6], v[6], v[9], v[8]])
    let rows = Tensor([[2, 0, 1, 1]])
    #expect(x.gather(axis: 0, index: rows).toDoubles() == [v[8], v[1], v[6], v[7]])
    #expect(x.indexSelect(axis: 0, index: Tensor([2, 0, 2])).toDoubles() == Array(v[8..<12] + v[0..<4] + v[8..<12]))
    #expect(x.indexSelect(axis: 1, index: Tensor([-1])).toDoubles() == [v[3], v[7], v[11]])
    let source = Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    let added = Tensor.zeros([3, 4]).scatterAdd(axis: 1, index: Tensor([[1, 1], [0, 3], [2, 2]]), source: source)
    #expect(added.toDoubles() == [0, 3, 0, 0, 3, 0, 0, 4, 0, 0, 11, 0], "repeated indices add up")
  }

  @Test func outOfRangeIndexStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([2, 3]).gather(axis: 1, index: Tensor([[5]]))
    }
    #expect(stderrOf(result).contains("out of bounds"))
  }
}
