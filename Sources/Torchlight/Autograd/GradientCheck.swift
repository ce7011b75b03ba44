/// The outcome of a gradient check: whether every entry of the Jacobian agreed, and the entry
/// that agreed least (so a failure says exactly where to look).
public struct GradientCheckResult: CustomStringConvertible, Sendable {
  public let passed: Bool
  /// Entries compared (inputs' elements × outputs' elements).
  public let checked: Int
  /// Worst |analytic − numeric| relative to the allowed tolerance (≤ 1 passes).
  public let worstRatio: Double
  /// Where the worst entry is: which input, its element index, which output element.
  public let worstInput: Int
  public let worstIndex: [Int]
  public let worstOutput: Int
  public let analytic: Double
  public let numeric: Double

  public var description: String {
    let verdict = passed ? "passed" : "FAILED"
    return "gradient check \(verdict): \(checked) entries, worst at input \(worstInput) element \(worstIndex) output \(worstOutput): analytic \(analytic), numeric \(numeric) (\(String(format: "%.3g", worstRatio))× tolerance)"
  }
}

/// Every index of `shape` in row-major order.
func allIndices(_ shape: [Int]) -> [[Int]] {
  var result: [[Int]] = [[]]
  for size in shape { result = result.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
  return Layout.count(shape) == 0 ? [] : result
}

/// Checks the gradients autograd computes for `f` against central differences,
/// ∂fⱼ/∂xᵢ ≈ (fⱼ(x + εeᵢ) − fⱼ(x − εeᵢ)) / 2ε, for every element of every input that requires
/// grad and every output element (the full Jacobian, as `torch.autograd.gradcheck` does).
///
/// Use float64 inputs: in float32 the rounding error of a difference quotient is about 1e-3,
/// as big as the errors the check looks for. Inputs may be any non-overlapping view (transposed,
/// sliced, offset). An entry passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
public func gradientCheck(_ f: ([Tensor]) -> Tensor, inputs: [Tensor], eps: Double = 1e-6,
                          atol: Double = 1e-5, rtol: Double = 1e-3) -> GradientCheckResult {
  for (k, x) in inputs.enumerated() where x.requiresGrad {
    guard x.dtype == .float64 else {
      fatalError("gradientCheck: input \(k) is \(x.dtype); use float64 inputs (x.double()) so rounding does not hide errors")
    }
    guard x.isLeaf else { fatalError("gradientCheck: input \(k) must be a leaf (use .detached().requiringGrad())") }
    for axis in 0..<x.rank where x.strides[axis] == 0 && x.shape[axis] > 1 {
      fatalError("gradientCheck: input \(k) of shape \(x.shape) has overlapping elements (stride 0 on axis \(axis)); perturbing one would perturb all its copies. Pass a materialized tensor (.contiguous())")
    }
  }
  let differentiable = inputs.indices.filter { inputs[$0].requiresGrad }

  // Analytic Jacobian: one backward pass per output element, seeded with a one-hot gradient.
  let output = f(inputs)
  let outCount = output.count
  var analytic: [[[Double]]] = differentiable.map { _ in [] }  // [input][output j][element i]
  for j in 0..<outCount {
    let seed = Tensor.zeros(output.shape, dtype: output.dtype)
    seed.setElement(at: allIndices(output.shape)[j], 1)
    let grads = output.requiresGrad
      ? grad(of: output, with: differentiable.map { inputs[$0] }, gradOutput: seed, retainGraph: true)
      : differentiable.map { _ in nil }
    for (d, k) in differentiable.enumerated() {
      analytic[d].append(grads[d].map { $0.toDoubles() } ?? [Double](repeating: 0, count: inputs[k].count))
    }
  }

  // Numeric Jacobian, element by element, and the comparison.
  var checked = 0
  var worst = (ratio: -1.0, input: 0, index: [Int](), output: 0, a: 0.0, n: 0.0)
  withNoGrad {
    for (d, k) in differentiable.enumerated() {
      let x = inputs[k]
      for (i, index) in allIndices(x.shape).enumerated() {
        let original = x.element(at: index)
        x.writeElement(at: index, original + eps)
        let plus = f(inputs).toDoubles()
        x.writeElement(at: index, original - eps)
        let minus = f(inputs).toDoubles()
        x.writeElement(at: index, original)
        for j in 0..<outCount {
          let numeric = (plus[j] - minus[j]) / (2 * eps)
          let a = analytic[d][j][i]
          let ratio = Swift.abs(a - numeric) / (atol + rtol * Swift.abs(numeric))
          checked += 1
          if ratio > worst.ratio || ratio.isNaN { worst = (ratio.isNaN ? .infinity : ratio, k, index, j, a, numeric) }
        }
      }
    }
  }
  return GradientCheckResult(passed: worst.ratio <= 1, checked: checked, worstRatio: Swift.max(worst.ratio, 0),
                             worstInput: worst.input, worstIndex: worst.index, worstOutput: worst.output,
                             analytic: worst.a, numeric: worst.n)
}

/// Checks second derivatives: the gradient of `f` (computed with `createGraph: true`, contracted
/// with a fixed random output gradient v) must itself pass `gradientCheck`, with respect to the
/// inputs and to v (`torch.autograd.gradgradcheck`).
public func gradgradCheck(_ f: @escaping ([Tensor]) -> Tensor, inputs: [Tensor], seed: UInt64 = 0, eps: Double = 1e-6,
                          atol: Double = 1e-5, rtol: Double = 1e-3) -> GradientCheckResult {
  let shape = withNoGrad { f(inputs).shape }
  let v = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed)).requiringGrad()
  let n = inputs.count
  return gradientCheck({ xs in withGrad {
    let xsIn = Array(xs.prefix(n))
    let wrt = xsIn.filter(\.requiresGrad)
    let grads = grad(of: f(xsIn), with: wrt, gradOutput: xs[n], createGraph: true)
    let parts = zip(wrt, grads).map { x, g in (g ?? Tensor.zeros(like: x)).reshaped([-1]) }
    return Tensor.cat(parts)
  } }, inputs: inputs + [v], eps: eps, atol: atol, rtol: rtol)
}
