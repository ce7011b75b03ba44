import Foundation
import TorchlightNN
import TorchlightOptim

/// `fit`'s link to the run's checkpoint: saves one model's training state into the store and
/// restores it from a resumed checkpoint.
struct FitCheckpointer {
  let store: CheckpointStore
  let model: Classifier
  let ema: ExponentialMovingAverage?
  let key: String
  let verbose: Bool
  let log: TrainingLog

  /// nil, with a note, for a classifier that does not show what its step changes.
  init?(store: CheckpointStore, model: Classifier, ema: ExponentialMovingAverage?, log: TrainingLog, verbose: Bool) {
    key = store.key(for: log)
    guard model.isCheckpointable else {
      print("note: [\(key)] is not checkpointed: its Classifier does not name its optimizer (build it with Classifier(module:loss:optimizer:))")
      return nil
    }
    (self.store, self.model, self.ema, self.verbose, self.log) = (store, model, ema, verbose, log)
  }

  /// Everything saved for this model: model, optimizer, scheduler, moving average, and `FitState`.
  func tensors(_ state: FitState) -> [(String, Tensor)] {
    model.stateDict() + (ema?.stateDict().prefixed("ema.") ?? []) + state.stateDict()
      + [(TrainingLog.batchCountEntry, log.batchCountTensor)]
  }

  /// Writes a checkpoint. A failed write (full disk, file-size limit) prints one line and training
  /// goes on: the store's file is still the previous checkpoint.
  @discardableResult
  func save(_ state: inout FitState) -> Bool {
    state.globalGenerator = Generator.global.state
    state.extraGenerators = model.generators.map(\.state)
    return store.write(key, tensors(state), verbose: verbose)
  }

  /// Saves the state after Ctrl-C and returns the error that ends the run (status 130).
  func interrupted(_ state: inout FitState) -> Error {
    store.interruption(written: save(&state))
  }

  /// The state to continue from: restored from the resumed checkpoint when it holds this model
  /// (model, optimizer, scheduler, average and generators loaded; finished epochs printed again),
  /// or nil to start afresh.
  func restore(epochs: Int, log: TrainingLog) throws -> FitState? {
    guard let saved = store.resumedState(key) else { return nil }
    let state = try FitState(stateDict: saved, epochs: epochs, extraGeneratorCount: model.generators.count, source: store.path)
    do {
      try model.load(stateDict: saved)
      try ema?.load(stateDict: saved.entries(under: "ema."))
    } catch {
      throw ChapterError("cannot resume [\(key)]: the checkpoint does not fit this model: \(error)")
    }
    Generator.global.state = state.globalGenerator
    for (g, words) in zip(model.generators, state.extraGenerators) { g.state = words }
    let done = state.finished ? "all \(epochs) epochs done" : "\(state.epoch - 1) of \(epochs) epochs done"
      + (state.position > 0 ? ", \(state.position) batches into epoch \(state.epoch)" : "")
    print("[\(key)] resumed from the checkpoint: \(done)")
    for (i, s) in state.history.enumerated() {
      log.replayEpoch(i + 1, of: epochs, metrics: s.metrics, seconds: state.epochSeconds[i], examples: state.epochExamples[i])
    }
    log.restoreBatchCount(from: Dictionary(saved, uniquingKeysWith: { a, _ in a }))
    return state
  }
}
