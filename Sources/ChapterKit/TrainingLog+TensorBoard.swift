import Foundation
import Torchlight
import TorchlightBoard

/// What a `TrainingLog` sends to TensorBoard (with `--tensorboard`), as tags of its run:
///
/// - every minibatch, at step = minibatches so far: `batch/loss`, and `batch/grad_norm` (the norm
///   of all gradients as one vector) when the loop reports `gradientsReady()`;
/// - every epoch, at step = epoch: each metric of `endEpoch`, a `train_`/`test_`/`val_` prefix
///   becoming a group (`train_loss` → `loss/train`, `test_acc` → `acc/test`); `speed/examples_per_sec`
///   (or tokens, images); `time/epoch_seconds`; `lr` when watched; and histograms
///   `weights/<name>` (after the epoch) and `gradients/<name>` (of its last minibatch) of every
///   watched parameter.
final class BoardRun {
  let writer: SummaryWriter
  let board: ChapterBoard
  /// Minibatches finished so far, over all epochs.
  var step = 0
  var parameters: [(String, Tensor)] = []
  var learningRate: (() -> Double)?

  init?(board: ChapterBoard?, model: String?) {
    guard let board, let writer = board.writer(forModel: model) else { return nil }
    self.board = board
    self.writer = writer
  }

  func batchDone(loss: Double?) {
    step += 1
    if let loss { board.record { try writer.addScalar("batch/loss", loss, step: step) } }
  }

  /// Before the update of minibatch `step + 1`: the gradients' norm, and on the epoch's last
  /// minibatch their histograms at `epoch`.
  func gradientsReady(lastOfEpoch: Bool, epoch: Int) {
    let grads = parameters.compactMap { name, p in p.grad.map { (name, $0) } }
    guard !grads.isEmpty else { return }
    board.record {
      let norm = grads.reduce(0.0) { $0 + Self.sumOfSquares($1.1) }.squareRoot()
      try writer.addScalar("batch/grad_norm", norm, step: step + 1)
      if lastOfEpoch {
        for (name, g) in grads { try Self.addHistogram(writer, "gradients/\(name)", g, step: epoch) }
      }
    }
  }

  func epochDone(_ epoch: Int, metrics: [(String, Double)], seconds: Double, rate: (value: Double, name: String)?) {
    board.record {
      for (name, value) in metrics { try writer.addScalar(Self.tag(name), value, step: epoch) }
      if let rate { try writer.addScalar("speed/\(rate.name)", rate.value, step: epoch) }
      try writer.addScalar("time/epoch_seconds", seconds, step: epoch)
      if let learningRate { try writer.addScalar("lr", learningRate(), step: epoch) }
      for (name, p) in parameters { try Self.addHistogram(writer, "weights/\(name)", p, step: epoch) }
    }
  }

  /// Σ x² over a tensor's elements: one pass over float32 memory, eight lanes at a time, each
  /// block of 1024 summed in Float and the blocks in Double.
  static func sumOfSquares(_ t: Tensor) -> Double {
    guard t.dtype == .float32 else { return t.toDoubles().reduce(0) { $0 + $1 * $1 } }
    return t.withUnsafeElements(Float.self) { x in
      guard let base = x.baseAddress else { return 0 }
      let raw = UnsafeRawPointer(base)
      var total = 0.0, i = 0
      while i < x.count {
        let end = min(i + 1024, x.count)
        var lanes = SIMD8<Float>()
        while i + 8 <= end {
          let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
          lanes += v * v
          i += 8
        }
        var block = Double(lanes.sum())
        while i < end { block += Double(x[i] * x[i]); i += 1 }
        total += block
      }
      return total
    }
  }

  /// A histogram of a tensor's values, read in place when they are 32-bit floats.
  static func addHistogram(_ writer: SummaryWriter, _ tag: String, _ t: Tensor, step: Int) throws {
    if t.dtype == .float32 {
      try t.withUnsafeElements(Float.self) { try writer.addHistogram(tag, values: $0, step: step) }
    } else {
      try writer.addHistogram(tag, values: t.toDoubles(), step: step)
    }
  }

  /// `train_loss` → `loss/train`, `val_perplexity` → `perplexity/val`; other names stay.
  static func tag(_ metric: String) -> String {
    for split in ["train", "test", "val"] where metric.hasPrefix(split + "_") {
      return "\(metric.dropFirst(split.count + 1))/\(split)"
    }
    return metric
  }

  /// `ex/s` → `examples_per_sec`, as the RESULT keys name rates.
  static func rateName(_ unit: String) -> String {
    switch unit {
    case "ex/s": "examples_per_sec"
    case "tok/s": "tokens_per_sec"
    case "img/s": "images_per_sec"
    default: unit.replacingOccurrences(of: "/s", with: "_per_sec").replacingOccurrences(of: "/", with: "_")
    }
  }
}

extension TrainingLog {
  /// Names the parameters (histograms of weights and gradients, the gradient norm) and the
  /// learning rate that TensorBoard should follow, as `wandb.watch` does. Nothing happens
  /// without `--tensorboard`.
  public func watch(_ parameters: [(String, Tensor)], learningRate: (() -> Double)? = nil) {
    board?.parameters = parameters
    board?.learningRate = learningRate
  }

  /// Call after `backward()` and before the update clears the gradients: with `--tensorboard`,
  /// logs the gradient norm, and the gradients' histograms on the epoch's last minibatch.
  public func gradientsReady() {
    guard let board else { return }
    board.gradientsReady(lastOfEpoch: batchIndex + 1 == batches, epoch: epoch)
  }
}
