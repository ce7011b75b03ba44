import Foundation

extension TrainingLog {
  /// Prints and records an epoch that a resumed run restored from its checkpoint instead of
  /// training it: the same line, `metrics.csv` rows and history as when it was trained, with its
  /// training time and example count as measured then.
  func replayEpoch(_ epoch: Int, of epochs: Int, metrics: [(String, Double)], seconds: Double, examples: Int) {
    self.epoch = epoch; self.epochs = epochs
    self.examples = examples
    trainSeconds = seconds
    endEpoch(ordered: metrics)
  }

  /// Continues an epoch that a resumed run picks up in the middle: `batches` minibatches of
  /// `examples` examples were trained before the interruption, in `seconds`.
  func continueEpoch(batches: Int, examples: Int, seconds: Double) {
    batchIndex = batches
    self.examples = examples
    epochStart = now() - seconds
  }

  /// The examples trained and seconds spent so far in the epoch under way.
  var epochProgress: (examples: Int, seconds: Double) { (examples, now() - epochStart) }
}
