import ChapterKit
import TorchlightData
import TorchlightNN

/// The training loop the textbook teaches, written out. Every epoch reads the training set in
/// shuffled minibatches; each minibatch goes forward, through the loss and backward, and the
/// parameters take one step. Then the test set is scored. From chapter 05 on, the chapters call
/// ChapterKit's `fit`, which runs this same loop.
///
/// `zeroGrad` clears the gradients left by the previous step; `step` updates the parameters from
/// the gradients `backward` has just put in their `.grad`. With `epochs` 0 nothing is trained and
/// the untrained model is scored on both splits.
func trainClassifier(forward: @escaping (Tensor) -> Tensor, loss: @escaping (Tensor, Tensor) -> Tensor,
                     zeroGrad: () -> Void, step: () -> Void, data: (train: FashionMNIST, test: FashionMNIST),
                     epochs: Int, batchSize: Int, generator: Generator, log: TrainingLog) throws -> [EpochStats] {
  let scorer = Classifier(forward: forward, loss: loss, step: {})   // for ChapterKit's `evaluate`
  guard epochs > 0 else {
    var untrained = EpochStats()
    (untrained.trainLoss, untrained.trainAccuracy) = evaluate(scorer, data.train)
    (untrained.testLoss, untrained.testAccuracy) = evaluate(scorer, data.test)
    log.scoredUntrained(untrained)
    return []
  }
  let loader = DataLoader(data.train, batchSize: batchSize, shuffle: true, generator: generator)
  var history: [EpochStats] = [], lastFinite: Double?
  for epoch in 1...epochs {
    log.startEpoch(epoch, of: epochs, batches: loader.count)
    var stats = EpochStats(), seen = 0.0
    for (index, batch) in loader.enumerated() {
      let scores = forward(batch.inputs)                    // forward: ten scores per image
      let l = loss(scores, batch.labels)                    // loss: the minibatch's mean cross-entropy
      let value = l.item()
      try checkFinite(value, epoch: epoch, step: index + 1, lastFinite: lastFinite)
      lastFinite = value
      zeroGrad()                                            // forget the previous step's gradients
      l.backward()                                          // ∂l/∂θ into every parameter's .grad
      step()                                                // θ ← θ − η ∂l/∂θ
      let n = Double(batch.labels.count)
      stats.trainLoss += value * n
      stats.trainAccuracy += withNoGrad { accuracy(logits: scores, targets: batch.labels) } * n
      seen += n
      log.batchDone(examples: batch.labels.count)
    }
    log.trainingDone()
    stats.trainLoss /= seen
    stats.trainAccuracy /= seen
    (stats.testLoss, stats.testAccuracy) = evaluate(scorer, data.test)
    log.endEpoch(["train_loss": stats.trainLoss, "train_acc": stats.trainAccuracy,
                  "test_loss": stats.testLoss, "test_acc": stats.testAccuracy])
    history.append(stats)
  }
  return history
}
