/// How ops compute on float16 and bfloat16 tensors: not with kernels of their own, but by
/// widening the operands to float32 (exact: every half value is a float32), running the float32
/// kernel, and rounding the result once on store. That is PyTorch's CPU rule too (its "opmath"
/// type for the half formats is float), and it is why a reduction over a half tensor accumulates
/// in float32: only the final sum is rounded, not every partial sum.
///
/// These helpers make plain values with no autograd history. An op calls them between its
/// dtype check and its `recorded(…)`, so the graph shows the op itself (`MulBackward`, not casts)
/// and saves its half inputs, not float32 copies.
extension Tensor {
  /// This half-precision tensor's values as a new float32 tensor (same layout when dense).
  /// Any other tensor is returned as it is.
  func widened() -> Tensor {
    switch dtype {
    case .float16: Elementwise.map(self, Float16.self, to: Float.self) { $0.floatValue }
    case .bfloat16: Elementwise.map(self, BFloat16.self, to: Float.self) { $0.floatValue }
    default: self
    }
  }

  /// This float32 result rounded to `dtype` when that is float16 or bfloat16 (nearest, ties to
  /// even); otherwise (another target, or a result that is not float32) the tensor as it is.
  func narrowed(to dtype: DType) -> Tensor {
    guard self.dtype == .float32 else { return self }
    switch dtype {
    case .float16: return Elementwise.map(self, Float.self, to: Float16.self) { Float16(rounding: $0) }
    case .bfloat16: return Elementwise.map(self, Float.self, to: BFloat16.self) { BFloat16(rounding: $0) }
    default: return self
    }
  }

  /// `body` computed in float32 on this half-precision tensor, its result rounded back to this
  /// dtype: f(x) as round(f(widen(x))).
  func inFloat32(_ body: (Tensor) -> Tensor) -> Tensor {
    body(widened()).narrowed(to: dtype)
  }

  /// An operand of a binary op whose result has the half dtype `dtype`, ready for the float32
  /// kernel. A tensor is first converted to `dtype` (PyTorch casts every input to the common
  /// dtype) and then widened; a Swift number (`x * 0.1`) is used at float32 precision without
  /// being rounded to the half format first, as PyTorch's CPU kernels use a Python scalar.
  func float32Operand(resultDType dtype: DType) -> Tensor {
    if isWrappedNumber { return self.dtype == .float32 ? self : converted(to: .float32) }
    return (self.dtype == dtype ? self : converted(to: dtype)).widened()
  }

  /// The dtype of a binary op's result: `DType.promoted`, except that a Swift number next to a
  /// float tensor keeps the tensor's dtype (PyTorch's rule for Python scalars), so `h * 0.5`
  /// stays float16.
  static func resultDType(_ a: Tensor, _ b: Tensor) -> DType {
    if b.isWrappedNumber && a.dtype.isFloatingPoint && !a.isWrappedNumber { return a.dtype }
    if a.isWrappedNumber && b.dtype.isFloatingPoint && !b.isWrappedNumber { return b.dtype }
    return DType.promoted(a.dtype, b.dtype)
  }
}
