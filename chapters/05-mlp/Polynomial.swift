import Foundation
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// Under- and overfitting on a cubic: y = 5 + 1.2x − 3.4x²/2! + 5.6x³/3! + ε, ε ~ N(0, 0.1²),
/// with features xⁱ/i! for i < 20 (the factorial keeps large powers from exploding). A linear
/// model on the first 4 features can represent the truth; on 2 it cannot (underfitting); on all
/// 20, with only 100 training examples, it can also fit the noise (overfitting).
struct PolynomialData {
  let trainFeatures: Tensor, trainLabels: Tensor, testFeatures: Tensor, testLabels: Tensor

  init(examples: Int = 100, generator: Generator) {
    let degree = 20
    let x = Tensor.randn([2 * examples, 1], dtype: .float64, generator: generator)
    let powers = Tensor.arange(0, Double(degree), dtype: .float64).reshaped(1, -1)
    let factorials = Tensor((0..<degree).map { i in (1...max(i, 1)).reduce(1.0) { $0 * Double($1) } }, dtype: .float64).reshaped(1, -1)
    let features = x.pow(powers) / factorials
    var trueW = [Double](repeating: 0, count: degree)
    trueW[0...3] = [5, 1.2, -3.4, 5.6]
    let labels = features.matmul(Tensor(trueW, dtype: .float64).reshaped(-1, 1))
      + Tensor.normal([2 * examples, 1], std: 0.1, dtype: .float64, generator: generator)
    trainFeatures = features[..<examples].contiguous(); trainLabels = labels[..<examples].contiguous()
    testFeatures = features[examples...].contiguous(); testLabels = labels[examples...].contiguous()
  }
}

/// Fits a linear model on the first `featureCount` features of the first `examples` training
/// examples by minibatch SGD on squared error; returns train and test loss after each epoch and
/// the learned weights.
func fitPolynomial(_ data: PolynomialData, featureCount: Int, examples: Int = 100, epochs: Int, generator: Generator)
  -> (train: [Double], test: [Double], weights: [Double]) {
  let net = Linear(inFeatures: featureCount, outFeatures: 1, bias: false, dtype: .float64, generator: generator)
  let optimizer = SGD(parameters: net.parameters(), lr: 0.01)
  let xTrain = data.trainFeatures[..<examples, ..<featureCount], xTest = data.testFeatures[.all, ..<featureCount]
  let yTrain = data.trainLabels[..<examples]
  var train: [Double] = [], test: [Double] = []
  for _ in 0..<epochs {
    for batch in Tensor.randperm(examples, generator: generator).split(10) {
      let loss = mseLoss(net(xTrain.indexSelect(axis: 0, index: batch)), yTrain.indexSelect(axis: 0, index: batch))
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
    }
    withNoGrad {
      train.append(mseLoss(net(xTrain), yTrain).item())
      test.append(mseLoss(net(xTest), data.testLabels).item())
    }
  }
  return (train, test, net.weight.toDoubles())
}
