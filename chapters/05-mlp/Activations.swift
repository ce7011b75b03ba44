import Foundation
import TorchlightNN
import TorchlightPlot

/// ReLU, sigmoid and tanh with their derivatives, the derivatives computed by autograd: evaluate
/// f on a grid x, sum, and differentiate; for an elementwise f, ∂/∂xᵢ Σⱼ f(xⱼ) = f′(xᵢ).
func activationCurves(xs: [Double]) -> [(name: String, values: [Double], derivative: [Double])] {
  let functions: [(String, (Tensor) -> Tensor)] = [("ReLU", { $0.relu() }), ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() })]
  return functions.map { name, f in
    let x = Tensor(xs, shape: [xs.count], dtype: .float64).requiringGrad()
    let y = f(x)
    let dy = grad(of: y.sum(), with: [x])[0]!
    return (name, y.toDoubles(), dy.toDoubles())
  }
}

func drawActivations(_ plotter: Plotter) throws {
  let xs = (0...160).map { -8 + Double($0) / 10 }
  let curves = activationCurves(xs: xs)
  var series: [Series] = []
  for c in curves {
    series.append(Series(c.name, x: xs, y: c.values))
    series.append(Series("\(c.name)′ (autograd)", x: xs, y: c.derivative, style: .dashed))
  }
  try plotter.save(LinePlot(title: "Activation functions (solid) and their derivatives by autograd (dashed)",
                            xLabel: "x", yLabel: "f(x), f′(x)", series: series, yRange: -1.2...2.2), name: "activations")
}
