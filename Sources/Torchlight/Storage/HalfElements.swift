/// The Swift element types of the two 2-byte dtypes: Swift's own `Float16` for `.float16`, and
/// `BFloat16` (which Swift lacks) for `.bfloat16`.
///
/// They are storage types only: no kernel does arithmetic in them. Ops widen them to `Float`,
/// compute, and round once on store (`HalfRounding`), which is both what PyTorch does on a CPU
/// and what keeps a sum of many small terms from stalling (see `Tensor.sum`).
public protocol HalfElement: TensorElement {
  /// The 16 bits of the value.
  var bitPattern: UInt16 { get }
  init(bitPattern: UInt16)
  /// The value, exactly, as a float32.
  var floatValue: Float { get }
  /// The nearest value to `value` (round to nearest, ties to even).
  init(rounding value: Float)
}

extension HalfElement {
  public var doubleValue: Double { Double(floatValue) }
  /// Rounds through float32, as PyTorch converts a Python float.
  public init(converting value: Double) { self.init(rounding: Float(value)) }
}

extension Float16: HalfElement {
  public static var dtype: DType { .float16 }
  @inline(__always) public var floatValue: Float { HalfRounding.float(float16: bitPattern) }
  @inline(__always) public init(rounding value: Float) { self.init(bitPattern: HalfRounding.float16Bits(value)) }
}

/// A bfloat16 value: the top half of a float32 (sign, 8 exponent bits, 7 fraction bits), so it
/// has float32's range with about 2 significant decimal digits.
public struct BFloat16: HalfElement, CustomStringConvertible {
  public var bitPattern: UInt16
  @inline(__always) public init(bitPattern: UInt16) { self.bitPattern = bitPattern }
  @inline(__always) public init(rounding value: Float) { bitPattern = HalfRounding.bfloat16Bits(value) }
  public init(_ value: Float) { self.init(rounding: value) }

  public static var dtype: DType { .bfloat16 }
  @inline(__always) public var floatValue: Float { HalfRounding.float(bfloat16: bitPattern) }
  public var description: String { floatValue.description }
}
