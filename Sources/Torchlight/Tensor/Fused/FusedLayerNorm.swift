/// The kernels of fused layer normalization on tensors (`LayerNormKernel` does the work): the
/// last `normalizedCount` values of each row of `x` standardised, scaled by `weight` and shifted
/// by `bias` (both of those trailing values' shape, or nil). These record nothing; TorchlightNN's
/// `layerNorm` wraps them in one differentiable op beside its op-by-op reference.
public enum FusedLayerNorm {
  /// y (contiguous, the shape of x), and each row's mean and 1/√(var + ε) [R] for backward.
  public static func forward(_ x: Tensor, normalizedCount n: Int, weight: Tensor?, bias: Tensor?,
                             eps: Double) -> (output: Tensor, mean: Tensor, rstd: Tensor) {
    let (xc, rows) = check("FusedLayerNorm.forward", x, n, weight, bias)
    let wc = weight?.contiguous(), bc = bias?.contiguous()
    let y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    let mean = Tensor(uninitialized: [rows], dtype: x.dtype), rstd = Tensor(uninitialized: [rows], dtype: x.dtype)
    func run<T: FloatElement>(_: T.Type) {
      LayerNormKernel.forward(xc.base(T.self), rows: rows, n: n, weight: wc.map { UnsafePointer($0.base(T.self)) },
                              bias: bc.map { UnsafePointer($0.base(T.self)) }, eps: eps, y: y.base(T.self),
                              mean: mean.base(T.self), rstd: rstd.base(T.self))
    }
    withExtendedLifetime((xc, wc, bc)) { if x.dtype == .float32 { run(Float.self) } else { run(Double.self) } }
    return (y, mean, rstd)
  }

  /// ∂L/∂x, and ∂L/∂weight, ∂L/∂bias (flat, [N]) when asked for.
  public static func backward(_ g: Tensor, _ x: Tensor, normalizedCount n: Int, mean: Tensor, rstd: Tensor,
                              weight: Tensor?, input: Bool = true, weightGradient: Bool, biasGradient: Bool)
    -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    let (xc, rows) = check("FusedLayerNorm.backward", x, n, weight, nil)
    guard g.shape == x.shape, mean.count == rows, rstd.count == rows else {
      fatalError("FusedLayerNorm.backward: gradient \(g.shape), mean \(mean.shape) and rstd \(rstd.shape) do not fit the input \(x.shape)")
    }
    let gc = g.contiguous(), wc = weight?.contiguous()
    let dx = input ? Tensor(uninitialized: x.shape, dtype: x.dtype) : nil
    let dw = weightGradient ? Tensor(uninitialized: [n], dtype: x.dtype) : nil
    let db = biasGradient ? Tensor(uninitialized: [n], dtype: x.dtype) : nil
    func run<T: FloatElement>(_: T.Type) {
      LayerNormKernel.backward(gc.base(T.self), xc.base(T.self), rows: rows, n: n, mean: mean.base(T.self),
                               rstd: rstd.base(T.self), weight: wc.map { UnsafePointer($0.base(T.self)) },
                               dx: dx?.base(T.self), dWeight: dw?.base(T.self), dBias: db?.base(T.self))
    }
    withExtendedLifetime((xc, gc, wc)) { if x.dtype == .float32 { run(Float.self) } else { run(Double.self) } }
    return (dx, dw, db)
  }

  /// x as a contiguous tensor and its number of rows; stops naming `op` on a mismatch.
  static func check(_ op: String, _ x: Tensor, _ n: Int, _ weight: Tensor?, _ bias: Tensor?) -> (Tensor, Int) {
    guard x.dtype == .float32 || x.dtype == .float64 else {
      fatalError("\(op): expected a float32 or float64 input, got \(x.dtype) with shape \(x.shape)")
    }
    guard n > 0, x.count % n == 0 else {
      fatalError("\(op): input of shape \(x.shape) cannot be normalized over its last \(n) values")
    }
    for (name, t) in [("weight", weight), ("bias", bias)] {
      if let t, t.count != n || t.dtype != x.dtype {
        fatalError("\(op): \(name) must be \(x.dtype) with \(n) values for input \(x.shape), got \(t.dtype) \(t.shape)")
      }
    }
    return (x.contiguous(), x.count / n)
  }
}
