/// GELU as one fused op, for speed: the exact form op by op is a scale, an erf (itself a node), an
/// add and two products, five passes over the activation and five nodes; the fused kernel
/// (`FusedGELU`, in Torchlight) reads x once forward and once backward.

/// `gelu` as one differentiable op, with the derivative in closed form:
/// exact, y′ = Φ(x) + x·φ(x); tanh form, y′ = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²),
/// u = √(2/π)(x + 0.044715x³). When backward is itself recorded (`createGraph`), the gradient is
/// taken through `geluReference` instead, so second derivatives work too.
func geluFused(_ x: Tensor, approximate: GELUApproximation) -> Tensor {
  // float16/bfloat16: the float32 kernel on float32 copies, cast back; the casts carry the gradient.
  if x.dtype.isReducedPrecision { return geluFused(x.float(), approximate: approximate).to(x.dtype) }
  let tanh = approximate == .tanh
  let y = FusedGELU.forward(x, tanh: tanh)
  return y.recordedFused("GeluBackward", inputs: [x], saving: [x], reference: { geluReference(x, approximate: approximate) }) { g in
    [FusedGELU.backward(g, x, tanh: tanh)]
  }
}
