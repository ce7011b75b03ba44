import Foundation
import TorchlightNN
import TorchlightOptim

/// The checkpoints of a training loop written in a chapter (rather than `fit`'s): with
/// `--checkpoint-every N` it saves, every N epochs, after the last one, and when Ctrl-C is pressed
/// (once the step under way has finished; the run then ends with status 130), everything the
/// loop needs to go on: the named `RunState`s it was given (models, optimizers, moving averages,
/// generators, the numbers recorded so far), the global generator, each shuffling generator as it
/// was when the epoch started, the epoch and the steps done in it, and every finished epoch's
/// printed numbers. With `--resume` it loads them back, prints the finished epochs again through
/// the log, and the loop carries on where it stopped: with `--threads 1` the output is that of an
/// uninterrupted run, bit for bit. Without either option it only counts epochs and steps.
///
/// The loop keeps its shape; the run wraps its epochs and steps:
///
/// ```
/// let run = try TrainingRun(log: log, epochs: epochs, shuffling: [order],
///                           state: ["model": .module(net), "optimizer": .optimizer(adam), "noise": .generator(g)])
/// while let epoch = run.startEpoch(batches: loader.count) {
///   let batches = loader.makeIterator(startingAt: run.position)
///   while let batch = batches.next() {
///     …                                   // forward, backward, step
///     log.batchDone(examples: n, loss: value)
///     try run.stepDone()                  // may save and stop, after Ctrl-C
///   }
///   log.trainingDone()
///   try run.endEpoch(["loss": …])         // prints the line; may save
/// }
/// ```
///
/// A chapter that trains several models gives each its own log (named by `model:`) and run; they
/// share the one checkpoint file, each under its model's name, and a resumed chapter replays the
/// models it had finished instead of training them again.
///
/// A loop that counts steps and prints lines of its own (no `TrainingLog`) takes a run made with
/// `init(name:epochs:state:onReplay:)`: its "epochs" are the stretches of steps between two of its
/// lines, `endEpoch()` takes no metrics, and `onReplay` prints the restored lines again.
public final class TrainingRun {
  public let log: TrainingLog?
  public let epochs: Int
  /// The epoch under way, or the next to start (`epochs + 1` once training is over).
  public private(set) var epoch = 1
  /// Steps of `epoch` already done: where its loader should start.
  public private(set) var position = 0
  /// Whether every epoch has been trained (or replayed from the checkpoint).
  public var finished: Bool { epoch > epochs }
  /// Whether the state was loaded from the resumed checkpoint (what was measured before the
  /// first epoch is in it too).
  public private(set) var resumed = false

  let store: CheckpointStore?
  let key: String
  let verbose: Bool
  let state: [(name: String, piece: RunState)]
  let shuffling: [Generator]
  var orderAtEpochStart: [[UInt64]]
  var batches = 0
  var loggedExamples = 0, loggedSeconds = 0.0
  /// Each finished epoch's printed metrics, training seconds and examples.
  var history: [(metrics: [(String, Double)], seconds: Double, examples: Int)] = []
  var catchingCtrlC = false

  /// Starts or resumes the run of `log`'s model for `epochs` epochs. `state` names what the loop
  /// changes besides the global generator; `shuffling` the generators that draw an epoch's data
  /// order when it starts (set back to that point when an interrupted epoch resumes). Throws a
  /// one-line `ChapterError` when the resumed checkpoint's state does not fit.
  /// `onReplay(epoch)` runs after each replayed epoch's line (to print again what the loop
  /// printed after it, from the restored state).
  public convenience init(log: TrainingLog, epochs: Int, shuffling: [Generator] = [], state: KeyValuePairs<String, RunState>,
                          setup: TrainingSetup = .current, onReplay: (Int) -> Void = { _ in }) throws {
    try self.init(log: log, epochs: epochs, shuffling: shuffling, stateList: state.map { ($0.key, $0.value) }, setup: setup, onReplay: onReplay)
  }

  /// A run of a loop without a `TrainingLog`, kept in the checkpoint under `name`; `onReplay(k)`
  /// prints the k-th restored stretch's line again.
  public convenience init(name: String, epochs: Int, shuffling: [Generator] = [], state: KeyValuePairs<String, RunState>,
                          setup: TrainingSetup = .current, onReplay: (Int) -> Void) throws {
    try self.init(log: nil, name: name, epochs: epochs, shuffling: shuffling, stateList: state.map { ($0.key, $0.value) },
                  setup: setup, onReplay: onReplay)
  }

