import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// The textbook's first sequence (d2l §9.1): x_t = sin(0.01·t) + ε_t with ε_t ~ N(0, 0.2²), for
/// t = 1 … 1000. An autoregressive model predicts x_t from the τ = 4 values before it, so the
/// examples are the windows (x_{t−4}, …, x_{t−1}) with label x_t; the first 600 train.
struct SineSeries {
  static let length = 1000, tau = 4, trainCount = 600, noise = 0.2
  let x: [Double]

  init(generator: Generator) {
    let noise = Tensor.normal([Self.length], std: Self.noise, dtype: .float64, generator: generator).toDoubles()
    x = (1...Self.length).map { Foundation.sin(0.01 * Double($0)) } .enumerated().map { $1 + noise[$0] }
  }

  /// Windows `[T − τ, τ]`: row i holds x_i … x_{i+τ−1} (0-based), and its label `[T − τ, 1]` is x_{i+τ}.
  var features: Tensor {
    let rows = Self.length - Self.tau
    return Tensor((0..<rows).flatMap { i in x[i..<(i + Self.tau)].map { Float($0) } }, shape: [rows, Self.tau])
  }
  var labels: Tensor { Tensor(x[Self.tau...].map { Float($0) }, shape: [Self.length - Self.tau, 1]) }
}

/// One autoregressive model of the sine and its numbers.
struct SineFit {
  let key: String, name: String
  let net: Module
  let log: TrainingLog
  let trainLoss: Double, testLoss: Double
  /// One-step predictions for every window: x at index τ, τ + 1, ….
  let oneStep: [Double]
  /// Mean squared error of the k-step-ahead predictions, k = 1 … 64 (index k − 1).
  let kStepError: [Double]
  /// The k-step-ahead predictions for k = 1 … 64 (d2l's `k_step_pred(64)`).
  let kStepPredictions: [[Double]]
  /// Predictions from index 604 (time t = 605) on, fed on their own output only.
  let freeRun: [Double]
}

/// Part `sine`: the textbook's linear autoregressive model (v1.0: one linear layer, SGD 0.01)
/// and its earlier small MLP (4 → 10 → 1 with ReLU, Adam 0.01), each trained on the first 600
/// windows with the mean squared error, batch 16. Then the predictions k steps ahead, made by
/// feeding a model its own predictions, and their error as k grows.
func runSinePart(_ chapter: RNNChapter, _ plotter: Plotter) throws {
  let options = chapter.options
  let series = SineSeries(generator: Generator(seed: options.seed))
  let epochs = options.quick ? 1 : chapter.sineEpochs
  section("Sequence models: x_t = sin(0.01 t) + N(0, 0.2²), T = \(SineSeries.length), τ = \(SineSeries.tau), "
          + "first \(SineSeries.trainCount) windows train, \(epochs) epochs, batch 16")
  print("  the noise alone gives a one-step error of 0.2² = 0.04: no model of the past can predict it")

  let g = Generator(seed: options.seed &+ 1)
  let linear = Linear(inFeatures: SineSeries.tau, outFeatures: 1, generator: g)
  _ = Init.normal(linear.weight, std: 0.01, generator: g)
  _ = Init.zeros(linear.bias!)
  let mlp = Sequential(Linear(inFeatures: SineSeries.tau, outFeatures: 10, generator: g), ReLU(),
                       Linear(inFeatures: 10, outFeatures: 1, generator: g))
  for case let layer as Linear in mlp.modules() { _ = Init.xavierUniform(layer.weight, generator: g) }

  let fits = [
    try fitSine(key: "sine-linear", name: "linear, SGD lr 0.01", net: linear, optimizer: SGD(parameters: linear.parameters(), lr: 0.01),
            series: series, epochs: epochs, options: options),
    try fitSine(key: "sine-mlp", name: "MLP 4-10-1, Adam lr 0.01", net: mlp, optimizer: Adam(parameters: mlp.parameters(), lr: 0.01),
            series: series, epochs: epochs, options: options),
  ]
  let w = linear.weight.toDoubles().map { String(format: "%.3f", $0) }.joined(separator: ", ")
  print("  linear model: x̂_t = \(w) · (x_{t−4} … x_{t−1}) + \(String(format: "%.3f", linear.bias!.item()))")

  let shown = [1, 2, 4, 8, 16, 32, 64]
  print("\n  mean squared error of the k-step-ahead predictions (over the whole series):")
  print("  k                        " + shown.map { String(format: "%8d", $0) }.joined())
  for fit in fits {
    print("  \(fit.name.padding(toLength: 24, withPad: " ", startingAt: 0)) " + shown.map { String(format: "%8.4f", fit.kStepError[$0 - 1]) }.joined())
  }
  try drawSine(plotter, series, fits)
  for fit in fits {
    fit.log.result(["train_loss": fit.trainLoss, "test_loss": fit.testLoss, "mse_k1": fit.kStepError[0], "mse_k4": fit.kStepError[3],
                    "mse_k16": fit.kStepError[15], "mse_k64": fit.kStepError[63]])
  }
}

