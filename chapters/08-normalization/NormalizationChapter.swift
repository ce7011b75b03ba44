import ArgumentParser
import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

enum Defaults: ChapterDefaults {
  static let chapter = "normalization"
  static let epochs = 10
  static let batchSize = 128
  static let lr = 0.1
  static let trainsThroughFit = true
}

/// What `--only` runs: everything, just the library BN-LeNet training (for `make bench`), or just
/// the batch-size experiment.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, bnLeNet = "bn-lenet", batchSize = "batch-size"
}

/// `swift run -c release normalization`: batch norm written out and checked against the library,
/// train and evaluation mode, LeNet with batch norm on Fashion-MNIST, and batch, layer, instance
/// and group norm side by side.
struct NormalizationChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "normalization",
    abstract: "Normalization: batch norm from scratch, BN-LeNet on Fashion-MNIST, batch/layer/instance/group norm compared (chapter 08).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Run everything (all), only the library BN-LeNet training (bn-lenet; what make bench times), or only the batch-size experiment (batch-size).")
  var only: Part = .all

  @Option(parsing: .unconditional, help: "Batch sizes of the batch-norm vs group-norm experiment, comma-separated.",
          transform: { text in
            let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 2 }) else {
              throw ValidationError("--batch-sizes needs whole numbers of at least 2 separated by commas, got '\(text)'")
            }
            return sizes.map { $0! }
          })
  var batchSizes: [Int] = [2, 8, 64]

  @Option(parsing: .unconditional, help: "Epochs for the comparison of the four normalizations (1 with --quick).")
  var compareEpochs = 3

  @Option(parsing: .unconditional, help: "Training examples each run of the batch-size experiment sees (200 with --quick).")
  var batchSizeExamples = 20_000

  func validate() throws {
    guard compareEpochs >= 1 else { throw ValidationError("--compare-epochs must be at least 1, got \(compareEpochs)") }
    guard batchSizeExamples >= 64 else { throw ValidationError("--batch-size-examples must be at least 64, got \(batchSizeExamples)") }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let (train, test) = try options.loadFashionMNIST(quickLimit: (train: 1000, test: 200))
    let epochs = options.quick ? min(options.epochs, 1) : options.epochs

    switch only {
    case .bnLeNet:
      _ = try trainBNLeNet(.module, train: train, test: test, epochs: epochs)
      return
    case .batchSize:
      section("Batch size: batch norm against group norm")
      try runBatchSizes(plotter, train: train, test: test)
      return
    case .all: break
    }

    section("Batch norm from scratch, checked against BatchNorm1d/BatchNorm2d")
    compareScratchWithModule()
    _ = backwardThroughStatistics()

    section("Training mode and evaluation mode")
    trainVersusEval(train, batchSize: options.batchSize, batches: options.quick ? 20 : 200)

    section("A convolution bias in front of batch norm does nothing")
    _ = convBiasBeforeBatchNorm()

    section("LeNet with batch norm on Fashion-MNIST: \(epochs) epochs, batch \(options.batchSize), SGD lr \(options.lr)")
    let runs = try [BatchNormChoice.scratch, .module].map { ($0, try trainBNLeNet($0, train: train, test: test, epochs: epochs)) }
    try drawLeNetCurves(plotter, runs.map { ($0.0.rawValue, $0.1.history) })
    print("\nmodel              test accuracy   textbook (d2l v1.0, b128, lr 0.1)")
    for (choice, run) in runs {
      let ours = run.history.last.map { f4($0.testAccuracy) } ?? "—"
      print("\(choice.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(ours.padding(toLength: 15, withPad: " ", startingAt: 0)) "
            + (choice == .scratch ? "0.876 (scratch)" : "0.868 (concise); classic d2l lr 1.0, b256: 0.838"))
    }

    section("Activations with and without batch norm")
    let steps = options.quick ? 5 : 150
    let probe = test.images[0..<min(256, test.count)]
    var taken: [(inputs: [[Double]], outputs: [[Double]])] = []
    for choice in [BatchNormChoice.module, .none] {
      let net = trainBriefly(choice, train: train, steps: steps)
      let acts = sigmoidActivations(net, probe)
      taken.append(acts)
      print("  \(choice.rawValue) after \(steps) steps: share of sigmoid outputs below 0.05 or above 0.95 (saturated) per layer: "
            + acts.outputs.map { values in f4(Double(values.filter { $0 < 0.05 || $0 > 0.95 }.count) / Double(values.count)) }.joined(separator: ", "))
    }
    try drawActivations(plotter, with: taken[0].inputs, without: taken[1].inputs, outputsWith: taken[0].outputs, outputsWithout: taken[1].outputs)

    section("Batch, layer, instance and group norm in one small CNN")
    try plotter.save(NormalizationAxesFigure(), name: "axes", width: 1300, height: 420)
    let curves = compareNormalizations(train: train, test: test, epochs: options.quick ? 1 : compareEpochs,
                                       batchSize: options.batchSize, lr: options.lr, seed: options.seed,
                                       maxSteps: options.quick ? 8 : .max)
    try drawComparison(plotter, curves, examplesPerEpoch: train.count)

    section("Batch size: batch norm against group norm")
    let rows = try runBatchSizes(plotter, train: train, test: test)
    print("\n" + plotter.summary())

    for (choice, run) in runs {
      guard let last = run.history.last(orUntrainedOf: run.log) else { continue }
      run.log.result(["train_loss": last.trainLoss, "train_acc": last.trainAccuracy, "test_loss": last.testLoss, "test_acc": last.testAccuracy,
                      "examples_per_sec": run.log.rate(train.count)],
                     extra: ["threads": "\(options.threads)", "textbook_test_acc": choice == .scratch ? "0.876" : "0.868"])
    }
    for curve in curves {
      printResult(chapter: Defaults.chapter, model: "small-cnn-\(curve.name)",
                  ["train_loss": curve.losses.last ?? .nan, "test_acc": curve.epochAccuracy.last ?? .nan],
                  extra: ["epochs": "\(curve.epochAccuracy.count)"])
    }
    printBatchSizeResults(rows)
  }

  /// The batch-size experiment with the chapter's options, drawn, with its RESULT lines.
  @discardableResult
  func runBatchSizes(_ plotter: Plotter, train: FashionMNIST, test: FashionMNIST) throws -> [(kind: NormKind, size: Int, accuracy: Double)] {
    let rows = batchSizeSensitivity(train: train, test: test, sizes: batchSizes.filter { $0 <= train.count },
                                    examples: options.quick ? 200 : batchSizeExamples, lr: options.lr, seed: options.seed)
    try drawBatchSizes(plotter, rows)
    if only == .batchSize { printBatchSizeResults(rows) }
    return rows
  }

  func printBatchSizeResults(_ rows: [(kind: NormKind, size: Int, accuracy: Double)]) {
    for row in rows {
      printResult(chapter: Defaults.chapter, model: "batch-size-\(row.kind.rawValue)", ["test_acc": row.accuracy], extra: ["batch": "\(row.size)"])
    }
  }

  /// BN-LeNet (scratch or library layers) trained with the chapter's options. Both start from the
  /// same weights (same seed), so the two runs differ only by rounding.
  func trainBNLeNet(_ choice: BatchNormChoice, train: FashionMNIST, test: FashionMNIST, epochs: Int) throws -> (history: [EpochStats], log: TrainingLog) {
    Torchlight.manualSeed(options.seed &+ 10)
    let net = bnLeNet(choice)
    print("\n\(choice.rawValue): \(net.parameterCount.formatted()) parameters")
    let optimizer = SGD(parameters: net.parameters(), lr: options.lr)
    let classifier = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer)
    let log = TrainingLog(chapter: Defaults.chapter, model: choice.rawValue, output: options.output, plotTerminal: options.plotTerminal)
    let history = try fit(classifier, train: train, test: test, epochs: epochs, batchSize: options.batchSize,
                      generator: Generator(seed: options.seed &+ 1), log: log)
    if only == .bnLeNet, let last = history.last {
      log.result(["train_loss": last.trainLoss, "test_acc": last.testAccuracy], extra: ["threads": "\(options.threads)"])
    }
    return (history, log)
  }

  /// LeNet with or without batch norm after `steps` SGD steps from the same start.
  func trainBriefly(_ choice: BatchNormChoice, train: FashionMNIST, steps: Int) -> Module {
    Torchlight.manualSeed(options.seed &+ 40)
    let net = bnLeNet(choice)
    let optimizer = SGD(parameters: net.parameters(), lr: options.lr)
    var done = 0
    outer: while train.count >= options.batchSize {
      for batch in DataLoader(train, batchSize: options.batchSize, shuffle: true, dropLast: true, generator: Generator(seed: options.seed &+ 41)) {
        crossEntropy(logits: net(batch.inputs), targets: batch.labels).backward()
        optimizer.step()
        optimizer.zeroGrad()
        done += 1
        if done >= steps { break outer }
      }
    }
    return net
  }
}
