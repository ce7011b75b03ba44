import Torchlight
import TorchlightNN

/// The non-convolution parts of the MLP and BN-LeNet training steps, one at a time, forward and
/// backward (ms per call, best of many): batch norm on the four activations BN-LeNet normalizes,
/// a Linear layer with bias, and cross-entropy at batch 256.
func benchDense(threads: Int) {
  let g = Generator(seed: 17)
  func time(_ body: () -> Void) -> Double {
    for _ in 0..<3 { body() }
    return bestTime(repeats: 30, body) * 1e3
  }
  for shape in [[256, 6, 24, 24], [256, 16, 8, 8], [256, 120], [256, 84]] {
    let x = Tensor.randn(shape, generator: g).requiringGrad()
    let w = Tensor.ones([shape[1]]).requiringGrad(), b = Tensor.zeros([shape[1]]).requiringGrad()
    let upstream = Tensor.randn(shape, generator: g)
    let forward = time { blackHole(withNoGrad { batchNormTraining(x, weight: w, bias: b) }) }
    let both = time {
      let (y, _, _) = batchNormTraining(x, weight: w, bias: b)
      y.backward(gradient: upstream)
      x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
    }
    report("dense_batchnorm", ["threads": Double(threads), "forward_ms": forward, "forward_backward_ms": both],
           extra: ["shape": shape.map(String.init).joined(separator: "x")])
  }
  for (m, k, n) in [(256, 784, 256), (256, 256, 10), (256, 256, 120)] {
    let layer = Linear(inFeatures: k, outFeatures: n, generator: g)
    let x = Tensor.randn([m, k], generator: g).requiringGrad()
    let upstream = Tensor.randn([m, n], generator: g)
    let forward = time { blackHole(withNoGrad { layer(x) }) }
    let both = time {
      layer(x).backward(gradient: upstream)
      for p in layer.parameters() + [x] { p.zeroGrad() }
    }
    report("dense_linear", ["threads": Double(threads), "forward_ms": forward, "forward_backward_ms": both],
           extra: ["shape": "\(m)x\(k)x\(n)"])
  }
  let logits = Tensor.randn([256, 10], generator: g).requiringGrad()
  let labels = Tensor.randint(0, 10, [256], generator: g)
  let ce = time { crossEntropy(logits: logits, targets: labels).backward(); logits.zeroGrad() }
  let reference = time { crossEntropyReference(logits: logits, targets: labels).backward(); logits.zeroGrad() }
  report("dense_cross_entropy", ["threads": Double(threads), "forward_backward_ms": ce, "op_by_op_ms": reference],
         extra: ["shape": "256x10"])
}
