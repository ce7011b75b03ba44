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
///
/// `checkpointed` names what `step` changes (the parameters, the optimizer): with them, the
/// loader's generator and the numbers so far, the run saves checkpoints (`--checkpoint-every`,
/// Ctrl-C) and continues from one (`--resume`), as chapter 05's "Interrupt and resume" explains.
func trainClassifier(forward: @escaping (Tensor) -> Tensor, loss: @escaping (Tensor, Tensor) -> Tensor,
                     zeroGrad: () -> Void, step: () -> Void, data: (train: FashionMNIST, test: FashionMNIST),
                     epochs: Int, batchSize: Int, generator: Generator, log: TrainingLog,
                     checkpointed: [(String, RunState)]) throws -> [EpochStats] {
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
  var stats = EpochStats(), seen = 0.0
  let run = try TrainingRun(log: log, epochs: epochs, shuffling: [generator], stateList: checkpointed + [
    ("history", .history({ history }, { history = $0 })),
    ("epoch_so_far", .numbers({ [stats.trainLoss, stats.trainAccuracy, seen, lastFinite ?? .nan] },
                              { (stats.trainLoss, stats.trainAccuracy, seen) = ($0[0], $0[1], $0[2]); lastFinite = $0[3].isNaN ? nil : $0[3] }))])
  while let epoch = run.startEpoch(batches: loader.count) {
    if run.position == 0 { (stats, seen) = (EpochStats(), 0) }   // unless resuming in the middle
    let batches = loader.makeIterator(startingAt: run.position)
    while let batch = batches.next() {
      let scores = forward(batch.inputs)                    // forward: ten scores per image
      let l = loss(scores, batch.labels)                    // loss: the minibatch's mean cross-entropy
      let value = l.item()
      try checkFinite(value, epoch: epoch, step: run.position + 1, lastFinite: lastFinite)
      lastFinite = value
      zeroGrad()                                            // forget the previous step's gradients
      l.backward()                                          // ∂l/∂θ into every parameter's .grad
      step()                                                // θ ← θ − η ∂l/∂θ
      let n = Double(batch.labels.count)
      stats.trainLoss += value * n
      stats.trainAccuracy += withNoGrad { accuracy(logits: scores, targets: batch.labels) } * n
      seen += n
      log.batchDone(examples: batch.labels.count, loss: value)
      try run.stepDone()                                    // after Ctrl-C: save and stop
    }
    log.trainingDone()
    stats.trainLoss /= seen
    stats.trainAccuracy /= seen
    (stats.testLoss, stats.testAccuracy) = evaluate(scorer, data.test)
    history.append(stats)
    try run.endEpoch(["train_loss": stats.trainLoss, "train_acc": stats.trainAccuracy,
                      "test_loss": stats.testLoss, "test_acc": stats.testAccuracy])
  }
  return history
}
