/// One entry of a subscript: `x[1, 2..<5, .all, .slice(0, nil, step: 2), .newAxis]`.
public struct TensorIndex: Sendable {
  enum Kind: Sendable {
    case index(Int)
    case slice(Int?, Int?, step: Int)
    case all, newAxis, ellipsis
  }
  let kind: Kind
}

/// Swift values usable inside a tensor subscript.
public protocol TensorIndexConvertible { var tensorIndex: TensorIndex { get } }
extension TensorIndex: TensorIndexConvertible { public var tensorIndex: TensorIndex { self } }
extension Int: TensorIndexConvertible { public var tensorIndex: TensorIndex { .index(self) } }
extension Range<Int>: TensorIndexConvertible { public var tensorIndex: TensorIndex { .slice(lowerBound, upperBound) } }
extension ClosedRange<Int>: TensorIndexConvertible { public var tensorIndex: TensorIndex { .slice(lowerBound, upperBound + 1) } }
extension PartialRangeFrom<Int>: TensorIndexConvertible { public var tensorIndex: TensorIndex { .slice(lowerBound, nil) } }
extension PartialRangeUpTo<Int>: TensorIndexConvertible { public var tensorIndex: TensorIndex { .slice(nil, upperBound) } }
extension PartialRangeThrough<Int>: TensorIndexConvertible { public var tensorIndex: TensorIndex { .slice(nil, upperBound + 1) } }
extension StrideTo<Int>: TensorIndexConvertible {
  /// `stride(from: 0, to: 10, by: 2)` reads like Python's `0:10:2`.
  public var tensorIndex: TensorIndex {
    let m = Mirror(reflecting: self).children.map { $0.value as? Int }
    return .slice(m[0], m[1], step: m[2] ?? 1)
  }
}

extension Tensor {
  /// A view picked out by indices, ranges, steps, `.newAxis` and `.ellipsis`, like NumPy's basic
  /// indexing. Assigning through the subscript copies values into that view, broadcasting them:
  /// `x[0, 1..<3] = Tensor(5)` writes 5 into two elements of `x`.
  public subscript(_ indices: any TensorIndexConvertible...) -> Tensor {
    get { indexed(indices.map(\.tensorIndex)) }
    set {
      checkInPlaceAllowed("index assignment")
      indexedView(indices.map(\.tensorIndex)).copy(from: newValue)
    }
  }

  /// The view described by a list of `TensorIndex`; its gradient is placed back into zeros of
  /// this tensor's shape at the same positions.
  public func indexed(_ indices: [TensorIndex]) -> Tensor {
    indexedView(indices).recorded("IndexBackward", inputs: [self]) { g in [g.embedded(into: self.shape, at: indices)] }
  }

  /// A tensor of zeros of `shape` with this tensor written at `indices`: the reverse of
  /// `indexed` and the gradient of every slicing view. Its own gradient is `g.indexed(indices)`.
  func embedded(into shape: [Int], at indices: [TensorIndex]) -> Tensor {
    let out = Tensor(zeros: shape, dtype: dtype)
    withNoGrad { out.indexedView(indices).copy(from: self) }
    return out.recorded("EmbedBackward", inputs: [self]) { g in [g.indexed(indices)] }
  }

  func indexedView(_ indices: [TensorIndex]) -> Tensor {
    let consumed = indices.filter { if case .newAxis = $0.kind { false } else if case .ellipsis = $0.kind { false } else { true } }.count
    guard consumed <= rank else {
      fatalError("index: too many indices (\(consumed)) for a tensor of rank \(rank) (shape \(shape))")
    }
    guard indices.filter({ if case .ellipsis = $0.kind { true } else { false } }).count <= 1 else {
      fatalError("index: at most one .ellipsis is allowed")
    }
    var newShape: [Int] = [], newStrides: [Int] = []
    var newOffset = offset
    var axis = 0
    for entry in indices {
      switch entry.kind {
      case .index(let i):
        let j = i < 0 ? i + shape[axis] : i
        guard j >= 0 && j < shape[axis] else {
          fatalError("index: index \(i) is out of bounds for axis \(axis) with size \(shape[axis]) (shape \(shape))")
        }
        newOffset += j * strides[axis]
        axis += 1
      case .slice(let start, let end, let step):
        guard step > 0 else { fatalError("index: slice step must be positive, got \(step)") }
        let n = shape[axis]
        func clampBound(_ b: Int?, _ fallback: Int) -> Int {
          guard let b else { return fallback }
          return Swift.min(Swift.max(b < 0 ? b + n : b, 0), n)
        }
        let s = clampBound(start, 0), e = Swift.max(clampBound(end, n), s)
        newShape.append((e - s + step - 1) / step)
        newStrides.append(strides[axis] * step)
        newOffset += s < n ? s * strides[axis] : 0
        axis += 1
      case .all:
        newShape.append(shape[axis]); newStrides.append(strides[axis]); axis += 1
      case .newAxis:
        newShape.append(1); newStrides.append(axis < rank ? shape[axis] * strides[axis] : 1)
      case .ellipsis:
        for _ in 0..<(rank - consumed) {
          newShape.append(shape[axis]); newStrides.append(strides[axis]); axis += 1
        }
      }
    }
    while axis < rank {
      newShape.append(shape[axis]); newStrides.append(strides[axis]); axis += 1
    }
    return view(shape: newShape, strides: newStrides, offset: newOffset)
  }
}

/// Lets `.all`, `.newAxis`, `.ellipsis` and `.slice(…)` be written inside a subscript.
extension TensorIndexConvertible where Self == TensorIndex {
  /// The whole axis (`:` in Python).
  public static var all: TensorIndex { TensorIndex(kind: .all) }
  /// Inserts an axis of size 1 (`None` in Python).
  public static var newAxis: TensorIndex { TensorIndex(kind: .newAxis) }
  /// As many `.all` as needed to cover the remaining axes (`...` in Python).
  public static var ellipsis: TensorIndex { TensorIndex(kind: .ellipsis) }
  /// Positions `start..<end` by `step` (nil bounds mean the ends; negatives count from the end).
  public static func slice(_ start: Int?, _ end: Int?, step: Int = 1) -> TensorIndex { TensorIndex(kind: .slice(start, end, step: step)) }
  /// One position; the axis is removed (negative counts from the end).
  public static func index(_ i: Int) -> TensorIndex { TensorIndex(kind: .index(i)) }
}
