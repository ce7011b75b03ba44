import Foundation
import Torchlight

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

  /// Sets the count of minibatches finished over all epochs, as a resumed checkpoint recorded it,
  /// so that the per-minibatch TensorBoard scalars continue at the next step rather than at 1.
  func resumeBatchCount(_ count: Int) {
    totalBatches = count
    board?.step = count
  }

  /// The checkpoint entry holding `totalBatches`.
  static let batchCountEntry = "log.total_batches"
  var batchCountTensor: Tensor { Tensor([Int64(totalBatches)], shape: [1]) }
  /// Reads the entry back (absent from checkpoints that predate it: nothing changes then).
  func restoreBatchCount(from entries: [String: Tensor]) {
    if let t = entries[Self.batchCountEntry], t.count == 1, t.dtype == .int64 { resumeBatchCount(Int(t.toArray(Int64.self)[0])) }
  }

  /// The examples trained and seconds spent so far in the epoch under way.
  var epochProgress: (examples: Int, seconds: Double) { (examples, now() - epochStart) }
}
