import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// The four sections that need no dataset: activation curves, the scale of signals under three
/// initialisations, polynomial under- and overfitting, and weight decay (L2, and L1 for contrast).
func runSectionsWithoutData(_ plotter: Plotter, generator g: Generator, quick: Bool) throws {
  section("Activation functions and their derivatives")
  try drawActivations(plotter)
  let xs: [Double] = [-2, -0.5, 0.5, 2]
  for c in activationCurves(xs: xs, functions: classicActivations) {
    print("  \(c.name.padding(toLength: 8, withPad: " ", startingAt: 0)) f′ at \(xs): \(c.derivative.map { String(format: "%.4f", $0) })")
  }

  section("Initialisation and the scale of signals (12 layers of 256)")
  let profiles = try drawInitScales(plotter, generator: g)
  for (name, p) in profiles {
    print("  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) activation std layer 1 → 12: "
          + "\(sci(p.activationStd.first!)) → \(sci(p.activationStd.last!))   weight-gradient std layer 1: \(sci(p.gradientStd.first!))")
  }

  section("Underfitting and overfitting: polynomial regression, 100 test examples")
  let poly = PolynomialData(generator: g)
  let polyEpochs = quick ? 400 : 1500
  var polySeries: [Series] = []
  let cases = [("4 features, 100 examples", 4, 100), ("2 features (underfit)", 2, 100),
               ("20 features, 100 examples", 20, 100), ("20 features, 10 examples (overfit)", 20, 10)]
  for (i, (name, features, examples)) in cases.enumerated() {
    let fit = fitPolynomial(poly, featureCount: features, examples: examples, epochs: polyEpochs, generator: g)
    print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) train loss \(formatMetric(fit.train.last!))  test loss \(formatMetric(fit.test.last!))"
          + "  w[0..<4] = \(fit.weights.prefix(4).map { String(format: "%.3f", $0) })")
    let epochs = fit.train.indices.map { Double($0 + 1) }
    // One legend entry per model: the title says which line is train and which is test.
    polySeries += [Series(name, x: epochs, y: fit.train, color: i),
                   Series("", x: epochs, y: fit.test, style: .dashed, color: i)]
  }
  print("  (true weights: [5.0, 1.2, -3.4, 5.6, 0, …]; the noise alone gives a loss of 0.01)")
  try plotter.save(LinePlot(title: "Polynomial regression: train (solid) and test (dashed) loss", xLabel: "epoch",
                            yLabel: "loss (log scale)", series: polySeries, logY: true), name: "polynomial")

  section("Weight decay: 200 features, 20 training examples")
  var decaySeries: [Series] = []
  var norms: [String: Double] = [:]
  let decayEpochs = quick ? 30 : 100
  for (i, penalty) in [Penalty.none, .l2(3), .l1(0.5)].enumerated() {
    let run = penalizedRegression(penalty, epochs: decayEpochs, generator: g)
    norms[penalty.key] = run.norm
    print("  \(penalty.label.padding(toLength: 11, withPad: " ", startingAt: 0)) ‖w‖₂ = \(String(format: "%.4f", run.norm))"
          + "  weights with |w| < 0.01: \(run.smallWeights)/200  train loss \(formatMetric(run.train.last!))  test loss \(formatMetric(run.test.last!))")
    let epochs = run.train.indices.map { Double($0 + 1) }
    decaySeries += [Series("\(penalty.label): train", x: epochs, y: run.train, color: i),
                    Series("\(penalty.label): test", x: epochs, y: run.test, style: .dashed, color: i)]
  }
  try plotter.save(LinePlot(title: "Weight decay: train (solid) and test (dashed) loss", xLabel: "epoch",
                            yLabel: "loss (log scale)", series: decaySeries, logY: true), name: "weight-decay")
  printResult(chapter: "mlp", model: "weight-decay", ["norm_lambda0": norms["none"]!, "norm_lambda3": norms["l2"]!, "norm_l1": norms["l1"]!])
}
