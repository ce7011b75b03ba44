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

func drawActivations(_ plotter: Plotter) throws {
  for (functions, name, range) in [(classicActivations, "activations", -8.0...8.0), (modernActivations, "activations-more", -4.0...3.0)] {
    let xs = (0...160).map { range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / 160 }
    var series: [Series] = []
    for (i, c) in activationCurves(xs: xs, functions: functions).enumerated() {
      series.append(Series(c.name, x: xs, y: c.values, color: i))
      series.append(Series("\(c.name)′", x: xs, y: c.derivative, style: .dashed, color: i))
    }
    try plotter.save(LinePlot(title: "Activation functions (solid) and their derivatives by autograd (dashed)",
                              xLabel: "x", yLabel: "f(x), f′(x)", series: series, yRange: -2...3.2), name: name)
  }
}
