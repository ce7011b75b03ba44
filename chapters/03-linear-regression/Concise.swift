import ChapterKit
import TorchlightNN
import TorchlightOptim

/// Which loss the concise version minimises.
enum RegressionLoss: String, CaseIterable {
  case mse, huber
}

/// The same model with the library: `Linear` holds w and b, `mseLoss` (or `huberLoss`) is the
/// objective, `SGD` does the update. The batches are the same hand-made ones.
func trainConcise(features: Tensor, labels: Tensor, epochs: Int, batchSize: Int, lr: Double, loss: RegressionLoss,
                  generator: Generator, log: TrainingLog) throws -> RegressionRun {
  let net = Linear(inFeatures: features.shape[1], outFeatures: 1, generator: generator)
  // The textbook's initialisation: w ~ N(0, 0.01²), b = 0.
  withNoGrad {
    net.weight.copy(from: Tensor.normal(net.weight.shape, std: 0.01, generator: generator))
    net.bias!.zero()
  }
  let optimizer = SGD(parameters: net.parameters(), lr: lr)
  func objective(_ p: Tensor, _ y: Tensor) -> Tensor {
    loss == .mse ? mseLoss(p, y) : huberLoss(p, y)
  }
  var run = RegressionRun(w: [], b: 0)
  func recordPosition() { let v = net.weight.toDoubles(); run.path.append((v[0], v.count > 1 ? v[1] : 0)) }
  recordPosition()
  let training = try TrainingRun(log: log, epochs: epochs, shuffling: [generator], state: [
    "model": .module(net), "optimizer": .optimizer(optimizer), "run": RegressionRun.state({ run }, { run = $0 })])
  while training.startEpoch(batches: (features.shape[0] + batchSize - 1) / batchSize) != nil {
    let batches = minibatchIndices(count: features.shape[0], batchSize: batchSize, generator: generator)
    for batch in batches[training.position...] {
      let x = features.indexSelect(axis: 0, index: batch), y = labels.indexSelect(axis: 0, index: batch)
      let l = objective(net(x), y)
      optimizer.zeroGrad()
      l.backward()
      optimizer.step()
      run.stepLosses.append(l.item())
      recordPosition()
      log.batchDone(examples: batch.count, loss: l.item())
      try training.stepDone()
    }
    log.trainingDone()
    let full = withNoGrad { objective(net(features), labels).item() }
    run.epochLosses.append(full)
    try training.endEpoch(["loss": full])
  }
  run.w = net.weight.toDoubles()
  run.b = net.bias!.item()
  return run
}
