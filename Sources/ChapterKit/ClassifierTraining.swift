import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// One epoch's numbers. With a moving average of the weights (`--ema`), `testLoss` and
/// `testAccuracy` score the averaged weights and the `…WithoutEMA` pair the trained ones.
public struct EpochStats: Sendable {
  public var trainLoss = 0.0, trainAccuracy = 0.0, testLoss = 0.0, testAccuracy = 0.0
  public var testLossWithoutEMA: Double?, testAccuracyWithoutEMA: Double?
  public init() {}

  /// The epoch's metrics as `TrainingLog` prints them and `metrics.csv` stores them.
  var metrics: [(String, Double)] {
    var m = [("train_loss", trainLoss), ("train_acc", trainAccuracy), ("test_loss", testLoss), ("test_acc", testAccuracy)]
    if let loss = testLossWithoutEMA, let acc = testAccuracyWithoutEMA { m += [("test_loss_no_ema", loss), ("test_acc_no_ema", acc)] }
    return m
  }
}

/// What a classifier needs from the training loop: scores for a batch, the loss of those scores,
/// the update after backward, and (optionally) a switch between training and evaluation mode.
///
/// To be checkpointed and resumed, and averaged with `--ema`, the loop also needs to see what
/// the update changes: build it from the module and the optimizer
/// (`Classifier(module:loss:optimizer:scheduler:)`), or, for hand-written parameters stepped
/// without state of their own, pass them as `parameters:`.
public struct Classifier {
  public let forward: (Tensor) -> Tensor
  public let loss: (Tensor, Tensor) -> Tensor
  public let step: () -> Void
  public let setTraining: (Bool) -> Void
  /// The parameters by name, for TensorBoard's histograms (set by `init(module:…)`).
  public var namedParameters: () -> [(String, Tensor)] = { [] }
  /// The current learning rate, for TensorBoard's `lr` curve (e.g. `{ optimizer.lr }`).
  public var learningRate: (() -> Double)?
  /// The model as a module, when it is one: checkpoints save its state dict, `--ema` averages it.
  public var module: Module?
  /// Hand-written parameters (when there is no module), saved and averaged the same way.
  public var parameters: [Tensor] = []
  /// The optimizer inside `step`, saved in checkpoints.
  public var optimizer: (any Optimizer)?
  /// A learning-rate scheduler that `fit` steps once after every epoch, saved in checkpoints.
  public var scheduler: LRScheduler?
  /// Generators the model draws from during training besides the global one (a `Dropout` given
  /// its own), saved in checkpoints. The global generator and the loader's are always saved.
  public var generators: [Generator] = []
  /// Whether a checkpoint holds everything `step` changes (see the initialisers).
  public private(set) var isCheckpointable = false

  /// A classifier from closures. `parameters`: the tensors `step` updates, when `step` keeps no
  /// other state (plain SGD written out); with them the classifier can be checkpointed and
  /// averaged.
  public init(forward: @escaping (Tensor) -> Tensor, loss: @escaping (Tensor, Tensor) -> Tensor,
              step: @escaping () -> Void, setTraining: @escaping (Bool) -> Void = { _ in }, parameters: [Tensor]? = nil) {
    self.forward = forward; self.loss = loss; self.step = step; self.setTraining = setTraining
    self.parameters = parameters ?? []
    isCheckpointable = parameters != nil
  }

  /// A classifier made of a module, a loss and an optimizer step (which also clears gradients).
  /// The loop cannot see the optimizer inside `step`, so it is not checkpointed: prefer
  /// `init(module:loss:optimizer:scheduler:)`.
  public init(module: Module, loss: @escaping (Tensor, Tensor) -> Tensor, step: @escaping () -> Void) {
    self.init(forward: { module($0) }, loss: loss, step: step, setTraining: { module.train($0) })
    namedParameters = { module.namedParameters() }
    self.module = module
  }

  /// A module trained by `optimizer` (step, then clear the gradients), with an optional
  /// per-epoch `scheduler`; `setTraining` replaces `module.train(_:)` (to keep a frozen part in
  /// evaluation mode, say). Checkpointed whole: module, optimizer, scheduler.
  public init(module: Module, loss: @escaping (Tensor, Tensor) -> Tensor, optimizer: any Optimizer,
              scheduler: LRScheduler? = nil, setTraining: ((Bool) -> Void)? = nil) {
    self.init(forward: { module($0) }, loss: loss, step: { optimizer.step(); optimizer.zeroGrad() },
              setTraining: setTraining ?? { module.train($0) })
    self.module = module
    self.optimizer = optimizer
    self.scheduler = scheduler
    isCheckpointable = true
    namedParameters = { module.namedParameters() }
  }

  /// Everything a checkpoint keeps of the model in training, by prefix: `model.` (the module's
  /// state dict, or `param.<i>`), `optimizer.`, `scheduler.`.
  func stateDict() -> [(String, Tensor)] {
    var result = module.map { $0.stateDict().prefixed("model.") }
      ?? parameters.enumerated().map { ("param.\($0.offset)", $0.element.detached()) }
    if let optimizer { result += optimizer.stateDict().prefixed("optimizer.") }
    if let scheduler { result += scheduler.stateDict().prefixed("scheduler.") }
    return result
  }

  /// Restores `stateDict()`; every part is checked before it is loaded.
  func load(stateDict: [(String, Tensor)]) throws {
    if let module {
      try module.load(stateDict: stateDict.entries(under: "model."))
    } else {
      let saved = Dictionary(stateDict.entries(under: "param."), uniquingKeysWith: { a, _ in a })
      for (i, p) in parameters.enumerated() {
        guard let t = saved["\(i)"], t.shape == p.shape, t.dtype == p.dtype else {
          throw CheckpointError(.keyMismatch, "parameter \(i) (\(p.dtype) \(p.shape)) is missing or has another shape")
        }
        withNoGrad { p.copy(from: t) }
      }
    }
    try optimizer?.load(stateDict: stateDict.entries(under: "optimizer."))
    try scheduler?.load(stateDict: stateDict.entries(under: "scheduler."))
  }

  /// A moving average of the module's parameters and floating-point buffers (or of the
  /// hand-written parameters), for `--ema`.
  func movingAverage(decay: Double) throws -> ExponentialMovingAverage {
    if let module { return ExponentialMovingAverage(namedTensors: module.namedTensors(), decay: decay) }
    guard !parameters.isEmpty else {
      throw ChapterError("--ema needs the model's parameters, and this classifier does not name them (build it with Classifier(module:loss:optimizer:) or pass parameters:)")
    }
    return ExponentialMovingAverage(parameters: parameters, decay: decay, warmup: .timm())
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