/// Trains one model on the first 600 windows (shuffled, batch 16, mean squared error), reporting
/// the one-step error on the training windows and on the held-out rest after every epoch, then
/// makes its k-step and free-running predictions.
func fitSine(key: String, name: String, net: Module, optimizer: any Optimizer, series: SineSeries, epochs: Int,
             options: ChapterOptions<Defaults>) throws -> SineFit {
  let features = series.features, labels = series.labels
  let n = SineSeries.trainCount
  let train = TensorDataset(inputs: features[0..<n], labels: labels[0..<n])
  let order = Generator(seed: options.seed &+ 2)
  let loader = DataLoader(train, batchSize: 16, shuffle: true, generator: order)
  let log = TrainingLog(chapter: Defaults.chapter, model: key, output: options.output, plotTerminal: options.plotTerminal)
  print("\n  \(name)")
  func error(_ range: Range<Int>) -> Double {
    withNoGrad { mseLoss(net(features[range]), labels[range]).item() }
  }
  let run = try TrainingRun(log: log, epochs: epochs, shuffling: [order], state: ["model": .module(net), "optimizer": .optimizer(optimizer)])
  log.watch(net.namedParameters(), learningRate: { optimizer.lr })
  while run.startEpoch(batches: loader.count) != nil {
    let batches = loader.makeIterator(startingAt: run.position)
    while let batch = batches.next() {
      let loss = mseLoss(net(batch.inputs), batch.labels)
      optimizer.zeroGrad()
      loss.backward()
      log.gradientsReady()
      optimizer.step()
      log.batchDone(examples: batch.labels.count, loss: loss.item())
      try run.stepDone()
    }
    log.trainingDone()
    try run.endEpoch(["train_loss": error(0..<n), "test_loss": error(n..<features.shape[0])])
  }
  let predictions = kStepPredictions(net, series.x, maxSteps: 64)
  let errors = predictions.enumerated().map { i, p in
    // The k-step prediction at position j is for x at j + τ + k − 1.
    zip(p, series.x[(SineSeries.tau + i)...]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(p.count)
  }
  return SineFit(key: key, name: name, net: net, log: log, trainLoss: error(0..<n), testLoss: error(n..<features.shape[0]),
                 oneStep: withNoGrad { net(features).toDoubles() }, kStepError: errors, kStepPredictions: predictions, freeRun: freeRun(net, series.x, from: n + SineSeries.tau))
}

/// d2l's `k_step_pred`: the model predicts x one step ahead from four observed values; that
/// prediction then stands in for the next observation, and so on, so the k-th list holds
/// predictions made k steps ahead of the last observed value (all windows at once).
/// Result[k − 1][j] predicts x at index j + τ + k − 1.
func kStepPredictions(_ net: Module, _ x: [Double], maxSteps: Int) -> [[Double]] {
  let tau = SineSeries.tau, count = x.count - tau - maxSteps + 1
  var columns: [Tensor] = (0..<tau).map { i in Tensor(x[i..<(i + count)].map { Float($0) }, shape: [count]) }
  return withNoGrad {
    for i in 0..<maxSteps {
      let window = Tensor.stack(Array(columns[i..<(i + tau)]), axis: 1)
      columns.append(net(window).reshaped(-1))
    }
    return columns[tau...].map { $0.toDoubles() }
  }
}

/// From index `start` on, each value is predicted from the four values before it, observed ones
/// only up to `start`, the model's own afterwards (d2l's "multistep predictions").
func freeRun(_ net: Module, _ x: [Double], from start: Int) -> [Double] {
  var values = Array(x[..<start])
  withNoGrad {
    for _ in start..<x.count {
      let window = Tensor(values.suffix(SineSeries.tau).map { Float($0) }, shape: [1, SineSeries.tau])
      values.append(net(window).item())
    }
  }
  return Array(values[start...])
}

func drawSine(_ plotter: Plotter, _ series: SineSeries, _ fits: [SineFit]) throws {
  let time = (1...SineSeries.length).map(Double.init)
  let tau = SineSeries.tau, start = SineSeries.trainCount + tau
  var oneStep = [Series("data", x: time, y: series.x, style: .points, color: 7)]
  for (i, fit) in fits.enumerated() {
    // The 1-step predictions are for x at positions τ …, that is times τ + 1 ….
    oneStep.append(Series("\(fit.key): 1-step predictions", x: Array(time[tau...]), y: fit.oneStep, color: i))
    oneStep.append(Series("\(fit.key): from t = \(start + 1) on its own output", x: Array(time[start...]), y: fit.freeRun,
                          style: .dashed, color: i))
  }
  try plotter.save(LinePlot(title: "Noisy sine: one step ahead, and predicting from its own predictions after the training range",
                            xLabel: "time t", yLabel: "x", series: oneStep), name: "sine-predictions", width: 1000)

  let linear = fits[0]
  var kStep = [Series("data", x: time, y: series.x, style: .points, color: 7)]
  for (i, k) in [1, 4, 16, 64].enumerated() {
    let p = linear.kStepPredictions[k - 1]
    kStep.append(Series("\(k)-step predictions", x: Array(time[(tau + k - 1)...].prefix(p.count)), y: p, color: i))
  }
  try plotter.save(LinePlot(title: "Linear autoregressive model: predictions k steps ahead", xLabel: "time t", yLabel: "x",
                            series: kStep), name: "sine-k-step", width: 1000)

  let ks = (1...64).map(Double.init)
  var errors = fits.enumerated().map { i, fit in Series(fit.name, x: ks, y: fit.kStepError, style: .linesPoints, color: i) }
  errors.append(Series("noise variance 0.04", x: [1, 64], y: [0.04, 0.04], style: .dashed, color: 7))
  try plotter.save(LinePlot(title: "Error of the k-step-ahead predictions grows with k", xLabel: "k (steps ahead)",
                            yLabel: "mean squared error (log scale)", series: errors, logX: true, logY: true), name: "sine-k-error")
}
