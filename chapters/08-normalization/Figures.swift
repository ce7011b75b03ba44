import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// BN-LeNet, scratch and library, per epoch: training loss (dashed) and test accuracy.
func drawLeNetCurves(_ plotter: Plotter, _ runs: [(String, [EpochStats])]) throws {
  var series: [Series] = []
  for (i, (name, history)) in runs.enumerated() {
    let epochs = history.indices.map { Double($0 + 1) }
    series.append(Series("\(name): train loss", x: epochs, y: history.map(\.trainLoss), style: .dashed, color: i))
    series.append(Series("\(name): test accuracy", x: epochs, y: history.map(\.testAccuracy), style: .linesPoints, color: i, axis: .right))
  }
  try plotter.save(LinePlot(title: "LeNet with batch norm: training loss and test accuracy per epoch (scratch and library coincide)", xLabel: "epoch",
                            yLabel: "training loss (dashed)", series: series, y2Label: "test accuracy (solid)"), name: "bn-lenet-curves")
}

/// The four normalizations and none: training loss against examples seen, test accuracy per epoch.
/// The losses are close, so the y axis shows only their settled range (the first steps, above 1,
/// are cut), and batch norm, the method the chapter is about, is drawn last, on top of the others.
func drawComparison(_ plotter: Plotter, _ curves: [Curve], examplesPerEpoch: Int) throws {
  let order = curves.indices.sorted { (curves[$0].name == NormKind.batch.rawValue ? 1 : 0, $0) < (curves[$1].name == NormKind.batch.rawValue ? 1 : 0, $1) }
  let loss = LinePlot(title: "Training loss (mean over recent steps; above 1 cut)", xLabel: "examples seen (thousands)", yLabel: "cross-entropy",
                      series: order.map { i in Series(curves[i].name, x: curves[i].examples.map { $0 / 1000 }, y: curves[i].losses, color: i) },
                      yRange: 0.2...1)
  let accuracy = LinePlot(title: "Test accuracy after each epoch", xLabel: "epoch", yLabel: "accuracy",
                          series: curves.enumerated().map { i, c in
                            Series(c.name, x: c.epochAccuracy.indices.map { Double($0 + 1) }, y: c.epochAccuracy, style: .linesPoints, color: i)
                          })
  try plotter.save(PlotGrid(title: "One small CNN with each normalization (same data, seed and optimizer)", panels: [loss, accuracy], columns: 2),
                   name: "comparison", width: 1200, height: 480)
}

/// Test accuracy of batch norm and group norm against the batch size.
func drawBatchSizes(_ plotter: Plotter, _ rows: [(kind: NormKind, size: Int, accuracy: Double)]) throws {
  let series = [NormKind.batch, .group].enumerated().map { i, kind in
    let mine = rows.filter { $0.kind == kind }
    return Series(kind.rawValue, x: mine.map { Double($0.size) }, y: mine.map(\.accuracy), style: .linesPoints, color: i == 0 ? 1 : 4)
  }
  // At least ten points of accuracy on the y axis, so a one-point drop does not look like a cliff.
  let values = rows.map(\.accuracy), middle = ((values.min() ?? 0.5) + (values.max() ?? 0.5)) / 2
  let half = max(0.05, ((values.max() ?? 0.5) - (values.min() ?? 0.5)) / 2 + 0.01)
  try plotter.save(LinePlot(title: "Batch norm and group norm across batch sizes (same examples seen)", xLabel: "batch size (log scale)",
                            yLabel: "test accuracy", series: series, logX: true,
                            yRange: ((middle - half) * 100).rounded(.down) / 100...((middle + half) * 100).rounded(.up) / 100), name: "batch-size")
}

/// The values entering each sigmoid of LeNet, and the sigmoid's output, with and without batch
/// norm, as densities over shared bins (one panel per layer).
func drawActivations(_ plotter: Plotter, with: [[Double]], without: [[Double]], outputsWith: [[Double]], outputsWithout: [[Double]]) throws {
  let names = ["conv 1", "conv 2", "dense 120", "dense 84"]
  func panel(_ title: String, _ a: [Double], _ b: [Double], xLabel: String) -> LinePlot {
    let (xa, ya) = density(a, b), (xb, yb) = density(b, a)
    return LinePlot(title: title, xLabel: xLabel, yLabel: "density",
                    series: [Series("with BN", x: xa, y: ya, color: 0), Series("without BN", x: xb, y: yb, color: 3)])
  }
  let inputs = names.indices.map { panel("\(names[$0]): into the sigmoid", with[$0], without[$0], xLabel: "pre-activation") }
  let outputs = names.indices.map { panel("\(names[$0]): sigmoid output", outputsWith[$0], outputsWithout[$0], xLabel: "activation") }
  try plotter.save(PlotGrid(title: "LeNet activations per layer after a little training, with and without batch norm (256 test images, training mode)",
                            panels: inputs + outputs, columns: 4), name: "activations", width: 1400, height: 700)
}

/// A histogram of `values` as a density curve (bin centres, count / (n · width)), with bins
/// spanning both `values` and `other` so two curves share them.
func density(_ values: [Double], _ other: [Double], bins: Int = 40) -> ([Double], [Double]) {
  let all = (values + other).filter(\.isFinite)
  guard var lo = all.min(), var hi = all.max(), !values.isEmpty else { return ([], []) }
  if hi <= lo { lo -= 0.5; hi += 0.5 }
  let width = (hi - lo) / Double(bins)
  var counts = [Double](repeating: 0, count: bins)
  for v in values where v.isFinite { counts[min(bins - 1, Int((v - lo) / width))] += 1 }
  return ((0..<bins).map { lo + (Double($0) + 0.5) * width }, counts.map { $0 / (Double(values.count) * width) })
}

/// What goes into and comes out of every sigmoid of `net` for one batch, in training mode (batch
/// norm with the batch's own statistics, as during training; no gradient is recorded).
func sigmoidActivations(_ net: Module, _ batch: Tensor) -> (inputs: [[Double]], outputs: [[Double]]) {
  var inputs: [[Double]] = [], outputs: [[Double]] = []
  let handles = net.modules().filter { $0 is Sigmoid }.map { layer in
    layer.registerForwardHook { _, input, output in
      inputs.append(input.toDoubles()); outputs.append(output.toDoubles())
      return nil
    }
  }
  _ = withNoGrad { net(batch) }
  for h in handles { h.remove() }
  return (inputs, outputs)
}
