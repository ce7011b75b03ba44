import Foundation
import TorchlightNN

/// A penalty on the weights, added to the loss by hand.
/// - `l2(λ)`: (λ/2)‖w‖², whose gradient λw shrinks every weight in proportion to its size
///   (this is what "weight decay" means);
/// - `l1(λ)`: λ‖w‖₁, whose gradient λ·sign(w) pulls every weight toward 0 by the same amount,
///   so small weights end up near 0 while large ones survive (a preference for sparse w).
enum Penalty {
  case none, l2(Double), l1(Double)

  func callAsFunction(_ w: Tensor) -> Tensor {
    switch self {
    case .none: Tensor.zeros([], dtype: w.dtype)
    case .l2(let lambda): lambda * (w * w).sum() / 2
    case .l1(let lambda): lambda * w.abs().sum()
    }
  }

  var key: String {
    switch self { case .none: "none"; case .l2: "l2"; case .l1: "l1" }
  }

  var label: String {
    switch self {
    case .none: "λ = 0"
    case .l2(let lambda): "L2, λ = \(formatted(lambda))"
    case .l1(let lambda): "L1, λ = \(formatted(lambda))"
    }
  }

  private func formatted(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : "\(v)" }
}

/// Linear regression on a problem built to overfit: 200 features but only 20 training examples,
/// y = 0.05 + Σᵢ 0.01·xᵢ + ε. Minimises  loss + penalty(w)  by minibatch SGD, written by hand: the
/// penalty's gradient is added to the loss gradient at every step.
func penalizedRegression(_ penalty: Penalty, epochs: Int, generator: Generator)
  -> (train: [Double], test: [Double], norm: Double, smallWeights: Int) {
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
      // The penalty is added to every example's loss, as in the textbook.
      let loss = squared(x, y) + penalty(w)
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
  let small = w.toDoubles().filter { Swift.abs($0) < 0.01 }.count
  return (train, test, withNoGrad { (w * w).sum().sqrt().item() }, small)
}
