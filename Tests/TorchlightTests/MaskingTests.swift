import Testing
@testable import Torchlight

/// maskedFill, tril, triu and the logical mask ops: values against hand-written references,
/// gradients (first and second order) on every layout and with broadcasting, and the messages
/// for shapes that do not fit.
@Suite("Masking ops") struct MaskingTests {
  @Test func maskedFillBroadcastsTheMaskAndKeepsTheDtype() {
    let x = Tensor((0..<12).map(Double.init), shape: [3, 4], dtype: .float64)
    let rows = Tensor([true, false, true]).reshaped(3, 1)          // whole rows
    let columns = Tensor([false, true, false, true])                // whole columns
    #expect(x.maskedFill(rows, with: -1).toDoubles() == [-1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1])
    #expect(x.maskedFill(columns, with: .infinity).toDoubles() == [0, .infinity, 2, .infinity, 4, .infinity, 6, .infinity, 8, .infinity, 10, .infinity])
    let filled = x.maskedFill(columns, with: 7)
    #expect(filled.shape == [3, 4] && filled.dtype == .float64)
    // The result takes the common shape when self is the smaller one (as PyTorch's out-of-place op).
    let row = Tensor([1.0, 2.0, 3.0, 4.0])
    let spread = row.maskedFill(rows, with: 0)
    #expect(spread.shape == [3, 4])
    #expect(spread.toDoubles() == [0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0])
    // int64 and bool tensors keep their dtype.
    let ints = Tensor([1, 2, 3]).maskedFill(Tensor([false, true, false]), with: -5)
    #expect(ints.dtype == .int64 && ints.toArray(Int64.self) == [1, -5, 3])
    let flags = Tensor([true, true]).maskedFill(Tensor([true, false]), with: 0)
    #expect(flags.dtype == .bool && flags.toArray(Bool.self) == [false, true])
    // A non-contiguous input and mask.
    let t = x.t(), tm = Tensor([[true, false, false], [false, false, true], [false, true, false], [true, true, true]]).t().t()
    let expected = zip(x.t().contiguous().toDoubles(), tm.toArray(Bool.self)).map { $1 ? -2 : $0 }
    #expect(t.maskedFill(tm, with: -2).toDoubles() == expected)
  }

