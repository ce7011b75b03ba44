import Foundation
import TorchlightNN
import TorchlightPlot

typealias NamedActivation = (name: String, f: @Sendable (Tensor) -> Tensor)

/// The three activations of the textbook's section.
let classicActivations: [NamedActivation] = [("ReLU", { relu($0) }), ("sigmoid", { sigmoid($0) }), ("tanh", { tanh($0) })]

/// The ones modern networks use instead, from TorchlightNN.
let modernActivations: [NamedActivation] = [
  ("LeakyReLU(0.1)", { leakyRelu($0, negativeSlope: 0.1) }), ("ELU", { elu($0) }), ("SELU", { selu($0) }),
  ("GELU", { gelu($0) }), ("SiLU", { silu($0) }), ("Softplus", { softplus($0) }),
]

/// Each activation and its derivative, the derivative computed by autograd: evaluate f on a grid
/// x, sum, and differentiate; for an elementwise f, ∂/∂xᵢ Σⱼ f(xⱼ) = f′(xᵢ).
func activationCurves(xs: [Double], functions: [NamedActivation]) -> [(name: String, values: [Double], derivative: [Double])] {
  functions.map { name, f in
    let x = Tensor(xs, shape: [xs.count], dtype: .float64).requiringGrad()
    let y = f(x)
    let dy = grad(of: y.sum(), with: [x])[0]!
    return (name, y.toDoubles(), dy.toDoubles())
  }
}

/// The three classic activations in one plot; the six modern ones as small multiples, one panel
/// each on a shared y axis, since twelve curves in one panel cannot be told apart.
func drawActivations(_ plotter: Plotter) throws {
  let title = "Activation functions (solid) and their derivatives by autograd (dashed)"
  func grid(_ range: ClosedRange<Double>) -> [Double] {
    (0...160).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / 160 }
  }
  let xs = grid(-8...8)
  var series: [Series] = []
  for (i, c) in activationCurves(xs: xs, functions: classicActivations).enumerated() {
    series.append(Series(c.name, x: xs, y: c.values, color: i))
    series.append(Series("\(c.name)′", x: xs, y: c.derivative, style: .dashed, color: i))
  }
  try plotter.save(LinePlot(title: title, xLabel: "x", yLabel: "f(x), f′(x)", series: series, yRange: -2...3.2), name: "activations")

  let modern = grid(-4...3)
  let panels = activationCurves(xs: modern, functions: modernActivations).enumerated().map { i, c in
    LinePlot(title: c.name, xLabel: "x", yLabel: "f(x), f′(x)",
             series: [Series("f", x: modern, y: c.values, color: i), Series("f′", x: modern, y: c.derivative, style: .dashed, color: i)],
             yRange: -2...3.2)
  }
  try plotter.save(PlotGrid(title: title, panels: panels, columns: 3), name: "activations-more", width: 1100, height: 650)
}
