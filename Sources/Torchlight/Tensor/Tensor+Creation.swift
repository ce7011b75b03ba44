import Foundation

/// Swift values a tensor can be built from: scalars and arrays of them, nested to any depth.
///
/// One rule, `torch.tensor`'s, for every way of making a tensor from Swift values: `Double`s
/// (Swift's floating literals) give the default floating dtype (`Tensor.defaultDType`, float32
/// unless changed by `Tensor.withDefaultDType`), `Float`s float32, `Int`s and `Int64`s int64,
/// `Bool`s bool; an explicit `dtype:` always wins.
public protocol TensorConvertible {
  /// The dtype a tensor made from this value gets by default.
  static var defaultDType: DType { get }
  /// Appends the scalars in row-major order, recording the size met at each nesting depth.
  func flatten(into values: inout [Double], shape: inout [Int], depth: Int)
}

extension TensorConvertible where Self: TensorElement {
  public func flatten(into values: inout [Double], shape: inout [Int], depth: Int) {
    if shape.count > depth { fatalError("Tensor: ragged nested array: a scalar sits where an array of \(shape[depth]) was expected") }
    values.append(doubleValue)
  }
}
extension Double: TensorConvertible { public static var defaultDType: DType { Tensor.defaultDType } }
extension Float: TensorConvertible { public static var defaultDType: DType { .float32 } }
extension Int64: TensorConvertible { public static var defaultDType: DType { .int64 } }
extension Bool: TensorConvertible { public static var defaultDType: DType { .bool } }
extension Int: TensorConvertible {
  public static var defaultDType: DType { .int64 }
  public func flatten(into values: inout [Double], shape: inout [Int], depth: Int) {
    Int64(self).flatten(into: &values, shape: &shape, depth: depth)
  }
}
extension Array: TensorConvertible where Element: TensorConvertible {
  public static var defaultDType: DType { Element.defaultDType }
  public func flatten(into values: inout [Double], shape: inout [Int], depth: Int) {
    if shape.count == depth {
      shape.append(count)
    } else if depth > shape.count || shape[depth] != count {
      fatalError("Tensor: ragged nested array: found \(count) elements at depth \(depth) where \(depth < shape.count ? shape[depth] : 0) were expected")
    }
    for element in self { element.flatten(into: &values, shape: &shape, depth: depth + 1) }
  }
}

extension Tensor {
  /// A tensor holding a copy of `data`: a scalar, an array, or nested arrays (`[[1, 2], [3, 4]]`).
  public convenience init<T: TensorConvertible>(_ data: T, dtype: DType? = nil) {
    var values: [Double] = []
    var shape: [Int] = []
    data.flatten(into: &values, shape: &shape, depth: 0)
    guard values.count == Layout.count(shape) else {
      fatalError("Tensor: ragged nested array: shape \(shape) needs \(Layout.count(shape)) scalars, found \(values.count)")
    }
    self.init(zeros: shape, dtype: dtype ?? T.defaultDType)
    fill(fromDoubles: values)
  }

  /// A tensor of `shape` holding `values` in row-major order, with the dtype the values give
  /// (`[Double]`: the default floating dtype, as `Tensor([1.0, 2.0])`) unless `dtype` is given.
  public convenience init<T: TensorElement>(_ values: [T], shape: [Int], dtype: DType? = nil) {
    guard values.count == Layout.count(shape) else {
      fatalError("Tensor(_:shape:): \(values.count) values cannot fill shape \(shape) (\(Layout.count(shape)) elements)")
    }
    let dtype = dtype ?? (T.self as? TensorConvertible.Type)?.defaultDType ?? T.dtype
    // Every element is written below, so the storage needs no zero fill first.
    self.init(uninitialized: shape, dtype: dtype)
    if values.isEmpty { return }
    if dtype == T.dtype {
      values.withUnsafeBufferPointer { src in
        base(T.self).initialize(from: src.baseAddress!, count: values.count)
      }
    } else if let doubles = values as? [Double] {
      fill(fromDoubles: doubles)
    } else {
      fill(fromDoubles: values.map(\.doubleValue))
    }
  }

  /// A new contiguous tensor of `shape` whose elements `body` writes, row-major, through a buffer
  /// of exactly `count` elements of `T`. Nothing is zeroed first and no array is built, so a data
  /// loader can convert a large file (bytes to floats, say) straight into the tensor.
  /// `body` must write every element.
  public convenience init<T: TensorElement>(shape: [Int], of type: T.Type, writing body: (UnsafeMutableBufferPointer<T>) throws -> Void) rethrows {
    self.init(uninitialized: shape, dtype: T.dtype)
    try body(UnsafeMutableBufferPointer(start: base(T.self), count: Layout.count(shape)))
  }

