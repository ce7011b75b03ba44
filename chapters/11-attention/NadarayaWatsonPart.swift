import ChapterKit
import Foundation
import TorchlightNN
import TorchlightPlot

/// The data of d2l's attention-pooling section: y = 2 sin x + x^0.8 + ε, ε ~ N(0, 0.5²) (the
/// function and noise of d2l's earlier edition, §10.2; v1.0 uses 2 sin x + x with unit noise),
/// n = 40 training inputs drawn uniformly from [0, 5) and sorted (v1.0's n), and the noise-free
/// function at the 50 test inputs 0, 0.1, …, 4.9.
struct KernelRegressionData {
  static let n = 40
  let xTrain: [Double], yTrain: [Double], xTest: [Double], yTruth: [Double]

  static func f(_ x: Double) -> Double { 2 * sin(x) + pow(x, 0.8) }

  init(generator: Generator) {
    xTrain = Tensor.uniform([Self.n], low: 0, high: 5, dtype: .float64, generator: generator).toDoubles().sorted()
    let noise = Tensor.normal([Self.n], std: 0.5, dtype: .float64, generator: generator).toDoubles()
    yTrain = zip(xTrain, noise).map { Self.f($0) + $1 }
    xTest = (0..<50).map { Double($0) / 10 }
    yTruth = xTest.map(Self.f)
  }
}

/// Nadaraya–Watson regression is attention: the query is a test input x, the keys are the
/// training inputs x_i, the values their labels y_i, and the prediction is the attention-weighted
/// average of the values,
///
///     f(x) = Σ_i softmax_i(−(x − x_i)² / 2σ²) · y_i.
///
/// With `queries` [Q], `keys` and `values` [K] it returns the predictions [Q] and the weights
/// [Q, K]. `w` is 1/σ, so a tensor that requires grad makes the width learnable. `mask` [Q, K]
/// (true = left out) hides keys, such as a point's own label when it is the query.
func nadarayaWatson(queries: Tensor, keys: Tensor, values: Tensor, w: Tensor, mask: Tensor? = nil) -> (Tensor, Tensor) {
  let differences = queries.unsqueezed(axis: 1) - keys.unsqueezed(axis: 0)   // [Q, K]
  let scaled = differences * w
  let scores = -(scaled * scaled) / 2
  let weights = maskedSoftmax(scores, mask: mask)
  return (weights.matmul(values.unsqueezed(axis: 1)).squeezed(axis: 1), weights)
}

