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

/// The three schemes, through `Init`: N(0, 0.01²); Xavier (Glorot), standard deviation
/// √(2/(fanIn + fanOut)), which keeps variance steady in both directions for symmetric
/// activations; Kaiming (He) for ReLU, √2/√fanIn, which makes up for ReLU zeroing half its inputs.
enum InitScheme: String, CaseIterable {
  case small = "normal(0, 0.01)", xavier = "Xavier", kaiming = "Kaiming"
  func initialise(_ w: Tensor, generator: Generator) {
    switch self {
    case .small: Init.normal(w, std: 0.01, generator: generator)
    case .xavier: Init.xavierNormal(w, generator: generator)
    case .kaiming: Init.kaimingNormal(w, nonlinearity: .relu, generator: generator)
    }
  }
}

func scaleProfile(scheme: InitScheme, activation: (Tensor) -> Tensor, depth: Int = 12, width: Int = 256,
                  generator: Generator) -> ScaleProfile {
  let weights = (0..<depth).map { _ in
    let w = Tensor.zeros([width, width], dtype: .float64).requiringGrad()
    scheme.initialise(w, generator: generator)
    return w
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
