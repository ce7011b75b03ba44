import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// Part `training`: the MLP and LeNet, each in float32, under bfloat16 autocast, and under
/// float16 autocast with and without loss scaling, from the same initial weights and the same
/// batch order. The four formats of a network take turns epoch by epoch, so that whatever else
/// the machine is doing slows them alike and their seconds per epoch compare.
func runTrainingPart(_ chapter: PrecisionChapter, _ plotter: Plotter, train: FashionMNIST, test: FashionMNIST) throws {
  let options = chapter.options
  var runs: [PrecisionRun] = []
  for network in chapter.network.networks {
    let planned = options.epochs(orDefault: network.defaultEpochs)
    let epochs = options.quick ? min(planned, 1) : planned
    section("\(network.rawValue) in four formats: \(epochs) epoch\(epochs == 1 ? "" : "s") each, SGD lr \(formatNumber(network.learningRate(options.lr))), batch \(options.batchSize)")
    let mine = TrainingFormat.allCases.map { PrecisionRun(network, $0, options: options, train: train, test: test) }
    for epoch in 1...max(epochs, 1) where epochs > 0 {
      for run in mine { try run.trainEpoch(epoch, of: epochs) }
    }
    for run in mine { run.finish(trainedEpochs: epochs) }
    runs += mine
  }
  try drawTrainingFigures(plotter, runs)
  printTrainingTable(runs)
  for run in runs { report(run, options: options, trainCount: train.count) }
}

/// The numbers of every run side by side.
func printTrainingTable(_ runs: [PrecisionRun]) {
  section("Summary: the same network, initial weights and batches in each format")
  print("  network  format                 test acc  train loss  s/epoch  param B  act. B/value  act. KB/example  zero grads  skipped")
  for run in runs {
    let last = run.history.last ?? run.log.untrained ?? EpochStats()
    print("  " + [run.network.rawValue.padded(8), run.format.rawValue.padded(22), String(format: "%.4f", last.testAccuracy).padded(9),
                  String(format: "%.4f", last.trainLoss).padded(11), String(format: "%.2f", run.log.fastestEpochSeconds).padded(8),
                  String(format: "%.0f", Double(run.parameterBytes) / Double(max(1, run.parameterCount))).padded(8),
                  String(format: "%.2f", Double(run.activations.bytes) / Double(max(1, run.activations.values))).padded(13),
                  String(format: "%.1f", Double(run.activations.bytes) / 1024).padded(16),
                  String(format: "%.2f%%", 100 * run.gradients.zeroFraction).padded(11),
                  run.format.usesScaler ? "\(run.skippedSteps.count)" : "—"].joined(separator: " "))
  }
}

func report(_ run: PrecisionRun, options: ChapterOptions<Defaults>, trainCount: Int) {
  guard let last = run.history.last(orUntrainedOf: run.log) else { return }
  let values: [(String, String)] = [
    ("part", "training"), ("format", run.format.rawValue), ("epochs", "\(run.history.count)"),
    ("train_loss", formatMetric(last.trainLoss)), ("test_loss", formatMetric(last.testLoss)), ("test_acc", formatMetric(last.testAccuracy)),
    ("bytes_per_param", String(format: "%.0f", Double(run.parameterBytes) / Double(max(1, run.parameterCount)))),
    ("bytes_per_activation", String(format: "%.2f", Double(run.activations.bytes) / Double(max(1, run.activations.values)))),
    ("zero_grad_frac", formatMetric(run.gradients.zeroFraction)),
    ("fp16_flush_frac", formatMetric(run.gradients.flushedFraction)),
    ("skipped_steps", run.format.usesScaler ? "\(run.skippedSteps.count)" : "0"),
    ("final_scale", formatNumber(run.scales.last ?? 1)),
    ("max_scaled_grad", formatMetric(run.largestScaledGradients.max() ?? 0)),
    ("threads", "\(options.threads)"),
    ("sec_per_epoch", String(format: "%.3f", run.log.fastestEpochSeconds)),
  ]
  print((["RESULT chapter=\(Defaults.chapter)", "model=\(run.network.rawValue)"] + values.map { "\($0.0)=\($0.1)" }).joined(separator: " "))
  fflush(nil)
}

