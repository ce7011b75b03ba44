import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The textbook LeNet (sigmoid, average pooling; d2l's `LeNet`) trained with SGD at lr 0.9 and
/// batch 256, as `../shared/bench/peers/lenet_sgd.py` does in PyTorch. About 20 timed steps on
/// Fashion-MNIST batches (random images when the data set is missing), extrapolated to one epoch
/// of 235 steps. Also prints the time of each part of a step (forward, backward, update).
func benchLeNet(threads: Int, steps: Int = 20) {
  let g = Generator(seed: 11)
  let batch = 256, stepsPerEpoch = 235
  let (images, labels, source): (Tensor, Tensor, String) = {
    if let data = try? FashionMNIST(train: true, limit: batch * 8) { return (data.images, data.labels, "fashion-mnist") }
    return (Tensor.rand([batch * 8, 1, 28, 28], generator: g), Tensor.randint(0, 10, [batch * 8], generator: g), "random")
  }()
  let net = Sequential([
    Conv2d(1, 6, kernelSize: 5, padding: 2, generator: g), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2),
    Conv2d(6, 16, kernelSize: 5, generator: g), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten(),
    Linear(inFeatures: 400, outFeatures: 120, generator: g), Sigmoid(),
    Linear(inFeatures: 120, outFeatures: 84, generator: g), Sigmoid(),
    Linear(inFeatures: 84, outFeatures: 10, generator: g),
  ])
  for m in net.modules() {
    if let c = m as? Conv2d { Init.xavierUniform(c.weight, generator: g) }
    if let l = m as? Linear { Init.xavierUniform(l.weight, generator: g) }
  }
  let opt = SGD(parameters: net.parameters(), lr: 0.9)
  let batches = (0..<8).map { i in (images[(i * batch)..<((i + 1) * batch)].contiguous(), labels[(i * batch)..<((i + 1) * batch)]) }
  var forward = 0.0, backward = 0.0, update = 0.0
  func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
  func step(_ i: Int, timed: Bool) {
    let (x, y) = batches[i % batches.count]
    let t0 = now()
    let loss = crossEntropy(logits: net(x), targets: y)
    let t1 = now()
    opt.zeroGrad()
    loss.backward()
    let t2 = now()
    opt.step()
    let t3 = now()
    if timed { forward += t1 - t0; backward += t2 - t1; update += t3 - t2 }
  }
  for i in 0..<3 { step(i, timed: false) }   // warm up the buffer pool
  var best = Double.infinity
  for _ in 0..<2 {
    forward = 0; backward = 0; update = 0
    let start = now()
    for i in 0..<steps { step(i, timed: true) }
    best = min(best, (now() - start) / Double(steps))
  }
  report("lenet_epoch", ["threads": Double(threads), "sec_per_epoch": best * Double(stepsPerEpoch),
                         "ms_per_step": best * 1e3, "forward_ms": forward / Double(steps) * 1e3,
                         "backward_ms": backward / Double(steps) * 1e3, "update_ms": update / Double(steps) * 1e3],
         extra: ["batch": "256", "data": source])
}

/// Where a LeNet step spends its time: each layer of the textbook LeNet timed alone on the input
/// it sees in training (batch 256), forward and forward + backward, best of `repeats`.
func profileLeNet(threads: Int, repeats: Int = 10) {
  let g = Generator(seed: 12)
  let layers: [(String, Module)] = [
    ("conv1 1→6 5×5 pad 2", Conv2d(1, 6, kernelSize: 5, padding: 2, generator: g)), ("sigmoid1", Sigmoid()),
    ("avgpool1", AvgPool2d(kernelSize: 2, stride: 2)),
    ("conv2 6→16 5×5", Conv2d(6, 16, kernelSize: 5, generator: g)), ("sigmoid2", Sigmoid()),
    ("avgpool2", AvgPool2d(kernelSize: 2, stride: 2)), ("flatten", Flatten()),
    ("linear 400→120", Linear(inFeatures: 400, outFeatures: 120, generator: g)), ("sigmoid3", Sigmoid()),
    ("linear 120→84", Linear(inFeatures: 120, outFeatures: 84, generator: g)), ("sigmoid4", Sigmoid()),
    ("linear 84→10", Linear(inFeatures: 84, outFeatures: 10, generator: g)),
  ]
  var x = Tensor.rand([256, 1, 28, 28], generator: g)
  for (index, (name, layer)) in layers.enumerated() {
    // As in training, the images need no gradient; every later activation does.
    let input = index == 0 ? x : x.detached().requiringGrad()
    let forward = bestTime(repeats: repeats) { _ = withNoGrad { layer(input) } }
    // The incoming gradient is made once, outside the timing: filling it is not the layer's work.
    let gradient = Tensor.ones(like: withNoGrad { layer(input) })
    let both = bestTime(repeats: repeats) {
      let y = layer(input)
      if y.requiresGrad { y.backward(gradient: gradient) }
    }
    report("lenet_layer", ["threads": Double(threads), "forward_ms": forward * 1e3, "backward_ms": (both - forward) * 1e3],
           extra: ["layer": "\"\(name)\""])
    x = withNoGrad { layer(input) }
  }
}
