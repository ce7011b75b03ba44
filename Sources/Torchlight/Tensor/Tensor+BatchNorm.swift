// Batch normalization in training mode as one fused op, for speed: the composition of mean,
// variance, subtract, divide, scale and shift (and their backward) reads and writes the whole
// activation about twenty times; this reads it three times forward and three times backward.

/// Training-mode batch normalization of `x` (`[N, C]` or `[N, C, …]`, channels on axis 1): each
/// channel is standardised with its batch mean μ and biased variance σ², then scaled by γ
/// (`weight`) and shifted by β (`bias`): y = γ·(x − μ)/√(σ² + ε) + β.
///
/// Returns y (differentiable in x, weight and bias) with μ and σ² (shape [C], no gradient) for
/// the running statistics. The gradient, with x̂ = (x − μ)/√(σ² + ε) and M values per channel:
/// ∂L/∂x = γ/√(σ² + ε) · (g − mean(g) − x̂·mean(g·x̂)), ∂L/∂γ = Σ g·x̂, ∂L/∂β = Σ g.
/// A fused kernel computes it; when backward is itself recorded (`createGraph`) the same formula
/// is written with tensor ops, so second derivatives work too.
public func batchNormTraining(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5)
  -> (output: Tensor, mean: Tensor, variance: Tensor) {
  let op = "batchNormTraining"
  if x.dtype.isReducedPrecision {  // in float32, the output cast back (the casts carry the gradient)
    let (y, mean, variance) = batchNormTraining(x.float(), weight: weight?.float(), bias: bias?.float(), eps: eps)
    return (y.to(x.dtype), mean, variance)
  }
  guard x.rank >= 2, x.dtype == .float32 || x.dtype == .float64 else {
    fatalError("\(op): expected a float input [N, C] or [N, C, …], got \(x.dtype) \(x.shape)")
  }
  let n = x.shape[0], c = x.shape[1], s = x.count / Swift.max(n * c, 1)
  for (name, t) in [("weight", weight), ("bias", bias)] {
    if let t, t.shape != [c] || t.dtype != x.dtype {
      fatalError("\(op): \(name) must be \(x.dtype) of shape [\(c)] for input \(x.shape), got \(t.dtype) \(t.shape)")
    }
  }
  guard n * s > 1 else { fatalError("\(op): expected more than 1 value per channel when training, got input of shape \(x.shape)") }
  let xc = x.contiguous(), wc = weight?.contiguous(), bc = bias?.contiguous()
  let y = Tensor(uninitialized: x.shape, dtype: x.dtype)
  let mean = Tensor(uninitialized: [c], dtype: x.dtype), variance = Tensor(uninitialized: [c], dtype: x.dtype)
  func run<T: FloatElement>(_: T.Type) {
    BatchNormKernel.forward(xc.base(T.self), n: n, c: c, s: s, weight: wc.map { UnsafePointer($0.base(T.self)) },
                            bias: bc.map { UnsafePointer($0.base(T.self)) }, eps: eps, y: y.base(T.self),
                            mean: mean.base(T.self), variance: variance.base(T.self))
  }
  if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }

  let inputs = [x] + (weight.map { [$0] } ?? []) + (bias.map { [$0] } ?? [])
  let output = y.recorded("BatchNormBackward", inputs: inputs, saving: [x] + (weight.map { [$0] } ?? [])) { g in
    let (dx, dw, db) = GradMode.enabled
      ? batchNormGradientOps(g, x, weight: weight, eps: eps)
      : batchNormGradientFused(g, xc, mean: mean, variance: variance, weight: wc, eps: eps)
    return [dx] + (weight == nil ? [] : [dw]) + (bias == nil ? [] : [db])
  }
  return (output, mean, variance)
}

/// The backward kernel: ∂L/∂x, ∂L/∂γ, ∂L/∂β.
private func batchNormGradientFused(_ g: Tensor, _ x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor?,
                                    eps: Double) -> (Tensor, Tensor, Tensor) {
  let n = x.shape[0], c = x.shape[1], s = x.count / (n * c)
  let gc = g.contiguous()
  let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
  let dw = Tensor(uninitialized: [c], dtype: x.dtype), db = Tensor(uninitialized: [c], dtype: x.dtype)
  func run<T: FloatElement>(_: T.Type) {
    BatchNormKernel.backward(gc.base(T.self), x.base(T.self), n: n, c: c, s: s, mean: mean.base(T.self),
                             variance: variance.base(T.self), weight: weight.map { UnsafePointer($0.base(T.self)) },
                             eps: eps, dx: dx.base(T.self), dWeight: dw.base(T.self), dBias: db.base(T.self))
  }
  if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
  return (dx, dw, db)
}

/// The same gradient written with tensor ops (differentiable again, for `createGraph`).
private func batchNormGradientOps(_ g: Tensor, _ x: Tensor, weight: Tensor?, eps: Double) -> (Tensor, Tensor, Tensor) {
  let c = x.shape[1]
  let axes = [0] + Array(2..<x.rank)
  let shape = [1, c] + Array(repeating: 1, count: x.rank - 2)
  let mean = x.mean(axes: axes, keepDims: true)
  let std = (x.variance(axes: axes, correction: 0, keepDims: true) + eps).sqrt()
  let xhat = (x - mean) / std
  let gxhat = g * xhat
  var dx = (g - g.mean(axes: axes, keepDims: true) - xhat * gxhat.mean(axes: axes, keepDims: true)) / std
  if let weight { dx = dx * weight.reshaped(shape) }
  return (dx, gxhat.sum(axes: axes), g.sum(axes: axes))
}
