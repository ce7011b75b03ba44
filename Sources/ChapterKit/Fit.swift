import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The loop every classifier chapter runs: for each epoch, every shuffled minibatch goes
/// forward, backward and through the update; then the test set is scored.
/// `afterEpoch(epoch)` runs once each epoch has been scored (after the classifier's scheduler,
/// if it has one, has stepped). A loss that turns NaN or infinite stops training with a
/// `ChapterError` naming the epoch and step (see `checkFinite`).
///
/// `setup` (by default what the chapter's options asked for, see `TrainingSetup`) adds:
/// - **gradient accumulation** (`--accumulate K`): the gradients of K minibatches are summed
///   before one update. Each loss is scaled by its batch's share of the K batches' examples (1/K
///   when they are full), so the summed gradient is that of the mean loss over all K·b examples:
///   K batches of b take exactly the steps of one batch of K·b, in the memory of one of b. Layers
///   that look at the batch (BatchNorm) still see b examples at a time, so for them it is close,
///   not exact;
/// - **a moving average of the weights** (`--ema d`), updated after every optimizer step; the
///   test set is scored with the averaged weights (and, for comparison, with the trained ones),
///   training goes on with the trained ones;
/// - **checkpoints** (`--checkpoint-every N`, `--resume`): every N epochs, after the last one,
///   and when Ctrl-C is pressed (after finishing the step under way; the run then ends with
///   status 130), everything needed to continue is saved: model, optimizer, scheduler, moving
///   average, every generator, the loader's place and the numbers so far (`FitState`). A
///   resumed run prints the restored epochs again, then continues; with `--threads 1` it prints
///   the numbers an uninterrupted run prints, bit for bit.
///
/// With `epochs` 0 nothing is trained: the untrained model is scored on both splits, printed, and
/// kept as `log.untrained`, so the chapter can still end with a RESULT line (`epochs=0`); the
/// returned history is empty.
public func fit(_ model: Classifier, train: FashionMNIST, test: FashionMNIST, epochs: Int, batchSize: Int,
                generator: Generator, log: TrainingLog, setup: TrainingSetup = .current,
                afterEpoch: (Int) -> Void = { _ in }) throws -> [EpochStats] {
  if epochs == 0 {
    var stats = EpochStats()
    (stats.trainLoss, stats.trainAccuracy) = evaluate(model, train)
    (stats.testLoss, stats.testAccuracy) = evaluate(model, test)
    log.scoredUntrained(stats)
    return []
  }
  let loader = DataLoader(train, batchSize: batchSize, shuffle: true, generator: generator)
  let ema = try setup.emaDecay.map { try model.movingAverage(decay: $0) }
  let saver = setup.checkpoints.flatMap { FitCheckpointer(store: $0, model: model, ema: ema, log: log, verbose: setup.verbose) }
  var state = try saver?.restore(epochs: epochs, log: log) ?? FitState(epochs: epochs, loaderGenerator: generator.state)
  if state.finished { return state.history }
  if saver != nil { Interrupt.catchCtrlC() }
  defer { if saver != nil { Interrupt.restore() } }

  let k = setup.accumulate, groupExamples = k * batchSize
  log.watch(model.namedParameters(), learningRate: model.learningRate)
  while !state.finished {
    let epoch = state.epoch
    model.setTraining(true)
    log.startEpoch(epoch, of: epochs, batches: loader.count)
    // A no-op unless resuming: the loader then draws the interrupted epoch's order again.
    generator.state = state.loaderGeneratorAtEpochStart
    if state.position > 0 {
      log.continueEpoch(batches: state.position, examples: state.loggedExamples, seconds: state.loggedSeconds)
    }
    let batches = loader.makeIterator(startingAt: state.position)
    while let batch = batches.next() {
      let step = state.position
      let scores = model.forward(batch.inputs)
      let loss = model.loss(scores, batch.labels)
      let value = loss.item()
      try checkFinite(value, epoch: epoch, step: step + 1, lastFinite: state.lastFinite)
      state.lastFinite = value
      let n = batch.labels.count
      if k == 1 {
        loss.backward()
      } else {
        // This batch's share of the examples in its group of k (the last group may be short).
        let inGroup = min(groupExamples, train.count - (step / k) * groupExamples)
        (loss * (Double(n) / Double(inGroup))).backward()
      }
      let groupDone = (step + 1) % k == 0 || step + 1 == loader.count
      if groupDone {
        log.gradientsReady()                // TensorBoard's gradient norm, before the step clears them
        model.step()
        ema?.update()
      }
      state.lossSum += value * Double(n)
      state.accuracySum += withNoGrad { accuracy(logits: scores, targets: batch.labels) } * Double(n)
      state.seen += Double(n)
      state.position += 1
      log.batchDone(examples: n, loss: value)
      if groupDone, Interrupt.requested, let saver, state.position < loader.count {
        (state.loggedExamples, state.loggedSeconds) = log.epochProgress
        throw saver.interrupted(&state)
      }
    }
    log.trainingDone()
    var stats = EpochStats()
    stats.trainLoss = state.lossSum / state.seen
    stats.trainAccuracy = state.accuracySum / state.seen
    let score = { evaluate(model, test) }
    (stats.testLoss, stats.testAccuracy) = ema.map { $0.withAveragedParameters(score) } ?? score()
    if ema != nil { (stats.testLossWithoutEMA, stats.testAccuracyWithoutEMA) = score() }  // what the average adds
    log.endEpoch(ordered: stats.metrics)
    state.history.append(stats)
    state.epochSeconds.append(log.epochSeconds.last ?? 0)
    state.epochExamples.append(log.examples)
    model.scheduler?.step()
    afterEpoch(epoch)
    state.epoch += 1
    state.position = 0
    (state.lossSum, state.accuracySum, state.seen, state.loggedExamples, state.loggedSeconds) = (0, 0, 0, 0, 0)
    state.loaderGeneratorAtEpochStart = generator.state
    if let saver {
      if Interrupt.requested { throw saver.interrupted(&state) }
      if epoch % saver.store.every == 0 || state.finished { saver.save(&state) }
    }
  }
  return state.history
}