  /// `init(log:epochs:shuffling:state:)` with the state as an array (which code can build).
  public convenience init(log: TrainingLog, epochs: Int, shuffling: [Generator] = [], stateList: [(String, RunState)],
                          setup: TrainingSetup = .current, onReplay: (Int) -> Void = { _ in }) throws {
    try self.init(log: log, name: nil, epochs: epochs, shuffling: shuffling, stateList: stateList, setup: setup, onReplay: onReplay)
  }

  init(log: TrainingLog?, name: String?, epochs: Int, shuffling: [Generator], stateList: [(String, RunState)],
       setup: TrainingSetup, onReplay: (Int) -> Void) throws {
    self.log = log
    self.epochs = epochs
    self.state = stateList.map { (name: $0.0, piece: $0.1) }
    self.shuffling = shuffling
    orderAtEpochStart = shuffling.map(\.state)
    store = setup.checkpoints
    let base = log.map { $0.model ?? $0.chapter } ?? name ?? "run"
    key = store?.key(for: base) ?? base
    verbose = setup.verbose
    if let store, let saved = store.resumedState(key) { try restore(saved, from: store.path, onReplay: onReplay) }
    if store != nil && !finished {
      Interrupt.catchCtrlC()
      catchingCtrlC = true
    }
  }

  deinit { if catchingCtrlC { Interrupt.restore() } }

  /// Starts the next epoch of `batches` steps in the log and returns its number, or nil when
  /// training is over. An epoch interrupted in the middle continues: its shuffling generators
  /// are set back to draw the same order, and `position` says where to start.
  /// (`batches` is read only when there is an epoch to start.)
  public func startEpoch(batches: @autoclosure () -> Int) -> Int? {
    guard !finished else {
      stopCatching()
      return nil
    }
    self.batches = batches()
    log?.startEpoch(epoch, of: epochs, batches: self.batches)
    for (g, words) in zip(shuffling, orderAtEpochStart) { g.state = words }
    if position > 0 { log?.continueEpoch(batches: position, examples: loggedExamples, seconds: loggedSeconds) }
    return epoch
  }

  /// Counts `count` finished steps (minibatches) of the epoch. After Ctrl-C, when the epoch is
  /// not over, saves a checkpoint and throws `TrainingInterrupted` (status 130).
  public func stepDone(_ count: Int = 1) throws {
    position += count
    if store != nil, Interrupt.requested, position < batches {
      if let log { (loggedExamples, loggedSeconds) = log.epochProgress }
      throw interrupted()
    }
  }

  /// Ends the epoch: prints and records its metrics through the log, then saves a checkpoint
  /// when one is due (every `--checkpoint-every` epochs, after the last, after Ctrl-C).
  public func endEpoch(_ metrics: KeyValuePairs<String, Double> = [:]) throws {
    let ordered = metrics.map { ($0.key, $0.value) }
    log?.endEpoch(ordered: ordered)
    history.append((ordered, log?.epochSeconds.last ?? 0, log?.examples ?? 0))
    epoch += 1
    position = 0
    (loggedExamples, loggedSeconds) = (0, 0)
    orderAtEpochStart = shuffling.map(\.state)
    guard let store else { return }
    if Interrupt.requested { throw interrupted() }
    if (epoch - 1) % store.every == 0 || finished { save() }
  }

  /// The value of metric `name` in the last finished epoch (trained or replayed), NaN if none.
  public func lastMetric(_ name: String) -> Double {
    history.last?.metrics.first { $0.0 == name }?.1 ?? .nan
  }

  private func stopCatching() {
    if catchingCtrlC { Interrupt.restore() }
    catchingCtrlC = false
  }

  // MARK: - Saving and restoring

