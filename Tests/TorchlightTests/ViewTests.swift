import Testing
@testable import Torchlight

@Suite("Views and copies") struct ViewTests {
  @Test func layoutArithmeticOfHugeEmptyShapesDoesNotOverflow() {
    #expect(Layout.checkedCount([0, 1 << 32, 1 << 32]) == 0)
    #expect(Layout.checkedCount([1 << 32, 1 << 32, 0]) == 0)
    #expect(Layout.checkedCount([Int.max, 0]) == 0)
    #expect(Layout.checkedCount([1 << 32, 1 << 32]) == nil)
    #expect(Layout.checkedCount([]) == 1 && Layout.checkedCount([2, 3, 4]) == 24)
    #expect(Layout.contiguousStrides([0, 1 << 32, 1 << 32]) == [Int.max, 1 << 32, 1])
    #expect(Layout.contiguousStrides([2, 3, 4]) == [12, 4, 1])
    #expect(Tensor.zeros([0, 1 << 32, 1 << 32]).count == 0)
    // Such an empty tensor is contiguous and can be copied and saved (found by the loader fuzzer).
    let strides = Layout.contiguousStrides([1 << 32, 1 << 32, 0])
    #expect(Layout.isContiguous(shape: [1 << 32, 1 << 32, 0], strides: strides))
    #expect(Layout.isDense(shape: [0, 1 << 32, 1 << 32], strides: Layout.contiguousStrides([0, 1 << 32, 1 << 32])))
    #expect(Layout.isContiguous(shape: [3, 0], strides: [1, 1]) && !Layout.isContiguous(shape: [3, 0], strides: [1, 3]))
    let empty = Tensor.zeros([1 << 32, 1 << 32, 0])
    #expect(empty.isContiguous && empty.contiguous().shape == empty.shape && empty.toArray(Float.self).isEmpty)
  }

