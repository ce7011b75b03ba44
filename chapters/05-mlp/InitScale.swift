import Foundation
import TorchlightNN
import TorchlightPlot

/// How an initialisation sets the scale of signals in a deep net: a stack of `depth` tanh or ReLU
/// layers of `width` units, one forward and backward pass on random inputs, and the standard
/// deviation of each layer's activations and of the gradient reaching each weight matrix.
struct ScaleProfile {
  var activationStd: [Double] = []
  var gradientStd: [Double] = []
}

/// The standard deviations the three schemes give a weight of shape [fanOut, fanIn]:
/// N(0, 0.01²); Xavier (Glorot) √(2/(fanIn + fanOut)), which keeps variance steady in both
/// directions for symmetric activations; Kaiming (He) √(2/fanIn), which makes up for ReLU
/// zeroing half its inputs.
enum InitScheme: String, CaseIterable {
  case small = "normal(0, 0.01)", xavier = "Xavier", kaiming = "Kaiming"
  func std(fanIn: Int, fanOut: Int) -> Double {
    switch self {
    case .small: 0.01
    case .xavier: (2 / Double(fanIn + fanOut)).squareRoot()
    case .kaiming: (2 / Double(fanIn)).squareRoot()
    }
  }
}

func scaleProfile(scheme: InitScheme, activation: (Tensor) -> Tensor, depth: Int = 12, width: Int = 256,
                  generator: Generator) -> ScaleProfile {
  let weights = (0..<depth).map { _ in
    (Tensor.randn([width, width], dtype: .float64, generator: generator) * scheme.std(fanIn: width, fanOut: width)).requiringGrad()
  }
  var h = Tensor.randn([128, width], dtype: .float64, generator: generator)
  var profile = ScaleProfile()
  for w in weights {
    h = activation(h.matmul(w.t()))
    profile.activationStd.append(withNoGrad { h.std().item() })
  }
  h.sum().backward()
  profile.gradientStd = weights.map { $0.grad!.std().item() }
  return profile
}

func drawInitScales(_ plotter: Plotter, generator: Generator) throws -> [(String, ScaleProfile)] {
  var results: [(String, ScaleProfile)] = []
  for (actName, activation) in [("tanh", { (x: Tensor) in x.tanh() }), ("ReLU", { (x: Tensor) in x.relu() })] as [(String, (Tensor) -> Tensor)] {
    for scheme in InitScheme.allCases {
      results.append(("\(actName), \(scheme.rawValue)", scaleProfile(scheme: scheme, activation: activation, generator: generator)))
    }
  }
  let layers = (1...results[0].1.activationStd.count).map(Double.init)
  try plotter.save(LinePlot(title: "Standard deviation of each layer's activations (12 layers of 256)", xLabel: "layer",
                            yLabel: "std (log scale)", series: results.map { Series($0.0, x: layers, y: $0.1.activationStd, style: .linesPoints) },
                            logY: true), name: "init-activations")
  try plotter.save(LinePlot(title: "Standard deviation of each weight matrix's gradient", xLabel: "layer",
                            yLabel: "std (log scale)", series: results.map { Series($0.0, x: layers, y: $0.1.gradientStd, style: .linesPoints) },
                            logY: true), name: "init-gradients")
  return results
}
