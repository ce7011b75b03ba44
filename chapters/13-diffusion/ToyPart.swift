import ChapterKit
import Foundation
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// Part `toy`: DDPM on two moons (8,000 points). An MLP learns to predict the noise with the
/// simplified loss; sampling runs the reverse chain from pure noise; the figures show the points
/// on their way and the learned score ∇ log p_t(x) ≈ −ε̂(x, t)/√(1 − ᾱ_t) as arrows.
func runToyPart(_ chapter: DiffusionChapter, _ plotter: Plotter) throws {
  let options = chapter.options
  let total = chapter.toySteps
  let schedule = NoiseSchedule.scaledLinear(steps: total)
  let passes = options.quick ? 20 : 300, batch = 128
  section("A 2-D toy: two moons, T = \(total) (linear β \(formatNumber(schedule.betas[0])) → \(formatNumber(schedule.betas[total - 1]))), "
          + "MLP denoiser, Adam 3e-3, batch \(batch), \(passes) passes over 8,000 points")
  let g = Generator(seed: options.seed &+ 1310)
  let data = twoMoons(count: 8000, generator: g)
  let model = ToyDenoiser(generator: g)
  let optimizer = Adam(parameters: model.parameters(), lr: 3e-3)
  let log = TrainingLog(chapter: Defaults.chapter, model: "toy", output: options.output, plotTerminal: options.plotTerminal)
  let stepsPerPass = data.shape[0] / batch, reportEvery = options.quick ? 5 : 30
  var losses: [Double] = [], lastFinite: Double?
  // One printed "epoch" (and checkpoint) per `reportEvery` passes; Ctrl-C stops after a pass.
  let run = try TrainingRun(log: log, epochs: passes / reportEvery, state: [
    "model": .module(model), "optimizer": .optimizer(optimizer), "rng": .generator(g),
    "losses": .numbers({ losses + [lastFinite ?? .nan] }, { losses = Array($0.dropLast()); lastFinite = $0.last.flatMap { $0.isNaN ? nil : $0 } })])
  log.watch(model.namedParameters(), learningRate: { optimizer.lr })
  while let group = run.startEpoch(batches: stepsPerPass * reportEvery) {
    for pass in (losses.count + 1)...(group * reportEvery) {
      let order = Tensor.randperm(data.shape[0], generator: g)
      var sum = 0.0
      for k in 0..<stepsPerPass {
        let x0 = data.indexSelect(axis: 0, index: order.narrow(axis: 0, start: k * batch, length: batch))
        let loss = simplifiedLoss(x0, schedule: schedule, generator: g) { model($0, steps: $1) }
        optimizer.zeroGrad(); loss.backward(); optimizer.step()
        let value = loss.item()
        try checkFinite(value, epoch: pass, step: k + 1, lastFinite: lastFinite)
        lastFinite = value; sum += value
        log.gradientsReady()
        log.batchDone(examples: batch, loss: value)
      }
      losses.append(sum / Double(stepsPerPass))
      try run.stepDone(stepsPerPass)
    }
    log.trainingDone()
    try run.endEpoch(["loss": Array(losses.suffix(reportEvery)).reduce(0, +) / Double(reportEvery)])
  }
  try plotter.save(LinePlot(title: "Toy model: the simplified loss ‖ε − ε̂(x_t, t)‖² per pass over the data", xLabel: "pass",
                            yLabel: "loss", series: [Series("loss", x: losses.indices.map { Double($0 + 1) }, y: losses, style: .linesPoints)]),
                   name: "toy-loss")

  // The reverse chain for 2,000 points, with snapshots along the way.
  let predict: NoisePredictor = { x, t in model(x, steps: Array(repeating: Double(t), count: x.shape[0])) }
  let shownSteps = [total, total * 3 / 4, total / 2, total / 4, total / 10, 0]
  var snapshots: [Int: Tensor] = [:]
  let samples = ddpmSample(schedule, shape: [2000, 2], generator: Generator(seed: options.seed &+ 1311), predict) { t, x in
    if shownSteps.contains(t) { snapshots[t] = x }
  }
  let background = data.narrow(axis: 0, start: 0, length: 2000).toDoubles()
  let panels = shownSteps.map { t -> LinePlot in
    let p = snapshots[t]!.toDoubles()
    return LinePlot(title: t == total ? "start: pure noise" : "t = \(t)", xLabel: "", yLabel: "", series: [
      Series("", x: stride(from: 0, to: background.count, by: 2).map { background[$0] }, y: stride(from: 1, to: background.count, by: 2).map { background[$0] },
             style: .points, color: 7),
      Series("", x: stride(from: 0, to: p.count, by: 2).map { p[$0] }, y: stride(from: 1, to: p.count, by: 2).map { p[$0] }, style: .points, color: 0)],
                    xRange: -3...3, yRange: -3...3)
  }
  try plotter.save(PlotGrid(title: "The reverse chain: 2,000 points from noise to two moons (grey: the data)", panels: panels, columns: 3),
                   name: "toy-trajectory", width: 1100, height: 720)
  try drawScoreField(model, schedule, data, plotter)

  let noise = Tensor.randn([2000, 2], generator: Generator(seed: options.seed &+ 1312))
  let sampleDistance = meanNearestDistance(samples, to: data), noiseDistance = meanNearestDistance(noise, to: data)
  let heldOut = twoMoons(count: 2000, generator: Generator(seed: options.seed &+ 1313))
  let dataDistance = meanNearestDistance(heldOut, to: data)
  print(String(format: "  mean distance to the nearest data point: samples %.4f, fresh two-moons points %.4f, Gaussian noise %.4f",
               sampleDistance, dataDistance, noiseDistance))
  log.result(["loss": Array(losses.suffix(reportEvery)).reduce(0, +) / Double(reportEvery), "sample_nn_distance": sampleDistance,
              "data_nn_distance": dataDistance, "noise_nn_distance": noiseDistance], extra: ["steps": "\(total)"])
}

