import ArgumentParser
import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

extension RegressionLoss: ExpressibleByArgument {}

enum Defaults: ChapterDefaults {
  static let chapter = "linear-regression"
  static let epochs = 3
  static let batchSize = 10
  static let lr = 0.03
  static let resumable = true
}

/// `swift run -c release linear-regression`: fit y = Xw + b + noise by minibatch SGD, first
/// written out by hand, then with `Linear`, `mseLoss` and `SGD`, and compare the two.
struct LinearRegression: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "linear-regression",
    abstract: "Linear regression on synthetic data, from scratch and concise (chapter 03).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Number of synthetic examples.")
  var examples = 1000

  @Option(help: "Loss of the concise version: mse or huber.")
  var loss: RegressionLoss = .mse

  static let trueW = [2.0, -3.4]
  static let trueB = 4.2

  func validate() throws {
    guard examples >= 2 else { throw ValidationError("--examples must be at least 2, got \(examples)") }
  }

  func run() throws {
    options.apply()
    let g = Generator(seed: options.seed)
    let (features, labels) = syntheticData(w: Self.trueW, b: Self.trueB, count: examples, noise: 0.01, generator: g)
    print("Synthetic data: \(examples) examples, y = X·\(Self.trueW) + \(Self.trueB) + noise(σ = 0.01)")
    print("first example: x = \(features[0].toDoubles().map { formatMetric($0) }), y = \(formatMetric(labels[0].item()))\n")

    print("From scratch (hand-written model, loss and SGD):")
    let scratchLog = TrainingLog(chapter: Defaults.chapter, model: "scratch", output: options.output, plotTerminal: options.plotTerminal)
    let scratch = try trainFromScratch(features: features, labels: labels, epochs: options.epochs, batchSize: options.batchSize,
                                   lr: options.lr, generator: g, log: scratchLog)
    report("scratch", scratch)

    print("\nConcise (Linear + \(loss == .mse ? "mseLoss" : "huberLoss") + SGD):")
    let conciseLog = TrainingLog(chapter: Defaults.chapter, model: "concise", output: options.output, plotTerminal: options.plotTerminal)
    let concise = try trainConcise(features: features, labels: labels, epochs: options.epochs, batchSize: options.batchSize,
                               lr: options.lr, loss: loss, generator: g, log: conciseLog)
    report("concise", concise)
    let agree = zip(scratch.w + [scratch.b], concise.w + [concise.b]).map { Swift.abs($0 - $1) }.max() ?? 0
    print(String(format: "\nThe two versions agree to within %.2e in every parameter.", agree))

    let grid = options.quick ? 30 : 80
    let w1 = (0..<grid).map { -1.0 + 5.0 * Double($0) / Double(grid - 1) }
    let w2 = (0..<grid).map { -5.0 + 6.5 * Double($0) / Double(grid - 1) }
    let surface = lossSurface(features: features, labels: labels, b: scratch.b, w1: w1, w2: w2)
    let plotter = Plotter(directory: options.output)
    let shown = min(examples, 300)
    try drawFigures(plotter, scratch: scratch, concise: concise,
                    features: (0..<shown).map { features[$0].toDoubles() }, labels: (0..<shown).map { labels[$0].item() },
                    surface: (w1, w2, surface), trueW: Self.trueW, trueB: Self.trueB)
    print("\n" + plotter.summary())

    for (run, log) in [(scratch, scratchLog), (concise, conciseLog)] {
      let errors = errorsOf(run)
      log.result(["train_loss": run.epochLosses.last ?? .nan, "w1_error": errors[0], "w2_error": errors[1], "b_error": errors[2]])
    }
  }

  /// |true − learned| for w1, w2 and b.
  func errorsOf(_ run: RegressionRun) -> [Double] {
    zip(Self.trueW + [Self.trueB], run.w + [run.b]).map { Swift.abs($0 - $1) }
  }

  func report(_ name: String, _ run: RegressionRun) {
    let e = errorsOf(run)
    print("  learned w = [\(run.w.map { String(format: "%.4f", $0) }.joined(separator: ", "))], b = \(String(format: "%.4f", run.b))")
    print("  error in w: [\(String(format: "%.2e", e[0])), \(String(format: "%.2e", e[1]))], error in b: \(String(format: "%.2e", e[2]))")
  }
}
