import Foundation
import TorchlightData
import TorchlightNN

/// One epoch's numbers.
public struct EpochStats: Sendable {
  public var trainLoss = 0.0, trainAccuracy = 0.0, testLoss = 0.0, testAccuracy = 0.0
  public init() {}
}

/// What a classifier needs from the training loop: scores for a batch, the loss of those scores,
/// the update after backward, and (optionally) a switch between training and evaluation mode.
public struct Classifier {
  public let forward: (Tensor) -> Tensor
  public let loss: (Tensor, Tensor) -> Tensor
  public let step: () -> Void
  public let setTraining: (Bool) -> Void
  /// The parameters by name, for TensorBoard's histograms (set by `init(module:…)`).
  public var namedParameters: () -> [(String, Tensor)] = { [] }
  /// The current learning rate, for TensorBoard's `lr` curve (e.g. `{ optimizer.lr }`).
  public var learningRate: (() -> Double)?

  public init(forward: @escaping (Tensor) -> Tensor, loss: @escaping (Tensor, Tensor) -> Tensor,
              step: @escaping () -> Void, setTraining: @escaping (Bool) -> Void = { _ in }) {
    self.forward = forward; self.loss = loss; self.step = step; self.setTraining = setTraining
  }

  /// A classifier made of a module, a loss and an optimizer step (which also clears gradients).
  public init(module: Module, loss: @escaping (Tensor, Tensor) -> Tensor, step: @escaping () -> Void) {
    self.init(forward: { module($0) }, loss: loss, step: step, setTraining: { module.train($0) })
    namedParameters = { module.namedParameters() }
  }
}

/// Average loss and accuracy on a whole split, in batches of 1000, without recording a graph.
public func evaluate(_ model: Classifier, _ data: FashionMNIST) -> (loss: Double, accuracy: Double) {
  model.setTraining(false)
  defer { model.setTraining(true) }
  return withNoGrad {
    var loss = 0.0, correct = 0.0
    for batch in DataLoader(data, batchSize: 1000, prefetch: false, generator: Generator(seed: 0)) {
      let scores = model.forward(batch.inputs)
      loss += model.loss(scores, batch.labels).item() * Double(batch.labels.count)
      correct += accuracy(logits: scores, targets: batch.labels) * Double(batch.labels.count)
    }
    return (loss / Double(data.count), correct / Double(data.count))
  }
}

/// The loop every classifier chapter runs: for each epoch, every shuffled minibatch goes
/// forward, backward and through the update; then the test set is scored.
/// `afterEpoch(epoch)` runs once each epoch has been scored: the place for a per-epoch
/// learning-rate scheduler's `step()`. A loss that turns NaN or infinite stops training with a
/// `ChapterError` naming the epoch and step (see `checkFinite`).
///
/// With `epochs` 0 nothing is trained: the untrained model is scored on both splits, printed, and
/// kept as `log.untrained`, so the chapter can still end with a RESULT line (`epochs=0`); the
/// returned history is empty.
public func fit(_ model: Classifier, train: FashionMNIST, test: FashionMNIST, epochs: Int, batchSize: Int,
           generator: Generator, log: TrainingLog, afterEpoch: (Int) -> Void = { _ in }) throws -> [EpochStats] {
  if epochs == 0 {
    var stats = EpochStats()
    (stats.trainLoss, stats.trainAccuracy) = evaluate(model, train)
    (stats.testLoss, stats.testAccuracy) = evaluate(model, test)
    log.scoredUntrained(stats)
    return []
  }
  var lastFinite: Double?
  let loader = DataLoader(train, batchSize: batchSize, shuffle: true, generator: generator)
  var history: [EpochStats] = []
  log.watch(model.namedParameters(), learningRate: model.learningRate)
  for epoch in 1...epochs {
    model.setTraining(true)
    log.startEpoch(epoch, of: epochs, batches: loader.count)
    var stats = EpochStats(), seen = 0.0
    for (step, batch) in loader.enumerated() {
      let scores = model.forward(batch.inputs)
      let loss = model.loss(scores, batch.labels)
      let value = loss.item()
      try checkFinite(value, epoch: epoch, step: step + 1, lastFinite: lastFinite)
      lastFinite = value
      loss.backward()
      log.gradientsReady()
      model.step()
      let n = Double(batch.labels.count)
      stats.trainLoss += value * n
      stats.trainAccuracy += withNoGrad { accuracy(logits: scores, targets: batch.labels) } * n
      seen += n
      log.batchDone(examples: batch.labels.count, loss: value)
    }
    log.trainingDone()
    stats.trainLoss /= seen
    stats.trainAccuracy /= seen
    (stats.testLoss, stats.testAccuracy) = evaluate(model, test)
    log.endEpoch(["train_loss": stats.trainLoss, "train_acc": stats.trainAccuracy,
                  "test_loss": stats.testLoss, "test_acc": stats.testAccuracy])
    history.append(stats)
    afterEpoch(epoch)
  }
  return history
}

/// Stops training when the loss is NaN or infinite: one line with the epoch and step, the last
/// finite loss, and the likely cause. (A chapter that shows divergence on purpose, like the
/// learning-rate figure of chapter 06, runs its own loop and records the blow-up instead.)
public func checkFinite(_ loss: Double, epoch: Int, step: Int, lastFinite: Double?) throws {
  guard !loss.isFinite else { return }
  let before = lastFinite.map { String(format: "%.4g", $0) } ?? "none yet"
  throw ChapterError("training diverged at epoch \(epoch), step \(step): the loss is \(loss) (last finite loss: \(before)); the learning rate is likely too large, lower --lr")
}

extension ChapterOptions {
  /// Fashion-MNIST's training and test splits from `--data-dir` (or the default locations),
  /// cut to `quickLimit` images with `--quick`. A missing or broken file becomes the one-line
  /// `ChapterError` every chapter reports.
  public func loadFashionMNIST(quickLimit: (train: Int, test: Int) = (5000, 1000)) throws -> (train: FashionMNIST, test: FashionMNIST) {
    let limit = quick ? quickLimit : (train: Int.max, test: Int.max)
    do {
      return (try FashionMNIST(train: true, folder: dataDir, limit: limit.train),
              try FashionMNIST(train: false, folder: dataDir, limit: limit.test))
    } catch let error as DataError {
      throw ChapterError(error.description)
    }
  }
}

extension TrainingLog {
  /// Keeps and prints, as one line, the numbers of an untrained model (`--epochs 0`): what `fit`
  /// does, and what a chapter that writes its own training loop calls when there is no epoch.
  public func scoredUntrained(_ stats: EpochStats) {
    untrained = stats
    print((model.map { "[\($0)] " } ?? "") + "no training (--epochs 0): "
          + [("train_loss", stats.trainLoss), ("train_acc", stats.trainAccuracy), ("test_loss", stats.testLoss), ("test_acc", stats.testAccuracy)]
            .map { "\($0.0) \(formatMetric($0.1))" }.joined(separator: "  "))
  }
}

extension Array where Element == EpochStats {
  /// The last epoch's numbers, or the untrained model's when nothing was trained (`--epochs 0`).
  public func last(orUntrainedOf log: TrainingLog) -> EpochStats? { last ?? log.untrained }
}