/// The figures of the training part: curves per network, the loss scale, the gradients' magnitudes.
func drawTrainingFigures(_ plotter: Plotter, _ runs: [PrecisionRun]) throws {
  let epochs = { (h: [EpochStats]) in h.indices.map { Double($0 + 1) } }
  var panels: [LinePlot] = []
  for network in Network.allCases where runs.contains(where: { $0.network == network }) {
    let mine = runs.filter { $0.network == network }
    panels.append(LinePlot(title: "\(network.rawValue): training loss", xLabel: "epoch", yLabel: "loss",
                           series: mine.enumerated().map { i, r in
                             Series(r.format.rawValue, x: epochs(r.history), y: r.history.map(\.trainLoss),
                                    style: i == 3 ? .dashed : .linesPoints, color: i) }))
    panels.append(LinePlot(title: "\(network.rawValue): test accuracy", xLabel: "epoch", yLabel: "test accuracy",
                           series: mine.enumerated().map { i, r in
                             Series(r.format.rawValue, x: epochs(r.history), y: r.history.map(\.testAccuracy),
                                    style: i == 3 ? .dashed : .linesPoints, color: i) }))
    // The curves lie on top of each other: the differences from float32 show by how much.
    if let reference = mine.first(where: { $0.format == .float32 }) {
      panels.append(LinePlot(title: "\(network.rawValue): test accuracy − float32's", xLabel: "epoch", yLabel: "difference",
                             series: mine.enumerated().dropFirst().map { i, r in
                               Series(r.format.rawValue, x: epochs(r.history),
                                      y: zip(r.history, reference.history).map { $0.testAccuracy - $1.testAccuracy },
                                      style: i == 3 ? .dashed : .linesPoints, color: i) }))
    }
  }
  try plotter.save(PlotGrid(title: "The same networks, weights and batches in four formats", panels: panels, columns: 3),
                   name: "curves", width: 1500, height: 800)

  // The loss scale of the float16 runs with a scaler, the skipped steps marked.
  let scaled = runs.filter { $0.format.usesScaler && !$0.scales.isEmpty }
  if !scaled.isEmpty {
    var series: [Series] = []
    for (i, r) in scaled.enumerated() {
      series.append(Series("\(r.network.rawValue): scale", x: r.scales.indices.map { Double($0 + 1) }, y: r.scales, color: i))
      // A skipped step drawn at the scale it was taken with (before the backoff halved it).
      let skippedAt = r.skippedSteps.map { s in s >= 2 ? r.scales[s - 2] : 65536 }
      series.append(Series("\(r.network.rawValue): skipped step (\(r.skippedSteps.count))", x: r.skippedSteps.map(Double.init), y: skippedAt,
                           style: .points, color: i))
    }
    // How close the scaled parameter gradients came to float16's largest value.
    for (i, r) in scaled.enumerated() {
      series.append(Series("\(r.network.rawValue): S · max|g|", x: r.largestScaledGradients.indices.map { Double($0 + 1) },
                           y: r.largestScaledGradients, style: .dashed, color: i))
    }
    // Drawn first, so that the scale (2¹⁶ = 65536 at the start, a hair above it) is drawn over it.
    let steps = Double(scaled.map(\.scales.count).max() ?? 1)
    series.insert(Series("float16's largest value, 65504", x: [1, steps], y: [65504, 65504], style: .dashed, color: 7), at: 0)
    try plotter.save(LinePlot(title: "GradScaler: the loss scale S after every step (×2 after 2,000 clean steps, ×½ on inf/NaN)",
                              xLabel: "optimizer step", yLabel: "S, and S · max|g|", series: series, logY: true), name: "loss-scale")
  }

  // Where the float32 gradients lie against float16's range.
  let reference = runs.filter { $0.format == .float32 && $0.gradients.total > 0 }
  if !reference.isEmpty {
    var series = reference.enumerated().map { i, r in
      Series("\(r.network.rawValue) (float32 run)", x: r.gradients.distribution.map { Double($0.octave) + 0.5 },
             y: r.gradients.distribution.map { 100 * $0.share }, style: .linesPoints, color: i)
    }
    let top = (reference.flatMap { $0.gradients.distribution.map { 100 * $0.share } }.max() ?? 1) * 1.05
    for (i, (name, e)) in [("float16 flushes to 0 below 2^-25", -25.0), ("float16 normal from 2^-14", -14.0),
                           ("2^-25 ÷ 65536 (flush limit with S = 2^16)", -41.0)].enumerated() {
      series.append(Series(name, x: [e, e], y: [0, top], style: .dashed, color: 3 + i))
    }
    try plotter.save(LinePlot(title: "Parameter gradients of the float32 runs by magnitude (every 10th step)", xLabel: "log2 |g|",
                              yLabel: "% of nonzero elements", series: series), name: "gradient-magnitudes")
  }
}
