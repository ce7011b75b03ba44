/// y = x·Wᵀ + b (`F.linear`) as one op: the output starts as b copied into every row, and one BLAS
/// call adds x·Wᵀ onto it (β = 1). Op by op, BLAS would first zero the output, and adding b would
/// take another pass and a second tensor; and there would be three graph nodes (transpose,
/// product, add) instead of one.
///
/// Backward, with g = ∂L/∂y flattened to rows: ∂L/∂x = g·W, ∂L/∂W = gᵀ·x, ∂L/∂b = Σ_rows g.
/// Those are written with tensor ops, so a recorded backward (`createGraph`) differentiates again.
/// `linearReference` is the same layer op by op: the definition, and the tests' oracle.
extension Tensor {
  /// `x` `[…, in]`, `weight` `[out, in]`, `bias` `[out]`: the affine map of `Linear`.
  public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    if let c = Autocast.inputs(of: .linear, [x, weight, bias]) { return linear(c[0]!, weight: c[1]!, bias: c[2]) }
    guard let bias, x.rank >= 2, weight.rank == 2, bias.shape == [weight.shape[0]], x.shape[x.rank - 1] == weight.shape[1],
          x.dtype.isFloatingPoint, weight.dtype == x.dtype, bias.dtype == x.dtype else {
      return linearReference(x, weight: weight, bias: bias)
    }
    let (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0])
    let rows = x.count / inFeatures
    let (x2, wt) = withNoGrad { (x.reshaped(rows, inFeatures), weight.transposed()) }
    func layout(_ t: Tensor) -> (CBLAS_TRANSPOSE, Int32)? {
      Gemm.blasLayout(rows: t.shape[0], cols: t.shape[1], rowStride: t.strides[0], colStride: t.strides[1])
    }
    // Half formats: widened to float32 (keeping their layouts), the output rounded once.
    let a = (layout(x2) == nil ? x2.contiguous() : x2).widened(), b = (layout(wt) == nil ? wt.contiguous() : wt).widened()
    let bc = bias.contiguous().widened()
    let y = Tensor(uninitialized: [rows, outFeatures], dtype: a.dtype)
    func run<T: FloatElement>(_: T.Type) {
      let out = y.base(T.self), row = UnsafePointer(bc.base(T.self))
      for r in 0..<rows { (out + r * outFeatures).update(from: row, count: outFeatures) }
      Gemm.gemm(a.base(T.self), layout(a)!, b.base(T.self), layout(b)!, out, m: rows, n: outFeatures, k: inFeatures, accumulate: true)
    }
    withExtendedLifetime((a, b, bc)) { a.dtype == .float32 ? run(Float.self) : run(Double.self) }
    let output = y.narrowed(to: x.dtype).recorded("AddmmBackward", inputs: [x, weight, bias], saving: [x, weight]) { g in
      let g2 = g.reshaped(rows, outFeatures)
      return [x.requiresGrad ? g2.matmul(weight).reshaped(x.shape) : nil,
              weight.requiresGrad ? g2.transposed().matmul(x.reshaped(rows, inFeatures)) : nil,
              bias.requiresGrad ? g2.sum(axis: 0) : nil]
    }
    return x.rank == 2 ? output : output.reshaped(Array(x.shape.dropLast()) + [outFeatures])
  }

  /// `linear` op by op: x·Wᵀ (+ b).
  public static func linearReference(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    let y = x.matmul(weight.t())
    return bias.map { y + $0 } ?? y
  }
}

import COpenBLAS