  /// Writes row-major values into this freshly made contiguous tensor, converting to its dtype.
  func fill(fromDoubles values: [Double]) {
    func write<T: TensorElement>(_: T.Type) {
      let p = base(T.self)
      for i in values.indices { p[i] = T(converting: values[i]) }
    }
    switch dtype {
    case .float32: write(Float.self)
    case .float64: write(Double.self)
    case .float16: write(Float16.self)
    case .bfloat16: write(BFloat16.self)
    case .int64: write(Int64.self)
    case .bool: write(Bool.self)
    }
  }

  // MARK: Constant tensors

  /// All zeros (`torch.zeros`).
  public static func zeros(_ shape: [Int], dtype: DType = Tensor.defaultDType) -> Tensor { Tensor(zeros: shape, dtype: dtype) }
  /// All ones (`torch.ones`).
  public static func ones(_ shape: [Int], dtype: DType = Tensor.defaultDType) -> Tensor { full(shape, 1, dtype: dtype) }
  /// Every element equal to `value` (`torch.full`).
  public static func full(_ shape: [Int], _ value: Double, dtype: DType = Tensor.defaultDType) -> Tensor {
    if value == 0 { return Tensor(zeros: shape, dtype: dtype) }
    let t = Tensor(uninitialized: shape, dtype: dtype)  // one pass over memory, not zeroing then filling
    t.fill(value)
    return t
  }
  /// Zeros with the shape and dtype of `other`.
  public static func zeros(like other: Tensor, dtype: DType? = nil) -> Tensor { zeros(other.shape, dtype: dtype ?? other.dtype) }
  /// Ones with the shape and dtype of `other`.
  public static func ones(like other: Tensor, dtype: DType? = nil) -> Tensor { ones(other.shape, dtype: dtype ?? other.dtype) }
  /// `value` everywhere, with the shape and dtype of `other`.
  public static func full(like other: Tensor, _ value: Double, dtype: DType? = nil) -> Tensor {
    full(other.shape, value, dtype: dtype ?? other.dtype)
  }

  // MARK: Ranges

  /// `start, start+step, …` up to but excluding `end` (`torch.arange`). int64 when all three
  /// bounds are whole numbers and no dtype is given, the default floating dtype otherwise.
  public static func arange(_ start: Double = 0, _ end: Double, step: Double = 1, dtype: DType? = nil) -> Tensor {
    guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
      fatalError("arange: step must be non-zero and bounds finite (start \(start), end \(end), step \(step))")
    }
    let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
    let whole = [start, end, step].allSatisfy { $0 == $0.rounded() }
    let t = Tensor(zeros: [n], dtype: dtype ?? (whole ? .int64 : Tensor.defaultDType))
    t.fill(fromDoubles: (0..<n).map { start + Double($0) * step })
    return t
  }
  /// `0, 1, …, end-1` (`torch.arange(end)`), int64 unless a dtype is given.
  public static func arange(_ end: Int, dtype: DType = .int64) -> Tensor { arange(0, Double(end), dtype: dtype) }

  /// `steps` evenly spaced values from `start` to `end`, both included (`torch.linspace`).
  public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = Tensor.defaultDType) -> Tensor {
    precondition(steps >= 0, "linspace: steps must be non-negative, got \(steps)")
    let t = Tensor(zeros: [steps], dtype: dtype)
    let delta = steps > 1 ? (end - start) / Double(steps - 1) : 0
    // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
    t.fill(fromDoubles: (0..<steps).map { i in i < steps / 2 ? start + Double(i) * delta : end - Double(steps - 1 - i) * delta })
    return t
  }

  /// `base` raised to `steps` evenly spaced exponents from `start` to `end` (`torch.logspace`).
  public static func logspace(_ start: Double, _ end: Double, steps: Int, base: Double = 10, dtype: DType = Tensor.defaultDType) -> Tensor {
    let exponents = linspace(start, end, steps: steps, dtype: .float64).toArray(Double.self)
    let t = Tensor(zeros: [steps], dtype: dtype)
    t.fill(fromDoubles: exponents.map { Foundation.pow(base, $0) })
    return t
  }

  /// The identity matrix, or an `n × m` matrix with ones on the diagonal (`torch.eye`).
  public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = Tensor.defaultDType) -> Tensor {
    let cols = m ?? n
    let t = Tensor(zeros: [n, cols], dtype: dtype)
    for i in 0..<Swift.min(n, cols) { t.setElement(at: [i, i], 1) }
    return t
  }
}
