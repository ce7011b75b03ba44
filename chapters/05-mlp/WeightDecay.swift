import Foundation
import TorchlightNN
import TorchlightPlot

/// Weight decay on a problem built to overfit: 200 features but only 20 training examples,
/// y = 0.05 + Σᵢ 0.01·xᵢ + ε. Minimising  loss + (λ/2)‖w‖²  by hand: the penalty's gradient λw is
/// added to the loss gradient, pulling every weight toward 0 at each step.
func weightDecayRun(lambda: Double, epochs: Int, generator: Generator) -> (train: [Double], test: [Double], norm: Double) {
  let d = 200, nTrain = 20, nTest = 100
  func make(_ n: Int) -> (Tensor, Tensor) {
    let x = Tensor.randn([n, d], dtype: .float64, generator: generator)
    return (x, x.sum(axis: 1, keepDims: true) * 0.01 + 0.05 + Tensor.normal([n, 1], std: 0.01, dtype: .float64, generator: generator))
  }
  let (xTrain, yTrain) = make(nTrain), (xTest, yTest) = make(nTest)
  let w = Tensor.normal([d, 1], std: 1, dtype: .float64, generator: generator).requiringGrad()
  let b = Tensor.zeros([1], dtype: .float64).requiringGrad()
  func squared(_ x: Tensor, _ y: Tensor) -> Tensor { (x.matmul(w) + b - y).pow(2) / 2 }
  let lr = 0.003
  var train: [Double] = [], test: [Double] = []
  for _ in 0..<epochs {
    for batch in Tensor.randperm(nTrain, generator: generator).split(5) {
      let x = xTrain.indexSelect(axis: 0, index: batch), y = yTrain.indexSelect(axis: 0, index: batch)
      // The L2 penalty written by hand, added to every example's loss.
      let loss = squared(x, y) + lambda * (w * w).sum() / 2
      loss.sum().backward()
      withNoGrad {
        for p in [w, b] { p -= p.grad! * (lr / Double(batch.count)); p.zeroGrad() }
      }
    }
    withNoGrad {
      train.append(squared(xTrain, yTrain).mean().item())
      test.append(squared(xTest, yTest).mean().item())
    }
  }
  return (train, test, withNoGrad { (w * w).sum().sqrt().item() })
}
