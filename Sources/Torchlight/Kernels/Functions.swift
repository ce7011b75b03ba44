/// Scalar functions that elementwise ops apply, written once for every element type they
/// support. Kernels are generic over these, and the compiler specialises each pair (function,
/// element type) into its own loop, so there is no call or switch per element.

/// f(a, b) for the numeric element types (float32, float64, int64).
protocol NumericBinaryFunction { static func apply<T: NumericElement>(_ a: T, _ b: T) -> T }
/// f(a, b) for the floating-point element types.
protocol FloatBinaryFunction { static func apply<T: FloatElement>(_ a: T, _ b: T) -> T }
/// f(x) for the floating-point element types.
protocol FloatUnaryFunction { static func apply<T: FloatElement>(_ x: T) -> T }
/// A predicate on two numbers, giving a bool mask.
protocol ComparisonFunction { static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool }

enum Add: NumericBinaryFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { a + b } }
enum Sub: NumericBinaryFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { a - b } }
enum Mul: NumericBinaryFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { a * b } }
/// The larger of two values; NaN wins, as in `torch.maximum`.
enum Maximum: NumericBinaryFunction {
  @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { a != a ? a : (a < b ? b : a) }
}
/// The smaller of two values; NaN wins, as in `torch.minimum`.
enum Minimum: NumericBinaryFunction {
  @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> T { a != a ? a : (b < a ? b : a) }
}

enum Div: FloatBinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a / b } }
enum Pow: FloatBinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { T.pow(a, b) } }

enum Exp: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { T.exp(x) } }
enum Log: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { T.log(x) } }
enum Sqrt: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { x.squareRoot() } }
enum Sin: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { T.sin(x) } }
enum Cos: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { T.cos(x) } }
enum Tanh: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { T.tanh(x) } }
/// σ(x) = 1 / (1 + e⁻ˣ), computed without overflow for large |x| (see `FloatElement.sigmoid`).
enum Sigmoid: FloatUnaryFunction { @inline(__always) static func apply<T: FloatElement>(_ x: T) -> T { T.sigmoid(x) } }

enum Equal: ComparisonFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { a == b } }
enum NotEqual: ComparisonFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { a != b } }
enum Less: ComparisonFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { a < b } }
enum LessEqual: ComparisonFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { a <= b } }
enum Greater: ComparisonFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { a > b } }
enum GreaterEqual: ComparisonFunction { @inline(__always) static func apply<T: NumericElement>(_ a: T, _ b: T) -> Bool { a >= b } }

/// Dispatch from a tensor's dtype to a kernel specialised for its Swift element type.
extension Tensor {
  /// `f(a, b)` elementwise in the promoted dtype (bool counts as int64 here).
  static func numericBinary<F: NumericBinaryFunction>(_ a: Tensor, _ b: Tensor, _: F.Type, op: String) -> Tensor {
    var dtype = resultDType(a, b)
    if dtype == .bool { dtype = .int64 }
    if dtype.isReducedPrecision {
      let a = a.float32Operand(resultDType: dtype), b = b.float32Operand(resultDType: dtype)
      return numericBinary(a, b, F.self, op: op).narrowed(to: dtype)
    }
    let a = a.to(dtype), b = b.to(dtype)
    switch dtype {
    case .float32: return Elementwise.zip(a, Float.self, b, Float.self, to: Float.self, op: op) { F.apply($0, $1) }
    case .float64: return Elementwise.zip(a, Double.self, b, Double.self, to: Double.self, op: op) { F.apply($0, $1) }
    default: return Elementwise.zip(a, Int64.self, b, Int64.self, to: Int64.self, op: op) { F.apply($0, $1) }
    }
  }

  /// `f(a, b)` elementwise in the promoted float dtype (integers become the default floating
  /// dtype, as in `torch.div`).
  static func floatBinary<F: FloatBinaryFunction>(_ a: Tensor, _ b: Tensor, _: F.Type, op: String) -> Tensor {
    var dtype = resultDType(a, b)
    if !dtype.isFloatingPoint { dtype = Tensor.defaultDType }
    if dtype.isReducedPrecision {
      let a = a.float32Operand(resultDType: dtype), b = b.float32Operand(resultDType: dtype)
      return floatBinary(a, b, F.self, op: op).narrowed(to: dtype)
    }
    let a = a.to(dtype), b = b.to(dtype)
    if dtype == .float32 {
      return Elementwise.zip(a, Float.self, b, Float.self, to: Float.self, op: op) { F.apply($0, $1) }
    }
    return Elementwise.zip(a, Double.self, b, Double.self, to: Double.self, op: op) { F.apply($0, $1) }
  }

  /// `f(x)` elementwise; integer and bool tensors are first converted to float32.
  func floatUnary<F: FloatUnaryFunction>(_: F.Type) -> Tensor {
    if dtype.isReducedPrecision { return inFloat32 { $0.floatUnary(F.self) } }
    let x = dtype.isFloatingPoint ? self : to(.float32)
    if x.dtype == .float32 { return x.denseUnary(F.self, Float.self) }
    return x.denseUnary(F.self, Double.self)
  }

  /// `F` on every element, split across threads when large. The loop names `F.apply` directly
  /// (not through a closure value), so each thread's slice is specialised and vectorised; a
  /// captured closure would cost an indirect call per element on the parallel path.
  private func denseUnary<F: FloatUnaryFunction, T: FloatElement>(_: F.Type, _: T.Type) -> Tensor {
    guard Layout.isDense(shape: shape, strides: strides), count >= Elementwise.parallelThreshold, Threads.count > 1 else {
      return Elementwise.map(self, T.self, to: T.self) { F.apply($0) }
    }
    let out = Tensor(uninitialized: shape, dtype: dtype, strides: strides)
    nonisolated(unsafe) let src = base(T.self), dst = out.base(T.self)
    Threads.splitRange(count, parallel: true) { start, end in
      for i in start..<end { dst[i] = F.apply(src[i]) }
    }
    return out
  }

  /// A bool mask of `f(a, b)`, compared in the promoted dtype.
  static func compare<F: ComparisonFunction>(_ a: Tensor, _ b: Tensor, _: F.Type, op: String) -> Tensor {
    var dtype = resultDType(a, b)
    if dtype == .bool { dtype = .int64 }
    // A number is rounded to the tensor's dtype before comparing, as in PyTorch.
    let a = a.to(dtype).widened(), b = b.to(dtype).widened()
    switch a.dtype {
    case .float32: return Elementwise.zip(a, Float.self, b, Float.self, to: Bool.self, op: op) { F.apply($0, $1) }
    case .float64: return Elementwise.zip(a, Double.self, b, Double.self, to: Bool.self, op: op) { F.apply($0, $1) }
    default: return Elementwise.zip(a, Int64.self, b, Int64.self, to: Bool.self, op: op) { F.apply($0, $1) }
    }
  }

  /// A 0-d tensor holding `value` in a dtype that does not promote `self` needlessly:
  /// `x + 1` keeps x's float dtype; an int tensor plus a fractional number takes the default
  /// floating dtype.
  /// A half-precision tensor gets a float32 number that does not promote it (see `resultDType`).
  func scalarLike(_ value: Double) -> Tensor {
    let dtype: DType = dtype.isReducedPrecision ? .float32 : dtype.isFloatingPoint ? dtype
      : (value == value.rounded() && Swift.abs(value) < 9e15 ? .int64 : Tensor.defaultDType)
    let number = Tensor.full([], value, dtype: dtype)
    number.isWrappedNumber = true
    return number
  }
}
