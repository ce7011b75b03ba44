import Foundation
import TorchlightPlot

/// The per-epoch report of a training run: one printed line per epoch, a progress bar within the
/// epoch when standard output is a terminal, every value appended to `metrics.csv`, optional
/// terminal curves, and the final machine-readable `RESULT` line.
///
/// ```
/// let log = TrainingLog(chapter: "softmax-regression", output: options.output)
/// for epoch in 1...epochs {
///   log.startEpoch(epoch, of: epochs, batches: loader.count)
///   for batch in loader { …; log.batchDone(examples: batch.count) }
///   log.trainingDone()                       // evaluation below is not timed
///   log.endEpoch(["train_loss": l, "test_acc": a])
/// }
/// log.result(["train_loss": l, "test_acc": a])
/// ```
public final class TrainingLog {
  public let chapter: String
  public let model: String?
  let output: String
  let plotTerminal: Bool
  let showProgress: Bool
  /// What `batchDone(examples:)` counts, as printed after the rate: `ex/s` for examples,
  /// `tok/s` for a language model's tokens.
  let rateUnit: String

  var epoch = 0, epochs = 0, batches = 0, batchIndex = 0, examples = 0
  /// Minibatches finished over all epochs (TensorBoard's step for per-minibatch scalars); kept in
  /// checkpoints, so a resumed run's curves go on from where the interrupted one stopped.
  var totalBatches = 0
  var epochStart = 0.0, trainSeconds: Double?
  /// Seconds of training (evaluation excluded) of each finished epoch.
  public private(set) var epochSeconds: [Double] = []
  /// Every metric of every finished epoch, in the order first seen.
  public private(set) var history: [(name: String, values: [Double])] = []
  /// The untrained model's numbers when a classifier was asked for 0 epochs (see `fit`).
  public internal(set) var untrained: EpochStats?
  /// This log's TensorBoard run, with `--tensorboard` (see `TrainingLog+TensorBoard.swift`).
  let board: BoardRun?

  public init(chapter: String, model: String? = nil, output: String, plotTerminal: Bool = false, rateUnit: String = "ex/s") {
    self.chapter = chapter
    self.rateUnit = rateUnit
    self.model = model
    self.output = output
    self.plotTerminal = plotTerminal
    self.showProgress = isatty(STDOUT_FILENO) != 0
    self.board = BoardRun(board: ChapterBoard.current, model: model)
  }

  /// Starts timing an epoch of `batches` minibatches.
  public func startEpoch(_ epoch: Int, of epochs: Int, batches: Int) {
    self.epoch = epoch; self.epochs = epochs; self.batches = batches
    batchIndex = 0; examples = 0; trainSeconds = nil
    epochStart = now()
  }

  /// Counts a finished minibatch of `count` examples (or tokens) and redraws the progress bar
  /// (terminals only). Its `loss`, if given, goes to TensorBoard.
  public func batchDone(examples count: Int, loss: Double? = nil) {
    batchIndex += 1
    totalBatches += 1
    examples += count
    board?.batchDone(loss: loss)
    guard showProgress, batches > 0 else { return }
    let width = 30, filled = width * batchIndex / batches
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    print("\r  epoch \(epoch)/\(epochs) \(bar) \(batchIndex)/\(batches)", terminator: "")
    fflush(nil)
  }

  /// Marks the end of training within the epoch, so evaluation is not counted in its time.
  public func trainingDone() { trainSeconds = now() - epochStart }

  /// Ends the epoch: prints its line, adds its metrics to `metrics.csv` (rewritten atomically).
  public func endEpoch(_ metrics: KeyValuePairs<String, Double>) {
    endEpoch(ordered: metrics.map { ($0.key, $0.value) })
  }

