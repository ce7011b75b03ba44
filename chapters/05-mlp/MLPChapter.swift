import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

enum Defaults: ChapterDefaults {
  static let chapter = "mlp"
  static let epochs = 10
  static let batchSize = 256
  static let lr = 0.1
}

/// `swift run -c release mlp`: activation functions, initialisation and signal scale, the MLP from
/// scratch and concise, under- and overfitting, weight decay, dropout, and a checkpoint round trip.
struct MLPChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mlp",
    abstract: "Multilayer perceptrons on Fashion-MNIST, initialisation, overfitting, weight decay and dropout (chapter 05).")

  @OptionGroup var options: ChapterOptions<Defaults>

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let g = Generator(seed: options.seed)

    section("Activation functions and their derivatives")
    try drawActivations(plotter)
    let xs: [Double] = [-2, -0.5, 0.5, 2]
    for c in activationCurves(xs: xs) {
      print("  \(c.name.padding(toLength: 8, withPad: " ", startingAt: 0)) f′ at \(xs): \(c.derivative.map { String(format: "%.4f", $0) })")
    }

    section("Initialisation and the scale of signals (12 layers of 256)")
    let profiles = try drawInitScales(plotter, generator: g)
    for (name, p) in profiles {
      print("  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) activation std layer 1 → 12: "
            + "\(sci(p.activationStd.first!)) → \(sci(p.activationStd.last!))   weight-gradient std layer 1: \(sci(p.gradientStd.first!))")
    }

    section("Underfitting and overfitting: polynomial regression with 100 examples")
    let poly = PolynomialData(generator: g)
    let polyEpochs = options.quick ? 100 : 400
    var polySeries: [Series] = []
    for (name, features) in [("4 features (right)", 4), ("2 features (underfit)", 2), ("20 features (overfit)", 20)] {
      let fit = fitPolynomial(poly, featureCount: features, epochs: polyEpochs, generator: g)
      print("  \(name.padding(toLength: 22, withPad: " ", startingAt: 0)) train loss \(formatMetric(fit.train.last!))  test loss \(formatMetric(fit.test.last!))"
            + "  w[0..<4] = \(fit.weights.prefix(4).map { String(format: "%.3f", $0) })")
      let epochs = fit.train.indices.map { Double($0 + 1) }
      polySeries += [Series("\(name): train", x: epochs, y: fit.train), Series("\(name): test", x: epochs, y: fit.test, style: .dashed)]
    }
    print("  (true weights: [5.0, 1.2, -3.4, 5.6])")
    try plotter.save(LinePlot(title: "Polynomial regression: train (solid) and test (dashed) loss", xLabel: "epoch",
                              yLabel: "loss (log scale)", series: polySeries, logY: true), name: "polynomial")

    section("Weight decay: 200 features, 20 training examples")
    var decaySeries: [Series] = []
    var norms: [Double: Double] = [:]
    for lambda in [0.0, 3.0] {
      let run = weightDecayRun(lambda: lambda, epochs: options.quick ? 30 : 100, generator: g)
      norms[lambda] = run.norm
      print("  λ = \(lambda): ‖w‖ = \(String(format: "%.4f", run.norm))  train loss \(formatMetric(run.train.last!))  test loss \(formatMetric(run.test.last!))")
      let epochs = run.train.indices.map { Double($0 + 1) }
      decaySeries += [Series("λ = \(Int(lambda)): train", x: epochs, y: run.train), Series("λ = \(Int(lambda)): test", x: epochs, y: run.test, style: .dashed)]
    }
    try plotter.save(LinePlot(title: "Weight decay: train (solid) and test (dashed) loss", xLabel: "epoch",
                              yLabel: "loss (log scale)", series: decaySeries, logY: true), name: "weight-decay")

    let limit = options.quick ? (train: 5000, test: 1000) : (train: Int.max, test: Int.max)
    let train: FashionMNIST, test: FashionMNIST
    do {
      train = try FashionMNIST(train: true, folder: options.dataDir, limit: limit.train)
      test = try FashionMNIST(train: false, folder: options.dataDir, limit: limit.test)
    } catch let error as DataError {
      throw ChapterError(error.description)
    }
    let epochs = options.quick ? min(options.epochs, 2) : options.epochs
    func trainModel(_ name: String, _ model: Classifier) -> (history: [EpochStats], log: TrainingLog) {
      let log = TrainingLog(chapter: Defaults.chapter, model: name, output: options.output, plotTerminal: options.plotTerminal)
      let history = fit(model, train: train, test: test, epochs: epochs, batchSize: options.batchSize, generator: g.spawn(), log: log)
      return (history, log)
    }

    section("The MLP from scratch: 784 → 256 (ReLU) → 10 on Fashion-MNIST")
    let scratchNet = ScratchMLP()
    let scratch = trainModel("scratch", Classifier(forward: { scratchNet($0) }, loss: { crossEntropy(logits: $0, targets: $1) },
                                                   step: { scratchNet.step(lr: options.lr) }))

    section("The same MLP, concise")
    let net = conciseMLP()
    print(net.summary(inputShape: [1, 1, 28, 28]))
    let concise = trainModel("concise", classifier(net, lr: options.lr))

    section("Dropout: 784 → 256 → 256 → 10 with dropout 0.5 after each hidden layer")
    let dropNet = dropoutMLP()
    let dropped = trainModel("dropout", classifier(dropNet, lr: options.lr))
    let noDropNet = dropoutMLP(p1: 0, p2: 0)
    let undropped = trainModel("no-dropout", classifier(noDropNet, lr: options.lr))

    let runs = [("scratch", scratch), ("concise", concise), ("dropout", dropped), ("no-dropout", undropped)]
    try drawTrainingCurves(plotter, runs.map { ($0.0, $0.1.history) })
    print("\nFigures in \(options.output)/: activations, init-activations, init-gradients, polynomial, weight-decay, curves, dropout")
    print("Textbook (d2l v1.0, 10 epochs): MLP test accuracy 0.833 (concise 0.845), dropout 0.850 (concise 0.837).")
    for (_, run) in runs {
      guard let last = run.history.last else { continue }
      run.log.result(["train_loss": last.trainLoss, "train_acc": last.trainAccuracy, "test_loss": last.testLoss,
                      "test_acc": last.testAccuracy, "examples_per_sec": Double(train.count) / max(run.log.fastestEpochSeconds, 1e-9)],
                     extra: ["threads": "\(options.threads)"])
    }
    print("RESULT chapter=mlp model=weight-decay norm_lambda0=\(String(format: "%.4f", norms[0]!)) norm_lambda3=\(String(format: "%.4f", norms[3]!))")
  }

  func section(_ title: String) { print("\n== \(title)") }
  func sci(_ v: Double) -> String { String(format: "%.2e", v) }
}

/// Test accuracy and losses of the four Fashion-MNIST runs, and dropout's effect on the gap
/// between training and test loss.
func drawTrainingCurves(_ plotter: Plotter, _ runs: [(String, [EpochStats])]) throws {
  let epochs = { (h: [EpochStats]) in h.indices.map { Double($0 + 1) } }
  try plotter.save(LinePlot(title: "MLP on Fashion-MNIST: test accuracy", xLabel: "epoch", yLabel: "test accuracy",
                            series: runs.map { Series($0.0, x: epochs($0.1), y: $0.1.map(\.testAccuracy), style: .linesPoints) }),
                   name: "curves")
  let dropoutRuns = runs.filter { $0.0 == "dropout" || $0.0 == "no-dropout" }
  try plotter.save(LinePlot(title: "Dropout on and off: train loss (solid) and test loss (dashed)", xLabel: "epoch", yLabel: "loss",
                            series: dropoutRuns.flatMap { [Series("\($0.0): train", x: epochs($0.1), y: $0.1.map(\.trainLoss)),
                                                           Series("\($0.0): test", x: epochs($0.1), y: $0.1.map(\.testLoss), style: .dashed)] }),
                   name: "dropout")
}
