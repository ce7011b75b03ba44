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
                  generator: Generator, log: TrainingLog) -> RegressionRun {
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
  for epoch in 1...max(epochs, 1) where epochs > 0 {
    let batches = minibatchIndices(count: features.shape[0], batchSize: batchSize, generator: generator)
    log.startEpoch(epoch, of: epochs, batches: batches.count)
    for batch in batches {
      let x = features.indexSelect(axis: 0, index: batch), y = labels.indexSelect(axis: 0, index: batch)
      let l = objective(net(x), y)
      optimizer.zeroGrad()
      l.backward()
      optimizer.step()
      run.stepLosses.append(l.item())
      recordPosition()
      log.batchDone(examples: batch.count)
    }
    log.trainingDone()
    let full = withNoGrad { objective(net(features), labels).item() }
    run.epochLosses.append(full)
    log.endEpoch(["loss": full])
  }
  run.w = net.weight.toDoubles()
  run.b = net.bias!.item()
  return run
}