  /// `endEpoch` with the metrics as an array (which, unlike `KeyValuePairs`, code can build).
  func endEpoch(ordered metrics: [(String, Double)]) {
    let seconds = trainSeconds ?? (now() - epochStart)
    epochSeconds.append(seconds)
    if showProgress { print("\r" + String(repeating: " ", count: 60) + "\r", terminator: "") }
    var parts = ["epoch \(pad(epoch, to: String(epochs).count))/\(epochs)"]
    for (name, value) in metrics {
      parts.append("\(name) \(formatMetric(value))")
      if let i = history.firstIndex(where: { $0.name == name }) { history[i].values.append(value) }
      else { history.append((name, [value])) }
    }
    if examples > 0 { parts.append("\(Int(Double(examples) / max(seconds, 1e-9))) \(rateUnit)") }
    parts.append(String(format: "%.2f s", seconds))
    print((model.map { "[\($0)] " } ?? "") + parts.joined(separator: "  "))
    appendCSV(metrics, seconds: seconds)
    board?.epochDone(epoch, metrics: metrics, seconds: seconds,
                     rate: examples > 0 ? (Double(examples) / max(seconds, 1e-9), BoardRun.rateName(rateUnit)) : nil)
    if plotTerminal { drawTerminalCurves() }
    fflush(nil)
  }

  /// Training time of the fastest epoch (what `sec_per_epoch` reports, as the peer scripts do).
  public var fastestEpochSeconds: Double { epochSeconds.min() ?? 0 }

  /// `count` examples (an epoch's) over the fastest epoch's seconds; NaN when nothing was trained.
  public func rate(_ count: Int) -> Double {
    epochSeconds.isEmpty ? .nan : Double(count) / Swift.max(fastestEpochSeconds, 1e-9)
  }

  /// Prints `RESULT chapter=… [model=…] epochs=… <fields> sec_per_epoch=…`.
  public func result(_ fields: KeyValuePairs<String, Double>, extra: KeyValuePairs<String, String> = [:]) {
    var parts = ["RESULT chapter=\(chapter)"]
    if let model { parts.append("model=\(model)") }
    parts.append("epochs=\(epochSeconds.count)")
    for (k, v) in extra { parts.append("\(k)=\(v)") }
    for (k, v) in fields { parts.append("\(k)=\(formatMetric(v))") }
    if !epochSeconds.isEmpty { parts.append(String(format: "sec_per_epoch=%.3f", fastestEpochSeconds)) }
    print(parts.joined(separator: " "))
    fflush(nil)
  }
  // (A part that trains nothing by epochs ends with `printResult` instead, without `epochs=`.)

  private func appendCSV(_ metrics: [(String, Double)], seconds: Double) {
    let path = (output as NSString).appendingPathComponent("metrics.csv")
    // The file so far plus this epoch's lines, written as a whole new file and renamed over the
    // old one: a crash mid-write leaves the previous epochs' file intact, never a torn line.
    var text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    if text.isEmpty { text = "chapter,model,epoch,name,value\n" }
    for (name, value) in metrics + [("sec", seconds)] {
      text += "\(chapter),\(model ?? ""),\(epoch),\(name),\(value)\n"
    }
    try? writeAtomically(text, to: path)
  }

  private func drawTerminalCurves() {
    let series = history.map { Series($0.name, x: $0.values.indices.map { Double($0 + 1) }, y: $0.values) }
    let plot = LinePlot(title: "\(chapter)\(model.map { " · \($0)" } ?? "")", xLabel: "epoch", yLabel: "", series: series)
    if let text = Plotter(directory: output).terminal(plot) { print(text) }
  }

  func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
  private func pad(_ n: Int, to width: Int) -> String { String(repeating: " ", count: max(0, width - String(n).count)) + String(n) }
}

/// Metrics print with four significant decimals, or in scientific notation when tiny.
public func formatMetric(_ v: Double) -> String {
  if v != 0 && Swift.abs(v) < 1e-3 { return String(format: "%.3e", v) }
  if Swift.abs(v) >= 1000 { return String(format: "%.0f", v) }
  return String(format: "%.4f", v)
}
