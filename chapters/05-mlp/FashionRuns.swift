import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// One trained model: its per-epoch numbers and the log that timed it.
struct TrainingRun {
  let name: String
  let history: [EpochStats]
  let log: TrainingLog

  func report(trainCount: Int, threads: Int) {
    guard let last = history.last(orUntrainedOf: log) else { return }
    log.result(["train_loss": last.trainLoss, "train_acc": last.trainAccuracy, "test_loss": last.testLoss,
                "test_acc": last.testAccuracy, "examples_per_sec": log.rate(trainCount)],
               extra: ["threads": "\(threads)"])
  }
}

/// Trains models on Fashion-MNIST with the chapter's options, each with its own shuffling stream.
struct Trainer {
  let options: ChapterOptions<Defaults>
  let data: (train: FashionMNIST, test: FashionMNIST)
  let generator: Generator

  var epochs: Int { options.quick ? min(options.epochs, 2) : options.epochs }

  func fitting(_ name: String, _ model: Classifier) throws -> TrainingRun {
    let log = TrainingLog(chapter: Defaults.chapter, model: name, output: options.output, plotTerminal: options.plotTerminal)
    let history = try fit(model, train: data.train, test: data.test, epochs: epochs, batchSize: options.batchSize,
                      generator: generator.spawn(), log: log)
    return TrainingRun(name: name, history: history, log: log)
  }

  /// The hand-written MLP with its hand-written update.
  func trainScratch() throws -> TrainingRun {
    let net = ScratchMLP(generator: generator)
    var model = Classifier(forward: { net($0) }, loss: { crossEntropy(logits: $0, targets: $1) },
                           step: { net.step(lr: options.lr) }, parameters: net.parameters)
    model.namedParameters = { [("w1", net.w1), ("b1", net.b1), ("w2", net.w2), ("b2", net.b2)] }   // for --tensorboard
    model.learningRate = { options.lr }
    return try fitting("scratch", model)
  }

  /// A module trained with cross-entropy and SGD.
  func train(_ name: String, _ net: Module) throws -> TrainingRun {
    try fitting(name, classifier(net, lr: options.lr))
  }
}

/// Saves `net` as safetensors, loads the file into a freshly initialised MLP of the same shape,
/// and scores both on the test set: the accuracies must be identical, to the last digit.
func checkpointRoundTrip(_ net: Module, test: FashionMNIST, folder: String) throws {
  let path = (folder as NSString).appendingPathComponent("mlp.safetensors")
  do {
    try net.save(to: path, metadata: ["chapter": "mlp", "architecture": "784-256-10"])
  } catch let error as CheckpointError {
    throw ChapterError(error.description)
  }
  let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
  print("  saved \(net.stateDict().map(\.0).joined(separator: ", ")) to \(path) (\(size) bytes)")

  let fresh = conciseMLP()
  let score = { (m: Module) in evaluate(Classifier(module: m, loss: { crossEntropy(logits: $0, targets: $1) }, step: {}), test).accuracy }
  let before = score(fresh)
  do {
    try fresh.load(from: path)
  } catch let error as CheckpointError {
    throw ChapterError(error.description)
  }
  let original = score(net), reloaded = score(fresh)
  print("  test accuracy: trained \(String(format: "%.4f", original)), fresh before loading \(String(format: "%.4f", before)),"
        + " fresh after loading \(String(format: "%.4f", reloaded)) (\(original == reloaded ? "identical" : "DIFFERENT"))")
  guard original == reloaded else {
    throw ChapterError("the reloaded checkpoint scores \(reloaded), the trained model \(original): saving or loading lost something")
  }
}

/// Test accuracy of the Fashion-MNIST runs, and dropout's effect on the gap between training
/// and test loss.
func drawTrainingCurves(_ plotter: Plotter, _ runs: [(String, [EpochStats])]) throws {
  let epochs = { (h: [EpochStats]) in h.indices.map { Double($0 + 1) } }
  try plotter.save(LinePlot(title: "MLP on Fashion-MNIST: test accuracy", xLabel: "epoch", yLabel: "test accuracy",
                            series: runs.map { Series($0.0, x: epochs($0.1), y: $0.1.map(\.testAccuracy), style: .linesPoints) }),
                   name: "curves")
  let dropoutRuns = runs.filter { $0.0 == "dropout" || $0.0 == "no-dropout" }
  try plotter.save(LinePlot(title: "Dropout on and off: train loss (solid) and test loss (dashed)", xLabel: "epoch", yLabel: "loss",
                            series: dropoutRuns.enumerated().flatMap { i, run in
                              [Series("\(run.0): train", x: epochs(run.1), y: run.1.map(\.trainLoss), color: i),
                               Series("\(run.0): test", x: epochs(run.1), y: run.1.map(\.testLoss), style: .dashed, color: i)] }),
                   name: "dropout")
}
