import ChapterKit
import Torchlight

/// What a training run leaves behind for printing and plotting.
struct RegressionRun {
  var w: [Double]
  var b: Double
  /// Loss on the whole data set after each epoch.
  var epochLosses: [Double] = []
  /// Minibatch loss at every step.
  var stepLosses: [Double] = []
  /// (w1, w2) before the first step and after every step: the path SGD takes.
  var path: [(Double, Double)] = []
}

/// The model ŷ = X·w + b.
func linreg(_ x: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor { x.matmul(w) + b }

/// Half the squared error of each example, (ŷ − y)²/2, as the textbook writes it.
func squaredLoss(_ yHat: Tensor, _ y: Tensor) -> Tensor { (yHat - y.reshaped(yHat.shape)).pow(2) / 2 }

/// Minibatch SGD written out: θ ← θ − η·∇θ/|B|. The loss was summed over the batch, so dividing
/// by the batch size makes the step use the mean gradient. No graph is recorded for the update.
func sgd(_ params: [Tensor], lr: Double, batchSize: Int) {
  withNoGrad {
    for p in params {
      p -= p.grad! * (lr / Double(batchSize))
      p.zeroGrad()
    }
  }
}

/// Linear regression with nothing but tensors and autograd.
func trainFromScratch(features: Tensor, labels: Tensor, epochs: Int, batchSize: Int, lr: Double,
                      generator: Generator, log: TrainingLog) -> RegressionRun {
  let w = Tensor.normal([features.shape[1], 1], mean: 0, std: 0.01, generator: generator).requiringGrad()
  let b = Tensor.zeros([1]).requiringGrad()
  var run = RegressionRun(w: [], b: 0)
  func recordPosition() { let v = w.toDoubles(); run.path.append((v[0], v.count > 1 ? v[1] : 0)) }
  recordPosition()
  for epoch in 1...max(epochs, 1) where epochs > 0 {
    let batches = minibatchIndices(count: features.shape[0], batchSize: batchSize, generator: generator)
    log.startEpoch(epoch, of: epochs, batches: batches.count)
    for batch in batches {
      let x = features.indexSelect(axis: 0, index: batch), y = labels.indexSelect(axis: 0, index: batch)
      let loss = squaredLoss(linreg(x, w, b), y)
      loss.sum().backward()
      run.stepLosses.append(loss.mean().item())
      sgd([w, b], lr: lr, batchSize: batch.count)
      recordPosition()
      log.batchDone(examples: batch.count)
    }
    log.trainingDone()
    let full = withNoGrad { squaredLoss(linreg(features, w, b), labels).mean().item() }
    run.epochLosses.append(full)
    log.endEpoch(["loss": full])
  }
  run.w = w.toDoubles()
  run.b = b.item()
  return run
}
