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
                      generator: Generator, log: TrainingLog) throws -> RegressionRun {
  let w = Tensor.normal([features.shape[1], 1], mean: 0, std: 0.01, generator: generator).requiringGrad()
  let b = Tensor.zeros([1]).requiringGrad()
  var run = RegressionRun(w: [], b: 0)
  func recordPosition() { let v = w.toDoubles(); run.path.append((v[0], v.count > 1 ? v[1] : 0)) }
  recordPosition()
  let training = try TrainingRun(log: log, epochs: epochs, shuffling: [generator],
                                 state: ["parameters": .parameters([w, b]), "run": RegressionRun.state({ run }, { run = $0 })])
  while training.startEpoch(batches: (features.shape[0] + batchSize - 1) / batchSize) != nil {
    let batches = minibatchIndices(count: features.shape[0], batchSize: batchSize, generator: generator)
    for batch in batches[training.position...] {
      let x = features.indexSelect(axis: 0, index: batch), y = labels.indexSelect(axis: 0, index: batch)
      let loss = squaredLoss(linreg(x, w, b), y)
      loss.sum().backward()
      run.stepLosses.append(loss.mean().item())
      sgd([w, b], lr: lr, batchSize: batch.count)
      recordPosition()
      log.batchDone(examples: batch.count)
      try training.stepDone()
    }
    log.trainingDone()
    let full = withNoGrad { squaredLoss(linreg(features, w, b), labels).mean().item() }
    run.epochLosses.append(full)
    try training.endEpoch(["loss": full])
  }
  run.w = w.toDoubles()
  run.b = b.item()
  return run
}

extension RegressionRun {
  /// What a checkpoint keeps of the run so far (`--checkpoint-every`, `--resume`): the losses and
  /// the path, read through `get` and written back through `set`.
  static func state(_ get: @escaping () -> RegressionRun, _ set: @escaping (RegressionRun) -> Void) -> RunState {
    RunState(save: {
      let r = get()
      return [("epoch_losses", Tensor(r.epochLosses, shape: [r.epochLosses.count], dtype: .float64)),
              ("step_losses", Tensor(r.stepLosses, shape: [r.stepLosses.count], dtype: .float64)),
              ("path", Tensor(r.path.flatMap { [$0.0, $0.1] }, shape: [r.path.count, 2], dtype: .float64))]
    }, load: { saved in
      let entries = Dictionary(saved, uniquingKeysWith: { a, _ in a })
      guard let e = entries["epoch_losses"], let s = entries["step_losses"], let p = entries["path"] else {
        throw ChapterError("the checkpoint does not hold a linear regression run")
      }
      var r = get()
      r.epochLosses = e.toDoubles(); r.stepLosses = s.toDoubles()
      let xy = p.toDoubles()
      r.path = stride(from: 0, to: xy.count, by: 2).map { (xy[$0], xy[$0 + 1]) }
      set(r)
    })
  }
}
