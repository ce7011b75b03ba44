import Foundation
import TorchlightNN
import TorchlightOptim

/// Where `fit` is in training one model: everything besides the model, optimizer, scheduler and
/// moving average that a resumed run needs to carry on exactly as an uninterrupted one would.
///
/// A checkpoint is taken between optimizer steps: at the end of an epoch (position 0 of the next)
/// or, after Ctrl-C, in the middle of one. The data loader draws an epoch's order from its
/// generator when the epoch starts, so the checkpoint keeps that generator as it was then: set
/// back, it draws the same order, and the epoch continues from `position`.
struct FitState {
  let epochs: Int
  /// The epoch under way, or the next one to start (epochs + 1 when training is over).
  var epoch = 1
  /// Minibatches of `epoch` already trained.
  var position = 0
  /// The loader's generator as it was when `epoch` started.
  var loaderGeneratorAtEpochStart: [UInt64]
  /// The global generator (dropout, and any op not given a generator) at the checkpoint.
  var globalGenerator: [UInt64] = []
  /// `Classifier.generators` at the checkpoint.
  var extraGenerators: [[UInt64]] = []
  /// The epoch under way so far: summed loss and accuracy (each weighted by its batch size),
  /// examples, and the log's example count and training seconds.
  var lossSum = 0.0, accuracySum = 0.0, seen = 0.0, loggedExamples = 0, loggedSeconds = 0.0
  /// The last finite loss, for the divergence message.
  var lastFinite: Double?
  /// The finished epochs' numbers, training seconds and examples.
  var history: [EpochStats] = []
  var epochSeconds: [Double] = [], epochExamples: [Int] = []

  init(epochs: Int, loaderGenerator: [UInt64]) {
    self.epochs = epochs
    loaderGeneratorAtEpochStart = loaderGenerator
  }

  var finished: Bool { epoch > epochs }

  /// The state as named tensors: integers as int64, numbers as float64 (exact, unlike text),
  /// generator words as their int64 bit patterns.
  func stateDict() -> [(String, Tensor)] {
    func words(_ w: [UInt64]) -> Tensor { Tensor(w.map { Int64(bitPattern: $0) }, shape: [w.count]) }
    let rows = history.indices.flatMap { i -> [Double] in
      let s = history[i]
      return [s.trainLoss, s.trainAccuracy, s.testLoss, s.testAccuracy, epochSeconds[i], Double(epochExamples[i])]
    }
    var result: [(String, Tensor)] = [
      ("fit.progress", Tensor([Int64(epochs), Int64(epoch), Int64(position)], shape: [3])),
      ("fit.epoch_so_far", Tensor([lossSum, accuracySum, seen, lastFinite ?? .nan, Double(loggedExamples), loggedSeconds],
                                  shape: [6], dtype: .float64)),
      ("fit.history", Tensor(rows, shape: [history.count, 6], dtype: .float64)),
      ("rng.loader_at_epoch_start", words(loaderGeneratorAtEpochStart)),
      ("rng.global", words(globalGenerator)),
    ]
    for (i, g) in extraGenerators.enumerated() { result.append(("rng.extra.\(i)", words(g))) }
    // With --ema: the test loss and accuracy of the trained weights beside the averaged ones.
    let withoutEMA = history.compactMap { s in s.testLossWithoutEMA.flatMap { l in s.testAccuracyWithoutEMA.map { [l, $0] } } }
    if !history.isEmpty, withoutEMA.count == history.count {
      result.append(("fit.history_without_ema", Tensor(withoutEMA.flatMap { $0 }, shape: [history.count, 2], dtype: .float64)))
    }
    return result
  }

  /// Reads `stateDict()` back; a missing or malformed entry is a one-line `ChapterError`.
  init(stateDict: [(String, Tensor)], epochs: Int, extraGeneratorCount: Int, source: String) throws {
    let entries = Dictionary(stateDict, uniquingKeysWith: { a, _ in a })
    func tensor(_ name: String, _ count: Int) throws -> Tensor {
      guard let t = entries[name], t.count == count else {
        throw ChapterError("cannot resume: \(source) has no valid '\(name)' (the checkpoint is damaged); run without --resume to start over")
      }
      return t
    }
    func words(_ name: String) throws -> [UInt64] {
      let w = try tensor(name, 4).toArray(Int64.self).map { UInt64(bitPattern: $0) }
      guard w.contains(where: { $0 != 0 }) else { throw ChapterError("cannot resume: \(source): '\(name)' is not a generator state") }
      return w
    }
    let progress = try tensor("fit.progress", 3).toArray(Int64.self).map(Int.init)
    guard progress[0] == epochs else {
      throw ChapterError("cannot resume: \(source) trained this model for \(progress[0]) epochs, this run asks for \(epochs); give the checkpoint's --epochs, or start over without --resume")
    }
    let finishedEpochs = progress[1] - 1
    guard finishedEpochs >= 0, finishedEpochs <= epochs, progress[2] >= 0 else {
      throw ChapterError("cannot resume: \(source): 'fit.progress' \(progress) is not a place in \(epochs) epochs")
    }
    self.epochs = epochs
    (epoch, position) = (progress[1], progress[2])
    let soFar = try tensor("fit.epoch_so_far", 6).toDoubles()
    (lossSum, accuracySum, seen) = (soFar[0], soFar[1], soFar[2])
    lastFinite = soFar[3].isNaN ? nil : soFar[3]
    (loggedExamples, loggedSeconds) = (Int(soFar[4]), soFar[5])
    let rows = try tensor("fit.history", finishedEpochs * 6).toDoubles()
    let withoutEMA = entries["fit.history_without_ema"].flatMap { $0.count == finishedEpochs * 2 ? $0.toDoubles() : nil }
    for i in 0..<finishedEpochs {
      let r = Array(rows[(i * 6)..<(i * 6 + 6)])
      var s = EpochStats()
      (s.trainLoss, s.trainAccuracy, s.testLoss, s.testAccuracy) = (r[0], r[1], r[2], r[3])
      if let w = withoutEMA { (s.testLossWithoutEMA, s.testAccuracyWithoutEMA) = (w[i * 2], w[i * 2 + 1]) }
      history.append(s)
      epochSeconds.append(r[4])
      epochExamples.append(Int(r[5]))
    }
    loaderGeneratorAtEpochStart = try words("rng.loader_at_epoch_start")
    globalGenerator = try words("rng.global")
    extraGenerators = try (0..<extraGeneratorCount).map { try words("rng.extra.\($0)") }
  }
}
