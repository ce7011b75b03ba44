import Torchlight

/// The function checked: a small layer, tanh(x·W + b), with b broadcast over the rows.
func smallLayer(_ inputs: [Tensor]) -> Tensor {
  (inputs[0].matmul(inputs[1]) + inputs[2]).tanh()
}

/// First- and second-order checks of `smallLayer` on float64 inputs, one of them a transposed view.
func checkSmallLayer() -> (first: GradientCheckResult, second: GradientCheckResult) {
  let x = Tensor.randn([2, 3], dtype: .float64).requiringGrad()
  let w = Tensor.randn([4, 3], dtype: .float64).transposed().requiringGrad()  // a [3, 4] non-contiguous view
  let b = Tensor.randn([4], dtype: .float64).requiringGrad()
  return (gradientCheck(smallLayer, inputs: [x, w, b]), gradgradCheck(smallLayer, inputs: [x, w, b]))
}

func sectionGradientCheck() -> Bool {
  say("gradientCheck compares every entry of the Jacobian autograd computes with the central")
  say("difference (f(x + ε) − f(x − ε)) / 2ε, element by element. Inputs are float64, where the")
  say("difference quotient is accurate to about 1e-10; in float32 to 1e-3 at best.")
  say("f(x, W, b) = tanh(x·W + b), x [2, 3], W [3, 4] (a transposed view), b [4] (broadcast):")
  let (first, second) = checkSmallLayer()
  say("  first order:  \(first)")
  say("  second order: \(second)")
  return first.passed && second.passed
}
