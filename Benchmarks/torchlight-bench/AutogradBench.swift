import Torchlight

/// What recording and replaying the graph costs.
/// - chain: 1,000 elementwise ops on a small tensor; per-op time without grad (plain forward),
///   and forward + backward with grad. The difference is autograd's bookkeeping per op.
/// - mlp: one SGD step of a 784-256-10 MLP at batch 256 through autograd, against the same step
///   with the backward written by hand from the same tensor ops (ratio = autograd / by hand).
func benchAutograd(threads: Int) {
  let x0 = Tensor.randn([16], generator: Generator(seed: 5))
  let ops = 1000
  func chain(_ x: Tensor) -> Tensor {
    var x = x
    for i in 0..<ops { x = i % 2 == 0 ? x * 0.999 : x + 0.001 }
    return x
  }
  let plain = bestTime(repeats: 20) { blackHole(withNoGrad { chain(x0) }) }
  let leaf = x0.detached().requiringGrad()
  let recorded = bestTime(repeats: 20) {
    chain(leaf).sum().backward()
    leaf.zeroGrad()
  }
  report("autograd_chain", ["ops": Double(ops), "threads": Double(threads),
                            "forward_us_per_op": plain / Double(ops) * 1e6,
                            "forward_backward_us_per_op": recorded / Double(ops) * 1e6])

  let g = Generator(seed: 6)
  let x = Tensor.randn([256, 784], generator: g)
  let labels = Tensor.randint(0, 10, [256], generator: g)
  let w1 = (Tensor.randn([784, 256], generator: g) * 0.01).requiringGrad()
  let b1 = Tensor.zeros([256]).requiringGrad()
  let w2 = (Tensor.randn([256, 10], generator: g) * 0.01).requiringGrad()
  let b2 = Tensor.zeros([10]).requiringGrad()
  let params = [w1, b1, w2, b2]
  let lr = 0.1

  func autogradStep() {
    let logits = (x.matmul(w1) + b1).relu().matmul(w2) + b2
    let picked = logits.gather(axis: 1, index: labels.unsqueezed(axis: 1))
    let loss = (logits.logsumexp(axis: 1, keepDims: true) - picked).mean()
    loss.backward()
    withNoGrad { for p in params { p -= p.grad! * lr; p.zeroGrad() } }
  }

  func manualStep() {
    withNoGrad {
      let h = (x.matmul(w1) + b1)
      let a = h.relu()
      let logits = a.matmul(w2) + b2
      // ∂loss/∂logits = (softmax − onehot) / N
      let shifted = logits - logits.amax(axes: [1], keepDims: true)
      let e = shifted.exp()
      let softmax = e / e.sum(axis: 1, keepDims: true)
      let onehot = Tensor.zeros([256, 10]).scatterAdd(axis: 1, index: labels.unsqueezed(axis: 1), source: Tensor.ones([256, 1]))
      let dLogits = (softmax - onehot) / 256
      let dW2 = a.transposed().matmul(dLogits), dB2 = dLogits.sum(axis: 0)
      let dA = dLogits.matmul(w2.transposed())
      let dH = dA * (h .> 0).float()
      let dW1 = x.transposed().matmul(dH), dB1 = dH.sum(axis: 0)
      for (p, d) in zip(params, [dW1, dB1, dW2, dB2]) { p -= d * lr }
    }
  }
  for _ in 0..<3 { autogradStep(); manualStep() }
  let auto = bestTime(repeats: 20, autogradStep)
  let manual = bestTime(repeats: 20, manualStep)
  report("autograd_mlp_step", ["batch": 256, "threads": Double(threads), "ms": auto * 1e3,
                               "by_hand_ms": manual * 1e3, "ratio": auto / manual])
}
