/// Elementwise functions. Integer inputs are converted to float32 first, as PyTorch does.
extension Tensor {
  /// eˣ.
  public func exp() -> Tensor { floatUnary(Exp.self) }
  /// Natural logarithm ln x (−inf at 0, NaN below).
  public func log() -> Tensor { floatUnary(Log.self) }
  /// √x.
  public func sqrt() -> Tensor { floatUnary(Sqrt.self) }
  /// sin x.
  public func sin() -> Tensor { floatUnary(Sin.self) }
  /// cos x.
  public func cos() -> Tensor { floatUnary(Cos.self) }
  /// tanh x = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ).
  public func tanh() -> Tensor { floatUnary(Tanh.self) }
  /// σ(x) = 1/(1 + e⁻ˣ), the logistic function.
  public func sigmoid() -> Tensor { floatUnary(Sigmoid.self) }

  /// |x|.
  public func abs() -> Tensor {
    switch dtype {
    case .float32: return Elementwise.map(self, Float.self, to: Float.self) { Swift.abs($0) }
    case .float64: return Elementwise.map(self, Double.self, to: Double.self) { Swift.abs($0) }
    case .int64: return Elementwise.map(self, Int64.self, to: Int64.self) { $0 < 0 ? 0 &- $0 : $0 }
    case .bool: return clone()
    }
  }

  /// max(x, 0): the rectified linear unit. NaN stays NaN.
  public func relu() -> Tensor {
    switch dtype {
    case .float32: return Elementwise.map(self, Float.self, to: Float.self) { $0 < 0 ? 0 : $0 }
    case .float64: return Elementwise.map(self, Double.self, to: Double.self) { $0 < 0 ? 0 : $0 }
    default: return clamp(min: 0)
    }
  }

  /// x limited to [min, max] (either bound may be omitted). NaN stays NaN.
  public func clamp(min lower: Double? = nil, max upper: Double? = nil) -> Tensor {
    func run<T: NumericElement>(_: T.Type) -> Tensor {
      let lo = lower.map { T(converting: $0) }, hi = upper.map { T(converting: $0) }
      switch (lo, hi) {
      case let (lo?, hi?): return Elementwise.map(self, T.self, to: T.self) { $0 < lo ? lo : ($0 > hi ? hi : $0) }
      case let (lo?, nil): return Elementwise.map(self, T.self, to: T.self) { $0 < lo ? lo : $0 }
      case let (nil, hi?): return Elementwise.map(self, T.self, to: T.self) { $0 > hi ? hi : $0 }
      case (nil, nil): return clone()
      }
    }
    switch dtype {
    case .float32: return run(Float.self)
    case .float64: return run(Double.self)
    case .int64: return run(Int64.self)
    case .bool: fatalError("clamp: not defined for a bool tensor (shape \(shape))")
    }
  }

  /// The larger of two tensors, elementwise and broadcast (`torch.maximum`).
  public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { numericBinary(a, b, Maximum.self, op: "maximum") }
  /// The smaller of two tensors, elementwise and broadcast (`torch.minimum`).
  public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { numericBinary(a, b, Minimum.self, op: "minimum") }
}
