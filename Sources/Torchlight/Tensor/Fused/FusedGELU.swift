/// The kernels of fused GELU on tensors (`GELUKernel` does the work), exact (`tanh: false`) or
/// with the tanh approximation. These record nothing; TorchlightNN's `gelu` wraps them in one
/// differentiable op beside its op-by-op reference.
public enum FusedGELU {
  /// x·Φ(x), contiguous, the shape of x.
  public static func forward(_ x: Tensor, tanh: Bool) -> Tensor {
    let xc = check("FusedGELU.forward", x)
    let y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    withExtendedLifetime(xc) {
      if x.dtype == .float32 { GELUKernel.forward(xc.base(Float.self), y.base(Float.self), x.count, tanh: tanh) }
      else { GELUKernel.forward(xc.base(Double.self), y.base(Double.self), x.count, tanh: tanh) }
    }
    return y
  }

  /// ∂L/∂x = g·GELU′(x).
  public static func backward(_ g: Tensor, _ x: Tensor, tanh: Bool) -> Tensor {
    let xc = check("FusedGELU.backward", x)
    guard g.shape == x.shape, g.dtype == x.dtype else {
      fatalError("FusedGELU.backward: gradient \(g.dtype) \(g.shape) does not match the input \(x.dtype) \(x.shape)")
    }
    let gc = g.contiguous()
    let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
    withExtendedLifetime((xc, gc)) {
      if x.dtype == .float32 { GELUKernel.backward(gc.base(Float.self), xc.base(Float.self), dx.base(Float.self), x.count, tanh: tanh) }
      else { GELUKernel.backward(gc.base(Double.self), xc.base(Double.self), dx.base(Double.self), x.count, tanh: tanh) }
    }
    return dx
  }

  static func check(_ op: String, _ x: Tensor) -> Tensor {
    guard x.dtype == .float32 || x.dtype == .float64 else {
      fatalError("\(op): expected a float32 or float64 input, got \(x.dtype) with shape \(x.shape)")
    }
    return x.contiguous()
  }
}