/// The learned score s(x, t) = −ε̂(x, t)/√(1 − ᾱ_t) on a grid at three steps: early in the
/// reverse chain it points broadly at the data's centre, near t = 0 onto the two moons.
func drawScoreField(_ model: ToyDenoiser, _ schedule: NoiseSchedule, _ data: Tensor, _ plotter: Plotter) throws {
  let side = 17, range = 2.8, spacing = 2 * range / Double(side - 1)
  var xs: [Double] = [], ys: [Double] = []
  for i in 0..<side { for j in 0..<side { xs.append(-range + Double(j) * spacing); ys.append(-range + Double(i) * spacing) } }
  let grid = Tensor(zip(xs, ys).flatMap { [$0, $1] }, shape: [xs.count, 2]).float()
  let background = data.narrow(axis: 0, start: 0, length: 1500).toDoubles()
  let total = schedule.steps
  let panels = [total * 3 / 5, total / 4, total / 20].map { t -> VectorFieldGrid.Panel in
    let score = withNoGrad { model(grid, steps: Array(repeating: Double(t), count: xs.count)) * (-1 / (1 - schedule.alphaBars[t]).squareRoot()) }
      .toDoubles()
    // Arrow length ∝ √|s|, the longest 0.9 grid cells: far from the data the score is large, and
    // proportional arrows would hide the small ones near it.
    let norms = stride(from: 0, to: score.count, by: 2).map { hypot(score[$0], score[$0 + 1]) }
    let longest = max(norms.max() ?? 1, 1e-12)
    let k = norms.map { 0.9 * spacing * ($0 / longest).squareRoot() / max($0, 1e-12) }
    return VectorFieldGrid.Panel(title: "t = \(t)  (largest |s| = \(String(format: "%.2g", longest)))", x: xs, y: ys,
                                 dx: norms.indices.map { score[2 * $0] * k[$0] },
                                 dy: norms.indices.map { score[2 * $0 + 1] * k[$0] },
                                 pointsX: stride(from: 0, to: background.count, by: 2).map { background[$0] },
                                 pointsY: stride(from: 1, to: background.count, by: 2).map { background[$0] })
  }
  try plotter.save(VectorFieldGrid(title: "The learned score s = −ε̂(x, t)/√(1 − ᾱ_t) (arrow length ∝ √|s|): where the density of x_t rises fastest",
                                   panels: panels, columns: 3, xRange: -range...range, yRange: -range...range),
                   name: "toy-score", width: 1200, height: 460)
}
