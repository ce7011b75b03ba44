import Testing
@testable import Torchlight

/// The same logical values laid out four ways. Ops must not care which one they get.
enum TestLayout: String, CaseIterable, CustomTestStringConvertible, Sendable {
  case contiguous, transposed, strided, offset
  var testDescription: String { rawValue }
}

/// Seeded values in [-3, 3) of `shape`, in the requested layout (dtype float32 unless asked).
func sample(_ shape: [Int], _ layout: TestLayout, seed: UInt64, dtype: DType = .float32) -> Tensor {
  let values = Tensor.uniform([Layout.count(shape)], low: -3, high: 3, dtype: .float64, generator: Generator(seed: seed))
    .toArray(Double.self).map { dtype == .int64 ? $0.rounded() : $0 }
  let logical = Tensor(values, shape: shape, dtype: dtype)
  switch layout {
  case .contiguous:
    return logical
  case .transposed:
    guard shape.count >= 2 else { return sample(shape, .strided, seed: seed, dtype: dtype) }
    let reversed = Array((0..<shape.count).reversed())
    return logical.permuted(reversed).contiguous().permuted(reversed)
  case .strided:
    let wide = Tensor.zeros(Array(shape.dropLast()) + [2 * (shape.last ?? 1)], dtype: dtype)
    let view = shape.isEmpty ? wide[1] : wide[.ellipsis, .slice(1, nil, step: 2)]
    view.copy(from: logical)
    return view
  case .offset:
    let big = Tensor.zeros([Layout.count(shape) + 7], dtype: dtype)
    let view = big[5..<(5 + Layout.count(shape))].reshaped(shape)
    view.copy(from: logical)
    return view
  }
}

/// Every index of a shape in row-major order.
func indices(of shape: [Int]) -> [[Int]] { allIndices(shape) }

/// Row-major offset of an index in a shape (the reference for "logical position").
func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
  zip(index, Layout.contiguousStrides(shape)).reduce(0) { $0 + $1.0 * $1.1 }
}

/// The value a broadcast operand of `shape` holds at output index `index`.
func broadcastValue(_ values: [Double], _ shape: [Int], at index: [Int]) -> Double {
  let lead = index.count - shape.count
  let own = shape.indices.map { shape[$0] == 1 ? 0 : index[lead + $0] }
  return values[flatIndex(own, shape)]
}

/// Reference broadcast shape, written independently of the engine.
func referenceBroadcast(_ a: [Int], _ b: [Int]) -> [Int] {
  let n = max(a.count, b.count)
  let pa = [Int](repeating: 1, count: n - a.count) + a, pb = [Int](repeating: 1, count: n - b.count) + b
  return zip(pa, pb).map { max($0, $1) }
}

func expectClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-5,
                 _ what: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(actual.count == expected.count, "\(what()): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
  for (a, e) in zip(actual, expected) where !(Swift.abs(a - e) <= tolerance * max(1, Swift.abs(e)) || (a.isNaN && e.isNaN) || a == e) {
    #expect(Bool(false), "\(what()): got \(a), expected \(e)", sourceLocation: sourceLocation)
    return
  }
}

/// What an exit test's child wrote to standard error.
func stderrOf(_ result: ExitTest.Result?) -> String {
  String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
}
