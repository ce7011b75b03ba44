import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

enum Defaults: ChapterDefaults {
  static let chapter = "cnn"
  static let epochs = 10
  static let batchSize = 256
  static let lr = 0.9
  static let trainsThroughFit = true
}

/// Which network(s) `--model` trains.
enum ModelOption: String, ExpressibleByArgument, CaseIterable {
  case lenet, lenetReLU = "lenet-relu", alexnet, vgg, nin, googlenet, all

  var models: [ModelChoice] {
    self == .all ? ModelChoice.allCases : [ModelChoice(rawValue: rawValue)!]
  }
}

/// `swift run -c release cnn`: cross-correlation from scratch, output-shape arithmetic, then
/// LeNet (or another classic network) trained on Fashion-MNIST, with its kernels, feature maps
/// and mistakes drawn.
struct CNNChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cnn",
    abstract: "Convolutional networks: cross-correlation by hand, LeNet and reduced AlexNet, VGG, NiN, GoogLeNet on Fashion-MNIST (chapter 07).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Network to train: lenet (sigmoid, average pooling, SGD with --lr), lenet-relu (20 epochs unless --epochs), alexnet, vgg, nin, googlenet (these with Adam 0.001), or all.", transform: choice(ModelOption.self))
  var model: ModelOption = .lenet

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let (train, test) = try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500))

    section("Cross-correlation by hand")
    try runScratchConvolution(plotter, sampleImage: test.images[0])
    section("Padding, stride, channels and 1×1 convolutions")
    runShapeArithmetic()

    var runs: [(ModelChoice, [EpochStats], TrainingLog, Sequential)] = []
    for choice in model.models {
      let net = choice.make()
      let planned = options.epochs(orDefault: choice.defaultEpochs)
      let epochs = options.quick ? min(planned, 1) : planned
      section("\(choice.rawValue): \(net.parameterCount.formatted()) parameters, \(epochs) epochs, batch \(options.batchSize)")
      print(net.summary(inputShape: [1, 1, 28, 28]))
      let optimizer: any Optimizer
      if choice == .lenet {
        optimizer = SGD(parameters: net.parameters(), lr: options.lr)
        print("optimizer: SGD, lr \(options.lr)")
      } else {
        optimizer = Adam(parameters: net.parameters(), lr: 1e-3)
        print("optimizer: Adam, lr 0.001")
      }
      let classifier = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer)
      let log = TrainingLog(chapter: Defaults.chapter, model: choice.rawValue, output: options.output, plotTerminal: options.plotTerminal)
      let history = try fit(classifier, train: train, test: test, epochs: epochs, batchSize: options.batchSize,
                        generator: Generator(seed: options.seed &+ 1), log: log)
      runs.append((choice, history, log, net))
    }

    try drawCurves(plotter, runs.map { ($0.0.rawValue, $0.1) })
    let (firstChoice, _, _, firstNet) = runs[0]
    try drawKernels(plotter, firstNet, name: firstChoice.rawValue)
    try drawFeatureMaps(plotter, firstNet, image: test.images[0..<1], name: firstChoice.rawValue)
    try drawMistakes(plotter, firstNet, test: test, name: firstChoice.rawValue)
    print("\n" + plotter.summary())

    print("\nmodel        parameters   epochs   test accuracy   textbook (full size): parameters, accuracy")
    for (choice, history, _, net) in runs {
      let accuracy = history.last.map { String(format: "%.4f", $0.testAccuracy) } ?? "—"
      print("\(choice.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(String(net.parameterCount).padding(toLength: 12, withPad: " ", startingAt: 0)) "
            + "\(String(history.count).padding(toLength: 8, withPad: " ", startingAt: 0)) \(accuracy.padding(toLength: 15, withPad: " ", startingAt: 0)) \(choice.textbook.parameters), \(choice.textbook.accuracy)")
    }
    for (choice, history, log, net) in runs {
      guard let last = history.last(orUntrainedOf: log) else { continue }
      log.result(["train_loss": last.trainLoss, "train_acc": last.trainAccuracy, "test_loss": last.testLoss, "test_acc": last.testAccuracy,
                  "parameters": Double(net.parameterCount), "examples_per_sec": log.rate(train.count)],
                 extra: ["threads": "\(options.threads)"])
      _ = choice
    }
  }
}
