import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// LeNet with batch normalization (d2l's concise `BNLeNet`: no padding, BatchNorm2d after each
/// convolution, BatchNorm1d after the hidden dense layers, sigmoids) trained with SGD at lr 1.0
/// and batch 256, as `../shared/bench/peers/lenet_bn.py` does in PyTorch. About 20 timed steps on
/// Fashion-MNIST batches (random images when the data set is missing), extrapolated to one epoch
/// of 235 steps.
func benchLeNetBN(threads: Int, steps: Int = 20) {
  let g = Generator(seed: 13)
  let batch = 256, stepsPerEpoch = 235
  let (images, labels, source): (Tensor, Tensor, String) = {
    if let data = try? FashionMNIST(train: true, limit: batch * 8) { return (data.images, data.labels, "fashion-mnist") }
    return (Tensor.rand([batch * 8, 1, 28, 28], generator: g), Tensor.randint(0, 10, [batch * 8], generator: g), "random")
  }()
  let net = Sequential([
    Conv2d(1, 6, kernelSize: 5, generator: g), BatchNorm2d(6), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2),
    Conv2d(6, 16, kernelSize: 5, generator: g), BatchNorm2d(16), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten(),
    Linear(inFeatures: 256, outFeatures: 120, generator: g), BatchNorm1d(120), Sigmoid(),
    Linear(inFeatures: 120, outFeatures: 84, generator: g), BatchNorm1d(84), Sigmoid(),
    Linear(inFeatures: 84, outFeatures: 10, generator: g),
  ])
  for m in net.modules() {
    if let c = m as? Conv2d { Init.xavierUniform(c.weight, generator: g) }
    if let l = m as? Linear { Init.xavierUniform(l.weight, generator: g) }
  }
  let opt = SGD(parameters: net.parameters(), lr: 1.0)
  let batches = (0..<8).map { i in (images[(i * batch)..<((i + 1) * batch)].contiguous(), labels[(i * batch)..<((i + 1) * batch)]) }
  func step(_ i: Int) {
    let (x, y) = batches[i % batches.count]
    let loss = crossEntropy(logits: net(x), targets: y)
    opt.zeroGrad()
    loss.backward()
    opt.step()
  }
  for i in 0..<3 { step(i) }   // warm up the buffer pool
  let best = bestTime(repeats: 2) { for i in 0..<steps { step(i) } } / Double(steps)
  report("lenet_bn_epoch", ["threads": Double(threads), "sec_per_epoch": best * Double(stepsPerEpoch), "ms_per_step": best * 1e3],
         extra: ["batch": "256", "data": source])
}