  @Test func viewsShareStorageAndCopyNothing() {
    let a = Tensor.arange(24).float().view(2, 3, 4)
    let views = [a.view(6, 4), a.view(-1), a.reshaped(4, 6), a.transposed(0, 2), a.permuted(2, 0, 1),
                 a[1], a[.all, 1..<3], a.narrow(axis: 2, start: 1, length: 2), a.select(axis: 1, index: 2),
                 a.unsqueezed(axis: 0), a.unsqueezed(axis: 0).squeezed(), a[.ellipsis, .newAxis], a.flattened()]
    for v in views { #expect(v.storage === a.storage) }
    #expect(a.view(-1, 8).shape == [3, 8])
  }

  @Test func transposedAndPermutedMatchReferenceIndexing() {
    let a = sample([2, 3, 4], .contiguous, seed: 1)
    let v = a.toDoubles()
    let p = a.permuted(2, 0, 1)
    #expect(p.shape == [4, 2, 3])
    for i in indices(of: p.shape) { #expect(p.element(at: i) == v[flatIndex([i[1], i[2], i[0]], a.shape)]) }
    let t = a.transposed(0, 2)
    for i in indices(of: t.shape) { #expect(t.element(at: i) == v[flatIndex([i[2], i[1], i[0]], a.shape)]) }
    #expect(Tensor([1.0, 2.0]).t().shape == [2])
  }

  @Test func viewRefusesImpossibleLayoutsAndReshapedCopies() {
    let t = Tensor.arange(6).view(2, 3).t()
    #expect(Layout.viewStrides(shape: t.shape, strides: t.strides, newShape: [6]) == nil)
    let r = t.reshaped(6)
    #expect(r.storage !== t.storage)
    #expect(r.toDoubles() == [0, 3, 1, 4, 2, 5])
    // Splitting a transposed axis is still a view.
    #expect(Layout.viewStrides(shape: [4, 6], strides: [1, 4], newShape: [2, 2, 6]) == [2, 1, 4])
    let c = Tensor.arange(6).view(2, 3)
    #expect(c.reshaped(3, 2).storage === c.storage)
  }

  @Test func viewOfATransposeStopsWithAHelpfulMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.arange(6).view(2, 3).t().view(6)
    }
    let text = stderrOf(result)
    #expect(text.contains("view") && text.contains("[3, 2]") && text.contains("reshaped"))
  }

  @Test func contiguousCopiesOnlyWhenNeeded() {
    let a = Tensor.zeros([3, 4])
    #expect(a.contiguous() === a)
    let t = a.t()
    #expect(!t.isContiguous && t.contiguous().isContiguous && t.contiguous().storage !== a.storage)
    #expect(a[.all, 0..<1].isContiguous == false)
    #expect(a[1..<2].isContiguous)
  }

  @Test func squeezeUnsqueezeExpand() {
    let a = Tensor.zeros([3, 1, 4, 1])
    #expect(a.squeezed().shape == [3, 4])
    #expect(a.squeezed(axis: 1).shape == [3, 4, 1])
    #expect(a.squeezed(axis: 0).shape == [3, 1, 4, 1])
    #expect(a.unsqueezed(axis: -1).shape == [3, 1, 4, 1, 1])
    let b = Tensor([[1.0], [2.0]]).expanded(3, 2, 4)
    #expect(b.shape == [3, 2, 4] && b.strides[0] == 0 && b.strides[2] == 0)
    #expect(b.toDoubles() == Array(repeating: [1, 1, 1, 1, 2, 2, 2, 2], count: 3).flatMap { $0 })
    #expect(Tensor.zeros([2, 1]).expanded(-1, 5).shape == [2, 5])
  }

  @Test("slicing with ranges, steps and negative indices", arguments: TestLayout.allCases)
  func slicing(_ layout: TestLayout) {
    let a = sample([4, 5], layout, seed: 2)
    let v = a.toDoubles()
    func at(_ i: Int, _ j: Int) -> Double { v[i * 5 + j] }
    #expect(a[1].toDoubles() == (0..<5).map { at(1, $0) })
    #expect(a[-1].toDoubles() == (0..<5).map { at(3, $0) })
    #expect(a[.all, 2].toDoubles() == (0..<4).map { at($0, 2) })
    #expect(a[1..<3, 2...].toDoubles() == [at(1, 2), at(1, 3), at(1, 4), at(2, 2), at(2, 3), at(2, 4)])
    #expect(a[...1, ..<2].toDoubles() == [at(0, 0), at(0, 1), at(1, 0), at(1, 1)])
    #expect(a[stride(from: 0, to: 4, by: 3), .slice(1, nil, step: 2)].toDoubles() == [at(0, 1), at(0, 3), at(3, 1), at(3, 3)])
    #expect(a[.slice(-2, nil), -1].toDoubles() == [at(2, 4), at(3, 4)])
    #expect(a[.newAxis, 2, .ellipsis].shape == [1, 5])
    #expect(a[2, 3].item() == at(2, 3))
    #expect(a[.slice(10, 20)].shape == [0, 5])
  }

  @Test func splitChunkUnbindNarrowSelect() {
    let a = Tensor.arange(10).view(2, 5)
    #expect(a.split(2, axis: 1).map(\.shape) == [[2, 2], [2, 2], [2, 1]])
    #expect(a.split(sizes: [1, 4], axis: 1).map { $0.toDoubles() } == [[0, 5], [1, 2, 3, 4, 6, 7, 8, 9]])
    #expect(a.chunk(2, axis: 1).map(\.shape) == [[2, 3], [2, 2]])
    #expect(a.unbind(axis: 0).map { $0.toDoubles() } == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])
    #expect(a.narrow(axis: 1, start: -2, length: 2).toDoubles() == [3, 4, 8, 9])
    #expect(a.select(axis: 1, index: 1).toDoubles() == [1, 6])
  }

  @Test("cat and stack copy in order", arguments: TestLayout.allCases)
  func catAndStack(_ layout: TestLayout) {
    let a = sample([2, 3], layout, seed: 3), b = sample([2, 2], layout, seed: 4)
    let c = Tensor.cat([a, b], axis: 1)
    #expect(c.shape == [2, 5])
    let va = a.toDoubles(), vb = b.toDoubles()
    #expect(c.toDoubles() == [va[0], va[1], va[2], vb[0], vb[1], va[3], va[4], va[5], vb[2], vb[3]])
    #expect(Tensor.cat([a, a], axis: 0).toDoubles() == va + va)
    let s = Tensor.stack([a, a * 2], axis: 1)
    #expect(s.shape == [2, 2, 3])
    #expect(s[0, 1].toDoubles() == [va[0] * 2, va[1] * 2, va[2] * 2].map { Double(Float($0)) })
    #expect(Tensor.cat([Tensor([1, 2]), Tensor([2.5])]).dtype == .float32)
  }

  @Test func catOfMismatchedShapesStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.cat([Tensor.zeros([2, 3]), Tensor.zeros([3, 3])], axis: 1)
    }
    #expect(stderrOf(result).contains("cat") && stderrOf(result).contains("[3, 3]"))
  }

  @Test func aReshapeThatCannotFitNamesBothShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.zeros([2, 3]).reshaped(4, -1)
    }
    let text = stderrOf(result)
    #expect(text.contains("reshaped") && text.contains("[4, -1]") && text.contains("[2, 3]"), "\(text)")
  }
}

@Suite("In-place ops") struct InPlaceTests {
  @Test("writes go through views and bump the version", arguments: TestLayout.allCases)
  func throughViews(_ layout: TestLayout) {
    let a = sample([3, 4], layout, seed: 5)
    let before = a.toDoubles()
    let version = a.storage.version
    let column = a[.all, 1]
    column += 10
    #expect(a.storage.version == version + 1)
    column -= Tensor([1.0, 2.0, 3.0])
    column *= 2
    column /= 4
    let expected = before.enumerated().map { i, v in i % 4 == 1 ? Double(Float((v + 10 - Double(i / 4 + 1)) * 2 / 4)) : v }
    expectClose(a.toDoubles(), expected, "column updates on \(layout)")
    #expect(a.storage.version == version + 4)
    a.t()[2].fill(7)
    #expect((0..<3).allSatisfy { a[$0, 2].item() == 7 })
    a[0].copy(from: Tensor([1.0, 2, 3, 4]))
    #expect(a[0].toDoubles() == [1, 2, 3, 4])
    a[1, 1..<3] = Tensor(-5.0)
    #expect(a[1, 1].item() == -5 && a[1, 2].item() == -5)
    a.addInPlace(Tensor.ones([4]), alpha: -2)
    #expect(a[0].toDoubles() == [-1, 0, 1, 2])
    a.zero()
    #expect(a.toDoubles().allSatisfy { $0 == 0 })
  }

  @Test func overlappingCopyReadsASnapshot() {
    let a = Tensor([1.0, 2, 3, 4])
    a[1...].copy(from: a[..<3])
    #expect(a.toDoubles() == [1, 1, 2, 3])
  }
}