  @Test func maskedFillGradientIsZeroWhereFilled() {
    let x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype: .float64).requiringGrad()
    let mask = Tensor([[true, false, false], [false, false, true]])
    let y = x.maskedFill(mask, with: -.infinity)
    #expect(y.gradFn?.name == "MaskedFillBackward")
    (y.maskedFill(mask, with: 0) * Tensor([[1.0, 2, 3], [4, 5, 6]], dtype: .float64)).sum().backward()
    #expect(x.grad!.toDoubles() == [0, 2, 3, 4, 5, 0])
    // A row broadcast against the mask collects the gradient of every row it filled.
    let r = Tensor([1.0, 2.0, 3.0], dtype: .float64).requiringGrad()
    r.maskedFill(mask, with: 0).sum().backward()
    #expect(r.grad!.toDoubles() == [1, 2, 1])
  }

  @Test("maskedFill gradients", arguments: GradLayout.allCases)
  func maskedFillGradients(_ layout: GradLayout) {
    let x = gradLeaf([3, 4], layout, seed: 60)
    let mask = Tensor.rand([3, 4], dtype: .float64, generator: Generator(seed: 61)) .< 0.4
    expectGradients({ $0[0].maskedFill(mask, with: 2.5) * $0[0] }, [x], secondOrder: true)
    // Broadcasting both ways: a [4] row mask over [2, 3, 4], and a [3, 1] input under a [3, 4] mask.
    let cube = gradLeaf([2, 3, 4], layout, seed: 62)
    expectGradients({ $0[0].maskedFill(Tensor([true, false, false, true]), with: -1).exp() }, [cube], secondOrder: true)
    let column = gradLeaf([3, 1], layout, seed: 63)
    expectGradients({ $0[0].maskedFill(mask, with: 0).pow(2) }, [column], secondOrder: true)
  }

  @Test func trilAndTriuKeepTheirTriangle() {
    let x = Tensor((1...12).map(Double.init), shape: [3, 4], dtype: .float64)
    #expect(x.tril().toDoubles() == [1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0])
    #expect(x.tril(diagonal: -1).toDoubles() == [0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0])
    #expect(x.tril(diagonal: 1).toDoubles() == [1, 2, 0, 0, 5, 6, 7, 0, 9, 10, 11, 12])
    #expect(x.triu().toDoubles() == [1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12])
    #expect(x.triu(diagonal: 1).toDoubles() == [0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12])
    #expect(x.triu(diagonal: -2).toDoubles() == (1...12).map(Double.init))
    #expect(x.triu(diagonal: 9).toDoubles() == [Double](repeating: 0, count: 12))
    // Tall matrices, a batch of them, and ±∞ (a 0/1 product would give NaN there).
    let tall = Tensor.ones([2, 4, 2])
    #expect(tall.triu(diagonal: 1).toDoubles() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
    let infinite = Tensor.full([3, 3], -.infinity, dtype: .float64)
    #expect(infinite.triu(diagonal: 1).toDoubles() == [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
    // bool: the causal "allowed" mask.
    #expect(Tensor.ones([3, 3], dtype: .bool).tril().toArray(Bool.self) == [true, false, false, true, true, false, true, true, true])
    // A transposed view is read logically.
    let t = x.t()   // [4, 3]
    #expect(t.tril().toDoubles() == [1, 0, 0, 2, 6, 0, 3, 7, 11, 4, 8, 12])
  }

  @Test("tril and triu gradients", arguments: GradLayout.allCases)
  func triangleGradients(_ layout: GradLayout) {
    let x = gradLeaf([2, 3, 4], layout, seed: 64)
    for d in [-1, 0, 2] {
      expectGradients({ $0[0].tril(diagonal: d) * $0[0] }, [x], secondOrder: d == 0)
      expectGradients({ $0[0].triu(diagonal: d).sin() }, [x], secondOrder: d == -1)
    }
    // A broadcast input: one matrix expanded over a batch of 2.
    let m = gradLeaf([3, 4], layout, seed: 65)
    expectGradients({ $0[0].expanded(2, 3, 4).tril(diagonal: 1).exp() }, [m], secondOrder: true)
  }

  @Test func logicalAndOrCombineMasks() {
    let a = Tensor([true, true, false, false]), b = Tensor([true, false, true, false])
    #expect(a.logicalAnd(b).toArray(Bool.self) == [true, false, false, false])
    #expect(a.logicalOr(b).toArray(Bool.self) == [true, true, true, false])
    // Broadcast, and numbers count as true when non-zero.
    let column = Tensor([true, false]).reshaped(2, 1)
    #expect(column.logicalOr(b).shape == [2, 4])
    #expect(column.logicalOr(b).toArray(Bool.self) == [true, true, true, true, true, false, true, false])
    #expect(Tensor([0.0, 2.0, -1.0]).logicalAnd(Tensor([1, 1, 0])).toArray(Bool.self) == [false, true, false])
  }

  @Test func maskedFillNamesShapesThatDoNotBroadcast() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([3, 4]).maskedFill(Tensor.ones([3], dtype: .bool), with: 0)
    }
    let text = stderrOf(result)
    #expect(text.contains("maskedFill") && text.contains("[3, 4]") && text.contains("[3]"))
  }

  @Test func maskedFillWantsABoolMask() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([3]).maskedFill(Tensor([1, 0, 1]), with: 0)
    }
    #expect(stderrOf(result).contains("maskedFill: the mask must be a bool tensor"))
  }

  @Test func trilNeedsMatrices() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([3]).tril()
    }
    #expect(stderrOf(result).contains("tril: needs a tensor with at least 2 axes"))
  }
}