/// Part `nadaraya-watson` (d2l §11.2): Gaussian kernels of four fixed widths, then a width learned
/// by gradient descent on the leave-one-out error.
func runNadarayaWatsonPart(_ chapter: AttentionChapter, _ plotter: Plotter) throws {
  let data = KernelRegressionData(generator: Generator(seed: chapter.options.seed &+ 11))
  section("Nadaraya–Watson kernel regression as attention: y = 2 sin x + x^0.8 + N(0, 0.5²), "
          + "\(KernelRegressionData.n) training points on [0, 5), 50 test queries")
  let xTrain = Tensor(data.xTrain, shape: [data.xTrain.count], dtype: .float64)
  let yTrain = Tensor(data.yTrain, shape: [data.yTrain.count], dtype: .float64)
  let xTest = Tensor(data.xTest, shape: [data.xTest.count], dtype: .float64)
  func testError(_ predictions: [Double]) -> Double {
    zip(predictions, data.yTruth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(predictions.count)
  }
  // Leave-one-out: training point i as the query may not look at its own label.
  let ownLabel = Tensor.eye(KernelRegressionData.n, dtype: .bool)
  func leaveOneOutError(_ w: Tensor) -> Tensor {
    let (fit, _) = nadarayaWatson(queries: xTrain, keys: xTrain, values: yTrain, w: w, mask: ownLabel)
    let error = fit - yTrain
    return (error * error).mean()
  }

  var fits: [(name: String, predictions: [Double], weights: [[Double]])] = []
  print("  width σ     test MSE (against the noise-free f)   leave-one-out MSE on the training points")
  for sigma in [0.1, 0.2, 0.5, 1.0] {
    let w = Tensor([1 / sigma], shape: [1], dtype: .float64)
    let (predictions, weights) = nadarayaWatson(queries: xTest, keys: xTrain, values: yTrain, w: w)
    fits.append(("σ = \(formatNumber(sigma))", predictions.toDoubles(), rows(weights)))
    print("  " + formatNumber(sigma).padding(toLength: 10, withPad: " ", startingAt: 0)
          + String(format: "  %8.4f                              %8.4f", testError(predictions.toDoubles()), leaveOneOutError(w).item()))
  }

  // A learned width: w = 1/σ is a parameter, trained by gradient descent on the leave-one-out
  // squared error (with its own label as a key, the best width would be 0: each point copies itself).
  let w = Tensor([1.0], shape: [1], dtype: .float64).requiringGrad()
  let steps = chapter.options.quick ? 10 : 200, lr = 0.5
  print("\n  learning w = 1/σ from w = 1 by gradient descent (lr \(formatNumber(lr))) on the leave-one-out MSE:")
  var lastFinite: Double?
  for step in 1...steps {
    let loss = leaveOneOutError(w)
    try checkFinite(loss.item(), epoch: 1, step: step, lastFinite: lastFinite)
    lastFinite = loss.item()
    w.zeroGrad()
    loss.backward()
    withNoGrad { w.copy(from: w - w.grad! * lr) }
    if step == 1 || step % max(1, steps / 5) == 0 {
      print(String(format: "    step %3d  leave-one-out MSE %.4f  w %.3f (σ = %.3f)", step, loss.item(), w.item(), 1 / abs(w.item())))
    }
  }
  let learned = withNoGrad { nadarayaWatson(queries: xTest, keys: xTrain, values: yTrain, w: w) }
  let sigma = 1 / abs(w.item())
  fits.append((String(format: "learned σ = %.3f", sigma), learned.0.toDoubles(), rows(learned.1)))
  print(String(format: "  learned σ = %.3f: test MSE %.4f", sigma, testError(learned.0.toDoubles())))
  print("  Narrow kernels follow the noise (each query copies its nearest labels); wide ones average it away and flatten")
  print("  the curve. The weights are a softmax over the training points: every row of a heat map sums to 1.")
  printResult(chapter: Defaults.chapter, model: "nadaraya-watson",
              ["learned_sigma": sigma, "test_mse": testError(learned.0.toDoubles()), "test_mse_sigma_0.1": testError(fits[0].predictions)])

  // The legend once, in the first panel, above the data.
  let panels = fits.enumerated().map { k, fit in
    LinePlot(title: fit.name, xLabel: "x", yLabel: "y", series: [
      Series(k == 0 ? "training data" : "", x: data.xTrain, y: data.yTrain, style: .points, color: 7),
      Series(k == 0 ? "f(x) = 2 sin x + x^0.8" : "", x: data.xTest, y: data.yTruth, style: .dashed, color: 0),
      Series(k == 0 ? "prediction" : "", x: data.xTest, y: fit.predictions, color: 1),
    ], yRange: k == 0 ? -1...7 : -1...5)
  }
  try plotter.save(PlotGrid(title: "Nadaraya–Watson regression with Gaussian kernels of four widths and a learned one",
                            panels: panels, columns: 3), name: "nw-fits", width: 1200, height: 700)
  let maps = fits.map { fit in
    HeatMap(title: fit.name, xLabel: "training inputs (sorted)", yLabel: "test inputs", values: fit.weights)
  }
  try plotter.save(HeatMapGrid(title: "Attention weights of Nadaraya–Watson regression: test queries × training keys",
                               panels: maps, columns: 3), name: "nw-weights", width: 1200, height: 760)
}

/// A [rows, columns] tensor as rows of Doubles.
func rows(_ t: Tensor) -> [[Double]] {
  let values = t.toDoubles(), columns = t.shape[t.rank - 1]
  return stride(from: 0, to: values.count, by: columns).map { Array(values[$0..<($0 + columns)]) }
}
