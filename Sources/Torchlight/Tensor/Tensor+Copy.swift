extension Tensor {
  /// This tensor if it is already contiguous, otherwise a contiguous copy (`contiguous()`).
  public func contiguous() -> Tensor { isContiguous ? self : clone() }

  /// A contiguous copy with its own storage (`clone()`).
  public func clone() -> Tensor {
    let out = Tensor(uninitialized: shape, dtype: dtype)
    withNoGrad { out.copy(from: self) }
    return out.recorded("CloneBackward", inputs: [self]) { g in [g] }
  }

  /// The elements converted to `dtype` (`.to(dtype)`). Returns `self` when the dtype already
  /// matches, unless `copy` is true. Float → int truncates toward zero, as in PyTorch. A dense
  /// input keeps its layout (a transposed matrix stays transposed).
  public func to(_ dtype: DType, copy: Bool = false) -> Tensor {
    if dtype == self.dtype && !copy { return self }
    // Between float types the gradient converts back; to or from integers there is none.
    return converted(to: dtype).recorded("ToCopyBackward", inputs: [self]) { g in [g.to(self.dtype)] }
  }

  /// The half formats convert through float32, as PyTorch's do: widening is exact, and a
  /// float64 or int64 is rounded to float32 first, then to the half format (ties to even).
  func converted(to dtype: DType) -> Tensor {
    if self.dtype.isReducedPrecision {
      let wide = widened()
      return dtype == .float32 ? wide : wide.converted(to: dtype)
    }
    if dtype.isReducedPrecision {
      return (self.dtype == .float32 ? self : converted(to: .float32)).narrowed(to: dtype)
    }
    switch (self.dtype, dtype) {
    case (.float32, .float32): return Elementwise.map(self, Float.self, to: Float.self) { $0 }
    case (.float64, .float64): return Elementwise.map(self, Double.self, to: Double.self) { $0 }
    case (.int64, .int64): return Elementwise.map(self, Int64.self, to: Int64.self) { $0 }
    case (.bool, .bool): return Elementwise.map(self, Bool.self, to: Bool.self) { $0 }
    case (.float32, .float64): return Elementwise.map(self, Float.self, to: Double.self) { Double($0) }
    case (.float64, .float32): return Elementwise.map(self, Double.self, to: Float.self) { Float($0) }
    case (.int64, .float32): return Elementwise.map(self, Int64.self, to: Float.self) { Float($0) }
    case (.int64, .float64): return Elementwise.map(self, Int64.self, to: Double.self) { Double($0) }
    case (.bool, .float32): return Elementwise.map(self, Bool.self, to: Float.self) { $0 ? 1 : 0 }
    case (.bool, .float64): return Elementwise.map(self, Bool.self, to: Double.self) { $0 ? 1 : 0 }
    case (.bool, .int64): return Elementwise.map(self, Bool.self, to: Int64.self) { $0 ? 1 : 0 }
    case (.float32, .int64): return Elementwise.map(self, Float.self, to: Int64.self) { Int64(converting: Double($0)) }
    case (.float64, .int64): return Elementwise.map(self, Double.self, to: Int64.self) { Int64(converting: $0) }
    case (.float32, .bool): return Elementwise.map(self, Float.self, to: Bool.self) { $0 != 0 }
    case (.float64, .bool): return Elementwise.map(self, Double.self, to: Bool.self) { $0 != 0 }
    case (.int64, .bool): return Elementwise.map(self, Int64.self, to: Bool.self) { $0 != 0 }
    case (.float16, _), (.bfloat16, _), (_, .float16), (_, .bfloat16): fatalError("converted: handled above")
    }
  }

  /// Shorthands PyTorch users know: `float()`, `double()`, `long()`, `half()`, `bfloat16()`.
  public func float() -> Tensor { to(.float32) }
  public func half() -> Tensor { to(.float16) }
  public func bfloat16() -> Tensor { to(.bfloat16) }
  public func double() -> Tensor { to(.float64) }
  public func long() -> Tensor { to(.int64) }
}