  /// Everything saved for this model, by name: `<state name>.…`, `run.…`, `rng.…`.
  func tensors() -> [(String, Tensor)] {
    var result: [(String, Tensor)] = []
    for (name, piece) in state { result += piece.save().prefixed(name + ".") }
    let names = history.map { $0.metrics.map(\.0).joined(separator: "\t") }
    let rows = history.flatMap { [$0.seconds, Double($0.examples)] + $0.metrics.map(\.1) }
    result += [
      ("run.progress", Tensor([Int64(epochs), Int64(epoch), Int64(position)], shape: [3])),
      ("run.epoch_so_far", Tensor([Double(loggedExamples), loggedSeconds], shape: [2], dtype: .float64)),
      ("run.history", Tensor(rows, shape: [rows.count], dtype: .float64)),
      ("run.history_names", textTensor(names)),
      ("rng.global", generatorWords(Generator.global.state)),
    ]
    for (i, words) in orderAtEpochStart.enumerated() { result.append(("rng.shuffling.\(i)", generatorWords(words))) }
    if let log { result.append((TrainingLog.batchCountEntry, log.batchCountTensor)) }
    return result
  }

  /// Writes a checkpoint; a failed write prints one line and training goes on (the file still
  /// holds the previous checkpoint).
  @discardableResult
  func save() -> Bool {
    store?.write(key, tensors(), verbose: verbose) ?? false
  }

  /// Saves after Ctrl-C and returns the error that ends the run.
  func interrupted() -> Error {
    stopCatching()
    let written = save()
    return store?.interruption(written: written) ?? ChapterError("interrupted (no checkpoint was asked for)")
  }

  /// Loads this model's state from the resumed checkpoint and prints its finished epochs again.
  func restore(_ saved: [(String, Tensor)], from source: String, onReplay: (Int) -> Void) throws {
    let entries = Dictionary(saved, uniquingKeysWith: { a, _ in a })
    func damaged(_ name: String) -> ChapterError {
      ChapterError("cannot resume [\(key)]: \(source) has no valid '\(name)' (the checkpoint is damaged); run without --resume to start over")
    }
    guard let progressTensor = entries["run.progress"], progressTensor.count == 3 else { throw damaged("run.progress") }
    let progress = progressTensor.toArray(Int64.self).map(Int.init)
    guard progress[0] == epochs else {
      throw ChapterError("cannot resume [\(key)]: \(source) trained it for \(progress[0]) epochs, this run asks for \(epochs); give the checkpoint's --epochs, or start over without --resume")
    }
    guard progress[1] >= 1, progress[1] <= epochs + 1, progress[2] >= 0 else { throw damaged("run.progress") }
    guard let soFar = entries["run.epoch_so_far"]?.toDoubles(), soFar.count == 2,
          let rows = entries["run.history"]?.toDoubles(), let namesTensor = entries["run.history_names"] else {
      throw damaged("run.history")
    }
    let names = decodedTexts(namesTensor).map { $0.isEmpty ? [] : $0.split(separator: "\t").map(String.init) }
    guard names.count == progress[1] - 1, rows.count == names.reduce(0, { $0 + 2 + $1.count }) else { throw damaged("run.history") }
    let global = try readGeneratorWords(entries["rng.global"], name: "rng.global")
    let orders = try shuffling.indices.map { try readGeneratorWords(entries["rng.shuffling.\($0)"], name: "rng.shuffling.\($0)") }
    do {
      for (name, piece) in state { try piece.load(saved.entries(under: name + ".")) }
    } catch {
      throw ChapterError("cannot resume [\(key)]: the checkpoint does not fit this run: \(error)")
    }
    Generator.global.state = global
    orderAtEpochStart = orders
    // Set now, not only when the next epoch starts: a finished run's generators go on to whatever
    // the chapter draws from them next.
    for (g, words) in zip(shuffling, orders) { g.state = words }
    resumed = true
    (epoch, position) = (progress[1], progress[2])
    (loggedExamples, loggedSeconds) = (Int(soFar[0]), soFar[1])
    var i = 0
    for metricNames in names {
      let values = Array(rows[(i + 2)..<(i + 2 + metricNames.count)])
      history.append((Array(zip(metricNames, values)), rows[i], Int(rows[i + 1])))
      i += 2 + metricNames.count
    }
    let done = finished ? "all \(epochs) epochs done" : "\(epoch - 1) of \(epochs) epochs done"
      + (position > 0 ? ", \(position) steps into epoch \(epoch)" : "")
    print("[\(key)] resumed from the checkpoint: \(done)")
    for (n, h) in history.enumerated() {
      log?.replayEpoch(n + 1, of: epochs, metrics: h.metrics, seconds: h.seconds, examples: h.examples)
      onReplay(n + 1)
    }
    log?.restoreBatchCount(from: entries)
  }
}
