import TorchlightPlot

/// The chapter's figures: loss curves, the data with the fitted line, the loss surface with the
/// SGD path.
func drawFigures(_ plotter: Plotter, scratch: RegressionRun, concise: RegressionRun,
                 features: [[Double]], labels: [Double], surface: (w1: [Double], w2: [Double], loss: [[Double]]),
                 trueW: [Double], trueB: Double) throws {
  let steps = { (r: RegressionRun) in r.stepLosses.indices.map { Double($0 + 1) } }
  try plotter.save(LinePlot(
    title: "Minibatch loss during training", xLabel: "step", yLabel: "loss (log scale)",
    series: [Series("from scratch", x: steps(scratch), y: scratch.stepLosses),
             Series("concise", x: steps(concise), y: concise.stepLosses, style: .dashed)],
    logY: true), name: "loss")

  let epochs = { (r: RegressionRun) in r.epochLosses.indices.map { Double($0 + 1) } }
  try plotter.save(LinePlot(
    title: "Loss on all data after each epoch", xLabel: "epoch", yLabel: "loss (log scale)",
    series: [Series("from scratch", x: epochs(scratch), y: scratch.epochLosses, style: .linesPoints),
             Series("concise", x: epochs(concise), y: concise.epochLosses, style: .linesPoints)],
    logY: true), name: "epoch-loss")

  // y against the second feature; the line is the fit's slope in that feature (x1 averages 0).
  let x2 = features.map { $0[1] }
  let lo = x2.min() ?? -3, hi = x2.max() ?? 3
  try plotter.save(LinePlot(
    title: "Data (y against x2) with the fitted and the true line", xLabel: "x2", yLabel: "y",
    series: [Series("data", x: x2, y: labels, style: .points),
             Series(String(format: "fit: y = %.3f·x2 + %.3f", scratch.w[1], scratch.b), x: [lo, hi], y: [lo, hi].map { scratch.w[1] * $0 + scratch.b }),
             Series(String(format: "true: y = %.1f·x2 + %.1f", trueW[1], trueB), x: [lo, hi], y: [lo, hi].map { trueW[1] * $0 + trueB }, style: .dashed)]),
    name: "fit")

  try plotter.save(ContourPlot(
    title: "Loss surface over (w1, w2) with the SGD path", xLabel: "w1", yLabel: "w2",
    x: surface.w1, y: surface.w2, z: surface.loss, levels: 18, logLevels: true,
    overlays: [Series("SGD path (from scratch)", x: scratch.path.map(\.0), y: scratch.path.map(\.1), style: .linesPoints),
               Series("true w", x: [trueW[0]], y: [trueW[1]], style: .points)],
    colorLabel: "mean squared loss (log scale)"),
    name: "loss-surface")
}
