import Foundation

/// The element type of a tensor. Every op checks dtypes at its entry and then runs a kernel
/// specialised for that one Swift type, so the hot loops never switch per element.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
  /// 32-bit IEEE float: the default for data and parameters.
  case float32
  /// 64-bit IEEE float: used by gradient checks, where float32 rounding would hide errors.
  case float64
  /// 16-bit IEEE half: 5 exponent bits, 10 fraction bits. Precise to about 3 decimal digits and
  /// finite only up to 65,504. Stored in 2 bytes, computed in float32 (see `isReducedPrecision`).
  case float16
  /// 16-bit "brain" float: float32's 8 exponent bits (same range, up to 3.4·10³⁸) and only 7
  /// fraction bits (about 2 decimal digits). Stored in 2 bytes, computed in float32.
  case bfloat16
  /// 64-bit signed integer: class labels and indices.
  case int64
  /// One byte per element, `true` or `false`: masks and comparison results.
  case bool

  /// Bytes per element.
  public var itemSize: Int {
    switch self {
    case .float32: 4
    case .float64: 8
    case .float16, .bfloat16: 2
    case .int64: 8
    case .bool: 1
    }
  }

  /// Bytes per element (PyTorch's `dtype.itemsize`); the same as `itemSize`.
  public var elementSize: Int { itemSize }

  /// float16, bfloat16, float32 or float64 (PyTorch's `is_floating_point`).
  public var isFloatingPoint: Bool { self == .float32 || self == .float64 || isReducedPrecision }

  /// float16 or bfloat16: 2-byte storage formats. Every op widens their values to float32 (exactly:
  /// float32 holds every half value), computes there, and rounds the result once on store, as
  /// PyTorch does on a CPU.
  public var isReducedPrecision: Bool { self == .float16 || self == .bfloat16 }

  public var description: String { rawValue }

  /// The dtype two operands are computed in, as PyTorch promotes them:
  /// bool < int64 < float16, bfloat16 < float32 < float64. The two half formats are not
  /// ordered (neither holds the other's values), so together they give float32.
  public static func promoted(_ a: DType, _ b: DType) -> DType {
    if a.isReducedPrecision && b.isReducedPrecision && a != b { return .float32 }
    func rank(_ d: DType) -> Int { [.bool: 0, .int64: 1, .float16: 2, .bfloat16: 2, .float32: 3, .float64: 4][d]! }
    return rank(a) >= rank(b) ? a : b
  }
}

/// A Swift type that can be the element of a tensor.
public protocol TensorElement: Sendable {
  static var dtype: DType { get }
  /// This value as a Double (`true` is 1), for printing and `item()`.
  var doubleValue: Double { get }
  /// The nearest value of this type to `value` (for bool: value != 0).
  init(converting value: Double)
}

/// Element types with + - * (float32, float64, int64).
public protocol NumericElement: TensorElement, SignedNumeric, Comparable {}

/// Element types with the functions of analysis (float32, float64).
public protocol FloatElement: NumericElement, BinaryFloatingPoint {
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func sin(_ x: Self) -> Self
  static func cos(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
  static func pow(_ x: Self, _ y: Self) -> Self
  static func log1p(_ x: Self) -> Self
  static func expm1(_ x: Self) -> Self
  /// σ(x) = 1/(1 + e⁻ˣ) without overflow for any x.
  static func sigmoid(_ x: Self) -> Self
}

extension Float: FloatElement {
  public static var dtype: DType { .float32 }
  public var doubleValue: Double { Double(self) }
  public init(converting value: Double) { self.init(value) }
  @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
  @inline(__always) public static func log(_ x: Float) -> Float { Foundation.logf(x) }
  @inline(__always) public static func sin(_ x: Float) -> Float { Foundation.sinf(x) }
  @inline(__always) public static func cos(_ x: Float) -> Float { Foundation.cosf(x) }
  @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
  @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
  @inline(__always) public static func log1p(_ x: Float) -> Float { Foundation.log1pf(x) }
  @inline(__always) public static func expm1(_ x: Float) -> Float { Foundation.expm1f(x) }
  /// Vectorisable (see `vectorExp`), so a whole layer's sigmoids run 8 at a time.
  @inline(__always) public static func sigmoid(_ x: Float) -> Float { vectorSigmoid(x) }
}

extension Double: FloatElement {
  public static var dtype: DType { .float64 }
  public var doubleValue: Double { self }
  public init(converting value: Double) { self = value }
  @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
  @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
  @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
  @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
  @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
  @inline(__always) public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
  @inline(__always) public static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
  @inline(__always) public static func sigmoid(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + Foundation.exp(-x)) : { let e = Foundation.exp(x); return e / (1 + e) }()
  }
}

extension Int64: NumericElement {
  public static var dtype: DType { .int64 }
  public var doubleValue: Double { Double(self) }
  public init(converting value: Double) {
    self = value.isFinite ? Int64(Swift.max(Swift.min(value.rounded(.towardZero), 9.2e18), -9.2e18)) : 0
  }
}

extension Bool: TensorElement {
  public static var dtype: DType { .bool }
  public var doubleValue: Double { self ? 1 : 0 }
  public init(converting value: Double) { self = value != 0 }
}
