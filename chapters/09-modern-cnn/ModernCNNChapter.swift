import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

enum Defaults: ChapterDefaults {
  static let chapter = "modern-cnn"
  static let epochs = 4
  static let batchSize = 128
  static let lr = 0.001
  static let trainsThroughFit = true
}

/// The networks `--model` can train.
enum ModelChoice: String, CaseIterable {
  case resnet, densenet

  func make(quick: Bool) -> FeatureClassifier {
    switch self {
    case .resnet: resNet(quick ? .quick : .chapter)
    case .densenet: denseNet(quick ? .quick : .chapter)
    }
  }

  /// The textbook's result (d2l v1.0, 96×96 inputs, full width, SGD lr 0.01, 10 epochs, GPU).
  var textbook: String {
    switch self {
    case .resnet: "0.903 (ResNet-18, 11.2 M parameters)"
    case .densenet: "0.893 (DenseNet, 4 blocks of 4, growth 32, 0.76 M parameters)"
    }
  }
}

enum ModelOption: String, ExpressibleByArgument, CaseIterable {
  case resnet, densenet, all
  var models: [ModelChoice] { self == .all ? ModelChoice.allCases : [ModelChoice(rawValue: rawValue)!] }
}

/// `swift run -c release modern-cnn`: residual and dense blocks, a reduced ResNet-18 and
/// DenseNet on Fashion-MNIST, class activation maps and Grad-CAM, and transfer learning from
/// five classes to the other five.
struct ModernCNNChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "modern-cnn",
    abstract: "Modern CNNs: residual and dense blocks, ResNet and DenseNet on Fashion-MNIST, CAM and Grad-CAM, transfer learning (chapter 09).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Network to train: resnet, densenet or all (Adam with --lr, cosine decay over --epochs).", transform: choice(ModelOption.self))
  var model: ModelOption = .all

  @Flag(inversion: .prefixedNo, help: "Run the transfer-learning experiment (pretrain on classes 0-4, fine-tune on 5-9).")
  var transfer = true

  @Option(parsing: .unconditional, help: "Training images of the target classes for transfer learning.")
  var transferImages = 1000

  @Option(parsing: .unconditional, help: "Epochs of each target-task run (frozen, fine-tune, scratch).")
  var transferEpochs = 10

  @Option(parsing: .unconditional, help: "Epochs of pretraining on classes 0-4.")
  var pretrainEpochs = 2

  func validate() throws {
    guard transferImages >= 10 else { throw ValidationError("--transfer-images must be at least 10, got \(transferImages)") }
    guard transferEpochs >= 1 else { throw ValidationError("--transfer-epochs must be at least 1, got \(transferEpochs)") }
    guard pretrainEpochs >= 1 else { throw ValidationError("--pretrain-epochs must be at least 1, got \(pretrainEpochs)") }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let (train, test) = try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500))

    section("Residual blocks")
    showResidualShapes()
    section("Dense blocks")
    showDenseShapes()

    let epochs = options.quick ? min(options.epochs, 1) : options.epochs
    // --quick: one epoch over 2000 images, in small batches so that the tiny networks move.
    let batchSize = options.quick ? min(options.batchSize, 32) : options.batchSize
    var summary: [(ModelChoice, Int, EpochStats?, Double)] = []
    for choice in model.models {
      // Each network starts from its own seed, so `--model densenet` and `--model all` agree.
      manualSeed(options.seed &+ UInt64(ModelChoice.allCases.firstIndex(of: choice)! + 1))
      let net = choice.make(quick: options.quick)
      section("\(choice.rawValue): \(net.parameterCount.formatted()) parameters, \(epochs) epochs, batch \(batchSize), Adam lr \(options.lr) with cosine decay")
      print(net.summary(inputShape: [1, 1, 28, 28]).split(separator: "\n").suffix(6).joined(separator: "\n"))
      let optimizer = Adam(parameters: net.parameters(), lr: options.lr)
      let schedule = CosineAnnealingLR(optimizer: optimizer, tMax: max(epochs, 1))
      let classifier = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer, scheduler: schedule)
      let log = TrainingLog(chapter: Defaults.chapter, model: choice.rawValue, output: options.output, plotTerminal: options.plotTerminal)
      let history = try fit(classifier, train: train, test: test, epochs: epochs, batchSize: batchSize,
                        generator: Generator(seed: options.seed &+ 1), log: log)
      try drawCurves(plotter, [(choice.rawValue, history)], name: "curves-\(choice.rawValue)",
                     title: "\(choice.rawValue): training loss (dashed) and test accuracy (solid)")
      if let decay = options.ema, history.allSatisfy({ $0.testAccuracyWithoutEMA != nil }), !history.isEmpty {
        try drawEMACurves(plotter, history, model: choice.rawValue, decay: decay)
      }

      section("\(choice.rawValue): class activation maps")
      try explainPredictions(net, test: test, model: choice.rawValue, plotter: plotter)
      if let last = history.last(orUntrainedOf: log) {
        log.result(["train_loss": last.trainLoss, "train_acc": last.trainAccuracy, "test_loss": last.testLoss,
                    "test_acc": last.testAccuracy, "parameters": Double(net.parameterCount)],
                   extra: ["threads": "\(options.threads)"])
      }
      summary.append((choice, net.parameterCount, history.last, log.fastestEpochSeconds))
    }

    print("\nmodel      parameters  test accuracy  s/epoch   textbook (96×96, GPU)")
    for (choice, parameters, last, seconds) in summary {
      print(choice.rawValue.padded(10), String(parameters).padded(11), (last.map { String(format: "%.4f", $0.testAccuracy) } ?? "—").padded(14),
            String(format: "%.1f s", seconds).padded(9), choice.textbook)
    }

    if transfer {
      try runTransfer(train: train, test: test, plotter: plotter)
    }
    print("\n" + plotter.summary())
  }

  /// CAM and Grad-CAM for the first test images, drawn over them, with the check that the CAM
  /// rebuilds the scores.
  func explainPredictions(_ net: FeatureClassifier, test: FashionMNIST, model: String, plotter: Plotter) throws {
    let count = min(10, test.count)
    let images = test.images[0..<count].contiguous()
    let labels = test.labels[0..<count].toArray(Int64.self).map(Int.init)
    let maps = activationMaps(net, images: images)
    let (h, w) = (maps.cam.shape[1], maps.cam.shape[2])
    let scoreGap = zip(maps.scores, maps.scoresFromCAM).map { Swift.abs($0 - $1) }.max() ?? 0
    let expected = maps.cam.relu() / Double(h * w)
    let gradGap = (maps.gradCAM - expected).abs().max().item()
    let camRange = (maps.cam.min().item(), maps.cam.max().item())
    print("feature maps \(h)×\(w); CAM shape \(maps.cam.shape), values \(String(format: "%.3f", camRange.0))…\(String(format: "%.3f", camRange.1))")
    print(String(format: "score rebuilt from CAM (mean + bias) vs network score: max difference %.2e", scoreGap))
    print(String(format: "Grad-CAM vs ReLU(CAM)/(h·w): max difference %.2e", gradGap))
    try drawActivationMaps(plotter, maps, images: images, labels: labels, model: model)
  }

  /// Pretrain on classes 0–4, save, then learn classes 5–9 from a few images three ways.
  func runTransfer(train: FashionMNIST, test: FashionMNIST, plotter: Plotter) throws {
    let shape: ResNetShape = options.quick ? .quick : .chapter
    let images = options.quick ? min(transferImages, 300) : transferImages
    let epochs = options.quick ? 1 : transferEpochs
    let pretrainEpochs = options.quick ? 1 : self.pretrainEpochs
    let sourceTrain = train.filtered(classes: TransferSplit.source), sourceTest = test.filtered(classes: TransferSplit.source)
    let targetTrain = train.filtered(classes: TransferSplit.target, limit: images)
    let targetTest = test.filtered(classes: TransferSplit.target)
    let names = { (classes: [Int]) in classes.map { FashionMNIST.classNames[$0] }.joined(separator: ", ") }

    section("Transfer learning: pretrain on \(names(TransferSplit.source)) (\(sourceTrain.count) images, \(pretrainEpochs) epochs)")
    manualSeed(options.seed &+ 100)
    let checkpoint = (options.output as NSString).appendingPathComponent("resnet-pretrained-0to4.safetensors")
    _ = try pretrain(shape: shape, train: sourceTrain, test: sourceTest, epochs: pretrainEpochs,
                                            batchSize: options.quick ? 32 : options.batchSize, lr: options.lr, seed: options.seed,
                                            checkpoint: checkpoint, output: options.output)
    let size = (try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size] as? Int) ?? 0
    print("checkpoint: \(checkpoint) (\(size.formatted()) bytes)")

    section("Target task: \(names(TransferSplit.target)) as 0-4, \(targetTrain.count) training images, \(epochs) epochs, batch 64")
    var runs: [TransferRun] = []
    for mode in TransferMode.allCases {
      print("-- \(mode.rawValue)")
      runs.append(try transferRun(mode, shape: shape, checkpoint: checkpoint, train: targetTrain, test: targetTest,
                                  epochs: epochs, batchSize: 64, lr: options.lr, seed: options.seed, output: options.output))
    }
    // The frozen backbone must be exactly the checkpoint's, parameters and running statistics.
    let saved = Dictionary(uniqueKeysWithValues: try SafeTensors.read(checkpoint))
    let frozen = runs.first { $0.mode == .frozen }!.net
    let drift = frozen.backbone.namedTensors().map { name, t in (t - saved["backbone." + name]!).abs().max().item() }.max() ?? 0
    print(String(format: "frozen backbone after fine-tuning vs checkpoint: max difference %.1e", drift))

    print("\nmode               trainable   test accuracy (5 target classes)")
    for run in runs {
      print(run.mode.rawValue.padded(18), String(run.trainable).padded(11), String(format: "%.4f", run.history.last?.testAccuracy ?? 0))
    }
    for run in runs {
      guard let last = run.history.last else { continue }
      printResult(chapter: "modern-cnn", model: "transfer-\(run.mode.slug)", ["test_acc": last.testAccuracy, "train_loss": last.trainLoss],
                  extra: ["epochs": "\(run.history.count)", "train_images": "\(targetTrain.count)", "trainable": "\(run.trainable)"])
    }
    try drawCurves(plotter, runs.map { ($0.mode.rawValue, $0.history) }, name: "transfer",
                   title: "Classes 5-9 from \(targetTrain.count) images: pretrained on 0-4, or from scratch")
  }
}


extension String {
  func padded(_ width: Int) -> String { padding(toLength: max(width, count), withPad: " ", startingAt: 0) }
}
