import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

enum Defaults: ChapterDefaults {
  static let chapter = "softmax-regression"
  static let epochs = 10
  static let batchSize = 256
  static let lr = 0.1
  static let resumable = true
}

/// `swift run -c release softmax-regression`: a linear classifier of Fashion-MNIST, first with a
/// hand-written softmax, cross-entropy and update, then with `Linear` + `crossEntropy` + `SGD`.
struct SoftmaxRegression: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "softmax-regression",
    abstract: "Softmax regression on Fashion-MNIST, from scratch and concise (chapter 04).")

  @OptionGroup var options: ChapterOptions<Defaults>

  func run() throws {
    options.apply()
    let epochs = options.quick ? min(options.epochs, 2) : options.epochs
    let (train, test) = try options.loadFashionMNIST()
    print("Fashion-MNIST: \(train.count) training and \(test.count) test images, 10 classes\n")
    showOverflow()

    let data = (train: train, test: test)
    print("\nFrom scratch: softmax, cross-entropy and SGD written by hand")
    let model = ScratchSoftmaxModel()
    let scratchLog = TrainingLog(chapter: Defaults.chapter, model: "scratch", output: options.output, plotTerminal: options.plotTerminal)
    let scratchHistory = try trainClassifier(
      forward: { model($0) },
      loss: { crossEntropyByHand($0, $1).mean() },
      zeroGrad: { for p in model.parameters { p.zeroGrad() } },
      step: { sgdByHand(model.parameters, lr: options.lr) },
      data: data, epochs: epochs, batchSize: options.batchSize, generator: Generator.global.spawn(), log: scratchLog,
      checkpointed: [("parameters", .parameters(model.parameters))])

    print("\nConcise: Linear(784 → 10) + crossEntropy + SGD")
    let net = Linear(inFeatures: 784, outFeatures: 10)
    withNoGrad {
      net.weight.copy(from: Tensor.normal(net.weight.shape, std: 0.01))
      net.bias!.zero()
    }
    let optimizer = SGD(parameters: net.parameters(), lr: options.lr)
    let conciseLog = TrainingLog(chapter: Defaults.chapter, model: "concise", output: options.output, plotTerminal: options.plotTerminal)
    let conciseHistory = try trainClassifier(
      forward: { net($0.reshaped(-1, 784)) },
      loss: { crossEntropy(logits: $0, targets: $1) },
      zeroGrad: { optimizer.zeroGrad() },
      step: { optimizer.step() },
      data: data, epochs: epochs, batchSize: options.batchSize, generator: Generator.global.spawn(), log: conciseLog,
      checkpointed: [("model", .module(net)), ("optimizer", .optimizer(optimizer))])

    let scores = withNoGrad { net(test.images.reshaped(-1, 784)) }
    let plotter = Plotter(directory: options.output)
    try drawCurves(plotter, scratch: scratchHistory, concise: conciseHistory)
    try drawPredictions(plotter, test: test, scores: scores)
    try drawWeights(plotter, weight: net.weight)
    try drawConfusion(plotter, test: test, scores: scores)
    print("\n" + plotter.summary())
    print("Textbook (d2l, 10 epochs): test accuracy 0.830 from scratch, 0.835 concise.")
    for (history, log) in [(scratchHistory, scratchLog), (conciseHistory, conciseLog)] {
      guard let last = history.last(orUntrainedOf: log) else { continue }
      log.result(["train_loss": last.trainLoss, "train_acc": last.trainAccuracy, "test_loss": last.testLoss,
                  "test_acc": last.testAccuracy, "examples_per_sec": log.rate(train.count)],
                 extra: ["threads": "\(options.threads)"])
    }
  }
}
