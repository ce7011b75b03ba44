/// + − × ÷ with NumPy/PyTorch broadcasting, and powers. Operands of different dtypes are computed
/// in the wider one (int64 + float32 → float32); `/` always gives a float, as in PyTorch.
extension Tensor {
  public static func + (a: Tensor, b: Tensor) -> Tensor { numericBinary(a, b, Add.self, op: "add") }
  public static func - (a: Tensor, b: Tensor) -> Tensor { numericBinary(a, b, Sub.self, op: "sub") }
  public static func * (a: Tensor, b: Tensor) -> Tensor { numericBinary(a, b, Mul.self, op: "mul") }
  public static func / (a: Tensor, b: Tensor) -> Tensor { floatBinary(a, b, Div.self, op: "div") }

  public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalarLike(b) }
  public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalarLike(b) }
  public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalarLike(b) }
  public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalarLike(b) }
  public static func + (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) + b }
  public static func - (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) - b }
  public static func * (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) * b }
  public static func / (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) / b }

  /// −x elementwise.
  public static prefix func - (x: Tensor) -> Tensor {
    switch x.dtype {
    case .float32: return Elementwise.map(x, Float.self, to: Float.self) { -$0 }
    case .float64: return Elementwise.map(x, Double.self, to: Double.self) { -$0 }
    case .int64: return Elementwise.map(x, Int64.self, to: Int64.self) { 0 &- $0 }
    case .bool: fatalError("neg: negation of a bool tensor is not defined; use .logicalNot()")
    }
  }

  /// xʸ elementwise, `y` broadcast against x.
  public func pow(_ exponent: Tensor) -> Tensor { Tensor.floatBinary(self, exponent, Pow.self, op: "pow") }
  /// xᵖ elementwise.
  public func pow(_ exponent: Double) -> Tensor {
    switch exponent {
    case 1: return to(dtype.isFloatingPoint ? dtype : .float32, copy: true)
    case 2: return self * self
    case 0.5: return sqrt()
    default: return pow(scalarLike(exponent).to(dtype.isFloatingPoint ? dtype : .float32))
    }
  }
}
