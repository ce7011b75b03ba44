import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// One network trained in one format with SGD, in a loop of its own so that every step can be
/// watched: the loss scale, the skipped steps, the gradients' magnitudes.
final class PrecisionRun {
  let network: Network
  let format: TrainingFormat
  let log: TrainingLog
  private(set) var history: [EpochStats] = []
  /// The loss scale after every step, the steps the scaler skipped, and the largest scaled
  /// gradient element of each step, S·max|g| (float16 with scaler only).
  private(set) var scales: [Double] = [], skippedSteps: [Int] = [], largestScaledGradients: [Double] = []
  /// Parameter gradients (after unscaling) at every tenth step.
  private(set) var gradients = GradientMagnitudes()
  let activations: (bytes: Int, values: Int)
  let parameterBytes: Int, parameterCount: Int

  private let net: Sequential
  private let optimizer: SGD
  private let scaler: GradScaler?
  private let loader: DataLoader<(inputs: Tensor, labels: Tensor)>
  private let classifier: Classifier
  private let train: FashionMNIST, test: FashionMNIST
  private var step = 0, lastFinite: Double?

  /// A fresh network (the same initial weights in every format) and its optimizer, scaler and
  /// loader (the same batch order in every format).
  init(_ network: Network, _ format: TrainingFormat, options: ChapterOptions<Defaults>, train: FashionMNIST, test: FashionMNIST) {
    self.network = network
    self.format = format
    self.train = train
    self.test = test
    let net = network.make(seed: options.seed)
    self.net = net
    optimizer = SGD(parameters: net.parameters(), lr: network.learningRate(options.lr))
    scaler = format.usesScaler ? GradScaler() : nil
    loader = DataLoader(train, batchSize: options.batchSize, shuffle: true, generator: Generator(seed: options.seed &+ 1))
    classifier = Classifier(forward: { x in format.run { net(x) } },
                            loss: { scores, labels in format.run { crossEntropy(logits: scores, targets: labels) } },
                            step: {}, setTraining: { net.train($0) })
    log = TrainingLog(chapter: Defaults.chapter, model: "\(network.rawValue)-\(format.rawValue)", output: options.output,
                      plotTerminal: options.plotTerminal)
    activations = activationFootprint(net, format: format, input: test.images[0..<2].reshaped([2, 1, 28, 28]))
    parameterCount = net.parameterCount
    parameterBytes = net.parameters().map { $0.count * $0.dtype.elementSize }.reduce(0, +)
  }

  /// One pass over the training set, then the test set scored (in the same format).
  func trainEpoch(_ epoch: Int, of epochs: Int) throws {
    net.train(true)
    log.startEpoch(epoch, of: epochs, batches: loader.count)
    var lossSum = 0.0, correct = 0.0, seen = 0.0
    for batch in loader {
      step += 1
      let scores = format.run { net(batch.inputs.reshaped([-1, 1, 28, 28])) }
      let l = classifier.loss(scores, batch.labels)
      let value = l.item()
      try checkFinite(value, epoch: epoch, step: step, lastFinite: lastFinite)
      lastFinite = value
      (scaler?.scaled(l) ?? l).backward()
      if let scaler { scaler.unscale(optimizer) }   // the true gradients, to count and to step with
      if step % 10 == 1 { gradients.add(optimizer.parameters.map(\.grad)) }
      if let scaler {
        let largest = withNoGrad { optimizer.parameters.compactMap(\.grad).map { $0.abs().max().item() }.max() ?? 0 }
        largestScaledGradients.append(largest * scaler.scale)
        if !scaler.step(optimizer) { skippedSteps.append(step) }
        scaler.update()
        scales.append(scaler.scale)
      } else {
        optimizer.step()
      }
      optimizer.zeroGrad()
      let n = Double(batch.labels.count)
      lossSum += value * n
      correct += accuracy(logits: scores, targets: batch.labels) * n
      seen += n
      log.batchDone(examples: batch.labels.count, loss: value)
    }
    log.trainingDone()
    var stats = EpochStats()
    (stats.trainLoss, stats.trainAccuracy) = (lossSum / seen, correct / seen)
    (stats.testLoss, stats.testAccuracy) = evaluate(classifier, test)
    log.endEpoch(["train_loss": stats.trainLoss, "train_acc": stats.trainAccuracy, "test_loss": stats.testLoss, "test_acc": stats.testAccuracy])
    history.append(stats)
  }

  /// Prints what the run's steps showed (or scores the untrained network, for `--epochs 0`).
  func finish(trainedEpochs epochs: Int) {
    let name = "[\(network.rawValue)-\(format.rawValue)]"
    if epochs == 0 {
      var stats = EpochStats()
      (stats.trainLoss, stats.trainAccuracy) = evaluate(classifier, train)
      (stats.testLoss, stats.testAccuracy) = evaluate(classifier, test)
      log.scoredUntrained(stats)
      return
    }
    if let scaler {
      let largest = largestScaledGradients.max() ?? 0
      print(String(format: "%@ largest scaled gradient element S·|g|: %.4g (float16's largest value is %.1f× that)", name, largest, 65504 / largest))
      print("\(name) loss scale: started at 65536, ended at \(formatNumber(scaler.scale)); \(skippedSteps.count) of \(step) steps skipped"
            + (skippedSteps.isEmpty ? "" : " (steps \(skippedSteps.prefix(8).map(String.init).joined(separator: ", "))\(skippedSteps.count > 8 ? ", …" : ""))"))
    }
    print(String(format: "%@ gradient elements (every 10th step): %.2f%% exactly zero; of the rest, %.3f%% at most 2^-25 (float16 → 0), %.2f%% subnormal in float16",
                 name, 100 * gradients.zeroFraction, 100 * gradients.flushedFraction, 100 * gradients.subnormalFraction))
  }
}
