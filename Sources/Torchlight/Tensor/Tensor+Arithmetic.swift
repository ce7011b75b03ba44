/// + − × ÷ with NumPy/PyTorch broadcasting, and powers. Operands of different dtypes are computed
/// in the wider one (int64 + float32 → float32); `/` always gives a float, as in PyTorch.
extension Tensor {
  /// a + b; ∂/∂a = 1, ∂/∂b = 1 (the engine sums broadcast gradients back to each shape).
  public static func + (a: Tensor, b: Tensor) -> Tensor {
    numericBinary(a, b, Add.self, op: "add").recorded("AddBackward", inputs: [a, b]) { g in [g, g] }
  }
  /// a − b; ∂/∂a = 1, ∂/∂b = −1.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    numericBinary(a, b, Sub.self, op: "sub").recorded("SubBackward", inputs: [a, b]) { g in [g, -g] }
  }
  /// a · b; ∂/∂a = b, ∂/∂b = a.
  public static func * (a: Tensor, b: Tensor) -> Tensor {
    numericBinary(a, b, Mul.self, op: "mul").recorded("MulBackward", inputs: [a, b], saving: [a, b]) { g in
      [a.requiresGrad ? g * b : nil, b.requiresGrad ? g * a : nil]
    }
  }
  /// a / b; ∂/∂a = 1/b, ∂/∂b = −a/b².
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    floatBinary(a, b, Div.self, op: "div").recorded("DivBackward", inputs: [a, b], saving: [a, b]) { g in
      [a.requiresGrad ? g / b : nil, b.requiresGrad ? -g * a / (b * b) : nil]
    }
  }

  public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalarLike(b) }
  public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalarLike(b) }
  public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalarLike(b) }
  public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalarLike(b) }
  public static func + (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) + b }
  public static func - (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) - b }
  public static func * (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) * b }
  public static func / (a: Double, b: Tensor) -> Tensor { b.scalarLike(a) / b }

  /// −x elementwise; ∂/∂x = −1.
  public static prefix func - (x: Tensor) -> Tensor {
    let y: Tensor
    switch x.dtype {
    case .float32: y = Elementwise.map(x, Float.self, to: Float.self) { -$0 }
    case .float64: y = Elementwise.map(x, Double.self, to: Double.self) { -$0 }
    case .float16, .bfloat16: y = x.inFloat32 { -$0 }
    case .int64: y = Elementwise.map(x, Int64.self, to: Int64.self) { 0 &- $0 }
    case .bool: fatalError("neg: negation of a bool tensor is not defined; use .logicalNot()")
    }
    return y.recorded("NegBackward", inputs: [x]) { g in [-g] }
  }

  /// xʸ elementwise, `y` broadcast against x; ∂/∂x = y·xʸ⁻¹, ∂/∂y = xʸ·ln x.
  public func pow(_ exponent: Tensor) -> Tensor {
    let y = Tensor.floatBinary(self, exponent, Pow.self, op: "pow")
    return y.recorded("PowBackward", inputs: [self, exponent], saving: [self, exponent, y]) { g in
      [self.requiresGrad ? g * exponent * self.pow(exponent - 1) : nil,
       exponent.requiresGrad ? g * y.savedOutput { self.pow(exponent) } * self.log() : nil]
    }
  }
  /// xᵖ elementwise for a constant p; ∂/∂x = p·xᵖ⁻¹.
  public func pow(_ p: Double) -> Tensor {
    let x = dtype.isFloatingPoint ? self : to(.float32)
    let y = Tensor.floatBinary(x, x.scalarLike(p), Pow.self, op: "pow")
    return y.recorded("PowBackward", inputs: [x], saving: [x]) { g in [g * p * x.pow(p - 1)] }
  }
}
