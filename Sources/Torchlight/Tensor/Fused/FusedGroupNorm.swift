/// The kernels of fused group normalization on tensors (`GroupNormKernel` does the work): the
/// channels of `[N, C, …]` in `groups` groups, each example's group standardised, then scaled
/// by `weight` and shifted by `bias` per channel ([C] each, or nil), and passed through SiLU when
/// `silu` is set. These record nothing; TorchlightNN's `groupNorm` and `groupNormSiLU` wrap them
/// in one differentiable op beside their op-by-op references.
public enum FusedGroupNorm {
  /// y (contiguous, the shape of x), and each (example, group)'s mean and 1/√(var + ε) for backward.
  public static func forward(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Double,
                             silu: Bool) -> (output: Tensor, mean: Tensor, rstd: Tensor) {
    let (xc, shape) = check("FusedGroupNorm.forward", x, groups, weight, bias)
    let wc = weight?.contiguous(), bc = bias?.contiguous()
    let y = Tensor(uninitialized: x.shape, dtype: x.dtype)
    let mean = Tensor(uninitialized: [shape.rows], dtype: x.dtype), rstd = Tensor(uninitialized: [shape.rows], dtype: x.dtype)
    func run<T: FloatElement>(_: T.Type) {
      GroupNormKernel.forward(xc.base(T.self), shape, weight: wc.map { UnsafePointer($0.base(T.self)) },
                              bias: bc.map { UnsafePointer($0.base(T.self)) }, eps: eps, silu: silu,
                              y: y.base(T.self), mean: mean.base(T.self), rstd: rstd.base(T.self))
    }
    withExtendedLifetime((xc, wc, bc)) { if x.dtype == .float32 { run(Float.self) } else { run(Double.self) } }
    return (y, mean, rstd)
  }

  /// ∂L/∂x, and ∂L/∂weight, ∂L/∂bias ([C]) when asked for.
  public static func backward(_ g: Tensor, _ x: Tensor, groups: Int, mean: Tensor, rstd: Tensor, weight: Tensor?,
                              bias: Tensor?, silu: Bool, input: Bool = true, weightGradient: Bool,
                              biasGradient: Bool) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
    let (xc, shape) = check("FusedGroupNorm.backward", x, groups, weight, bias)
    guard g.shape == x.shape, g.dtype == x.dtype, mean.count == shape.rows, rstd.count == shape.rows else {
      fatalError("FusedGroupNorm.backward: gradient \(g.shape), mean \(mean.shape) and rstd \(rstd.shape) do not fit the input \(x.shape)")
    }
    let gc = g.contiguous(), wc = weight?.contiguous(), bc = bias?.contiguous()
    let dx = input ? Tensor(uninitialized: x.shape, dtype: x.dtype) : nil
    let dw = weightGradient ? Tensor(uninitialized: [shape.c], dtype: x.dtype) : nil
    let db = biasGradient ? Tensor(uninitialized: [shape.c], dtype: x.dtype) : nil
    func run<T: FloatElement>(_: T.Type) {
      GroupNormKernel.backward(gc.base(T.self), xc.base(T.self), shape, mean: mean.base(T.self), rstd: rstd.base(T.self),
                               weight: wc.map { UnsafePointer($0.base(T.self)) }, bias: bc.map { UnsafePointer($0.base(T.self)) },
                               silu: silu, dx: dx?.base(T.self), dWeight: dw?.base(T.self), dBias: db?.base(T.self))
    }
    withExtendedLifetime((xc, gc, wc, bc, mean, rstd)) { if x.dtype == .float32 { run(Float.self) } else { run(Double.self) } }
    return (dx, dw, db)
  }

  /// x as a contiguous tensor and its sizes; stops naming `op` on a mismatch.
  static func check(_ op: String, _ x: Tensor, _ groups: Int, _ weight: Tensor?, _ bias: Tensor?) -> (Tensor, GroupNormKernel.Shape) {
    guard x.dtype == .float32 || x.dtype == .float64 else {
      fatalError("\(op): expected a float32 or float64 input, got \(x.dtype) with shape \(x.shape)")
    }
    guard x.rank >= 2, groups > 0, x.shape[1] % groups == 0 else {
      fatalError("\(op): input of shape \(x.shape) cannot be split into \(groups) groups of channels")
    }
    let c = x.shape[1]
    for (name, t) in [("weight", weight), ("bias", bias)] {
      if let t, t.count != c || t.dtype != x.dtype {
        fatalError("\(op): \(name) must be \(x.dtype) with \(c) values for input \(x.shape), got \(t.dtype) \(t.shape)")
      }
    }
    let positions = x.shape.dropFirst(2).reduce(1, *)
    return (x.contiguous(), GroupNormKernel.Shape(n: x.shape[0], c: c, groups: groups, positions: positions))
  }
}
