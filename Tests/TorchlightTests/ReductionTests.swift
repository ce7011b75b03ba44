import Foundation
import Testing
@testable import Torchlight

/// Reference reduction over `axes` of logical values, with keepDims.
func referenceReduce(_ values: [Double], _ shape: [Int], axes: [Int], keepDims: Bool, _ f: ([Double]) -> Double) -> (shape: [Int], values: [Double]) {
  let kept = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
  let out = indices(of: kept).map { o in
    f(indices(of: shape).filter { i in i.indices.allSatisfy { axes.contains($0) || i[$0] == o[$0] } }.map { values[flatIndex($0, shape)] })
  }
  return (keepDims ? kept : shape.indices.filter { !axes.contains($0) }.map { shape[$0] }, out)
}

@Suite("Reductions") struct ReductionTests {
  static var references: [(String, (Tensor, [Int], Bool) -> Tensor, ([Double]) -> Double)] { [
    ("sum", { $0.sum(axes: $1, keepDims: $2) }, { $0.reduce(0, +) }),
    ("mean", { $0.mean(axes: $1, keepDims: $2) }, { $0.reduce(0, +) / Double($0.count) }),
    ("prod", { $0.prod(axes: $1, keepDims: $2) }, { $0.reduce(1, *) }),
    ("amax", { $0.amax(axes: $1, keepDims: $2) }, { $0.max()! }),
    ("amin", { $0.amin(axes: $1, keepDims: $2) }, { $0.min()! }),
    ("variance", { $0.variance(axes: $1, keepDims: $2) }, { v in let m = v.reduce(0, +) / Double(v.count); return v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1) }),
    ("std0", { $0.std(axes: $1, correction: 0, keepDims: $2) }, { v in let m = v.reduce(0, +) / Double(v.count); return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot() }),
    ("logsumexp", { $0.logsumexp(axes: $1, keepDims: $2) }, { v in Foundation.log(v.map(Foundation.exp).reduce(0, +)) }),
  ] }

  @Test("over any axes, with and without keepDims", arguments: TestLayout.allCases)
  func reduceAxes(_ layout: TestLayout) {
    let shape = [2, 3, 4]
    let x = sample(shape, layout, seed: 20, dtype: .float64)
    let v = x.toDoubles()
    for axes in [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]] {
      for keep in [false, true] {
        for (name, op, f) in Self.references {
          let expected = referenceReduce(v, shape, axes: axes, keepDims: keep, f)
          let y = op(x, axes, keep)
          #expect(y.shape == expected.shape, "\(name) over \(axes)")
          expectClose(y.toDoubles(), expected.values, tolerance: 1e-10, "\(name) over \(axes) keepDims \(keep) (\(layout))")
        }
      }
    }
    // Negative axes and the whole-tensor forms.
    expectClose(x.sum(axis: -1).toDoubles(), x.sum(axis: 2).toDoubles(), "sum(axis: -1)")
    expectClose([x.sum().item()], [v.reduce(0, +)], tolerance: 1e-10, "sum()")
    #expect(x.max().item() == v.max()! && x.min().item() == v.min()!)
  }

  @Test func maxMinWithIndicesTakeTheFirstOnTies() {
    let x = Tensor([[1.0, 5, 5, 2], [7, 7, 0, 7]])
    let (values, indices) = x.max(axis: 1)
    #expect(values.toDoubles() == [5, 7] && indices.toArray(Int64.self) == [1, 0])
    let (mins, at) = x.min(axis: 0, keepDims: true)
    #expect(mins.shape == [1, 4])
    #expect(mins.toDoubles() == [1, 5, 0, 2])
    #expect(at.toArray(Int64.self) == [0, 0, 1, 0])
    #expect(x.argmax().item() == 4)
    #expect(x.argmin(axis: 1).toArray(Int64.self) == [0, 2])
    #expect(Tensor([1.0, .nan, 3]).max(axis: 0).values.item().isNaN, "NaN propagates as in PyTorch")
  }

  @Test("argmax matches a reference scan", arguments: TestLayout.allCases)
  func argmaxReference(_ layout: TestLayout) {
    let x = sample([3, 5], layout, seed: 21)
    let v = x.toDoubles()
    var expected: [Int64] = []
    for r in 0..<3 {
      let row: [Double] = Array(v[(r * 5)..<(r * 5 + 5)])
      expected.append(Int64(row.firstIndex(of: row.max()!)!))
    }
    #expect(x.argmax(axis: 1).toArray(Int64.self) == expected)
  }

  @Test func logsumexpIsStableForHugeAndEmptyRows() {
    let x = Tensor([[1000.0, 1000.0], [-.infinity, -.infinity]], dtype: .float64)
    let y = x.logsumexp(axis: 1).toDoubles()
    #expect(Swift.abs(y[0] - (1000 + Foundation.log(2))) < 1e-9)
    #expect(y[1] == -.infinity)
  }

  @Test func sumOfTenMillionFloatsStaysAccurate() {
    let n = 1 << 20
    let x = Tensor.full([n], 0.1)
    #expect(Swift.abs(x.sum().item() - 0.1 * Double(n)) / (0.1 * Double(n)) < 1e-6)
  }

  @Test func integerAndBoolSums() {
    #expect(Tensor([true, false, true]).sum().toDoubles() == [2])
    #expect(Tensor([[1, 2], [3, 4]]).sum(axis: 0).toArray(Int64.self) == [4, 6])
    #expect(Tensor([1, 2]).mean().dtype == .float32)
  }
}
