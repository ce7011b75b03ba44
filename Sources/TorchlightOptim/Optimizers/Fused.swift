/// One loop per parameter and step.
///
/// Written with tensor ops, an Adam step is a dozen passes over memory, each allocating a
/// temporary: slower than the forward and backward passes of a small MLP. Instead each
/// optimizer runs its whole update rule as one loop over plain numbers, the same lines as the
/// maths in its doc comment: `fused` copies the gradient and state out (contiguous copies),
/// gives the loop their elements, and returns the fresh tensors the loop wrote (new state and
/// the step Δθ). The optimizer then keeps the new state and adds the step to the parameter in
/// place (`θ += Δθ`), so every view of the parameter sees the change.
///
/// `T` is the parameter's element type (Float or Double), chosen once per parameter with a
/// `switch` on its dtype, so the loop is compiled for each type with no per-element dispatch.
func fused<T: FloatElement>(_: T.Type, inputs: [Tensor], outputs: Int,
                            _ body: (Int, [UnsafePointer<T>], [UnsafeMutablePointer<T>]) -> Void) -> [Tensor] {
  let shape = inputs[0].shape
  let arrays = inputs.map { t -> [T] in
    precondition(t.shape == shape, "optimizer: state of shape \(t.shape) for a parameter of shape \(shape)")
    return t.dtype == T.dtype ? t.toArray(T.self) : t.to(T.dtype).toArray(T.self)
  }
  let n = Layout.count(shape)
  if n == 0 { return (0..<outputs).map { _ in Tensor.zeros(shape, dtype: T.dtype) } }
  return withBuffers(arrays, 0, []) { ins in
    makeTensors(outputs, shape: shape, []) { outs in
      body(n, ins.map { $0.baseAddress! }, outs.map { $0.baseAddress! })
    }
  }
}

private func withBuffers<T, R>(_ arrays: [[T]], _ i: Int, _ done: [UnsafeBufferPointer<T>],
                               _ body: ([UnsafeBufferPointer<T>]) -> R) -> R {
  if i == arrays.count { return body(done) }
  return arrays[i].withUnsafeBufferPointer { withBuffers(arrays, i + 1, done + [$0], body) }
}

private func makeTensors<T: TensorElement>(_ k: Int, shape: [Int], _ done: [UnsafeMutableBufferPointer<T>],
                                           _ body: ([UnsafeMutableBufferPointer<T>]) -> Void) -> [Tensor] {
  if k == 0 { body(done); return [] }
  var rest: [Tensor] = []
  let first = Tensor(shape: shape, of: T.self) { buffer in rest = makeTensors(k - 1, shape: shape, done + [buffer], body) }
  return [first] + rest
}

/// Stops with a clear message for a parameter that is not float32 or float64.
func unsupportedDType(_ p: Tensor, _ op: String) -> Never {
  fatalError("\(op): parameters must be float32 or float64, got \(p.dtype) with shape \(p.shape)")
}

/// `out[i] = √x[i]`. On Linux `squareRoot()` becomes a call to the C library's `sqrt` (which
/// may set errno), and a loop containing it is not vectorised; keeping it alone in its loop lets
/// the loops around it be.
@inline(never)
func squareRoots<T: FloatElement>(_ x: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, _ n: Int) {
  for i in 0..<n { out[i] = x[i].squareRoot() }
}

// MARK: - The lines that several update rules share, each one vectorisable loop

/// `out[i] = ±g[i] + λθ[i]`: the gradient, negated to maximise, plus the L2 weight-decay term.
func effectiveGradient<T: FloatElement>(_ g: UnsafePointer<T>, _ theta: UnsafePointer<T>, maximize: Bool, l2: T,
                                        into out: UnsafeMutablePointer<T>, _ n: Int) {
  let sign: T = maximize ? -1 : 1
  if l2 == 0 {
    for i in 0..<n { out[i] = sign * g[i] }
  } else {
    for i in 0..<n { out[i] = sign * g[i] + l2 * theta[i] }
  }
}

/// `out[i] = βa[i] + (1 − β)x[i]`: an exponential moving average.
func movingAverage<T: FloatElement>(_ a: UnsafePointer<T>, _ x: UnsafePointer<T>, beta: T,
                                    into out: UnsafeMutablePointer<T>, _ n: Int) {
  for i in 0..<n { out[i] = beta * a[i] + (1 - beta) * x[i] }
}

/// `out[i] = βa[i] + (1 − β)x[i]²`: an exponential moving average of squares.
func movingAverageOfSquares<T: FloatElement>(_ a: UnsafePointer<T>, _ x: UnsafePointer<T>, beta: T,
                                             into out: UnsafeMutablePointer<T>, _ n: Int) {
  for i in 0..<n { out[i] = beta * a[i] + (1 - beta) * x[i] * x[i] }
}

/// `delta[i] −= ηλθ[i]`: decoupled weight decay θ ← θ(1 − ηλ) folded into the step.
func decoupledDecay<T: FloatElement>(_ theta: UnsafePointer<T>, shrink: T, into delta: UnsafeMutablePointer<T>, _ n: Int) {
  if shrink == 0 { return }
  for i in 0..<n { delta[i] -= shrink * theta[i] }
}
