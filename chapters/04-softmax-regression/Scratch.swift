import TorchlightNN

/// softmax(O)ᵢⱼ = exp(Oᵢⱼ) / Σₖ exp(Oᵢₖ), row by row, written as the textbook first does: it
/// overflows for large scores (see `showOverflow`), which is fine here because this model's scores
/// stay small.
func softmaxByHand(_ o: Tensor) -> Tensor {
  let e = o.exp()
  return e / e.sum(axis: 1, keepDims: true)
}

/// The model ŷ = softmax(x·W + b), with the 28×28 image flattened to 784 numbers.
struct ScratchSoftmaxModel {
  let w = Tensor.normal([784, 10], mean: 0, std: 0.01).requiringGrad()
  let b = Tensor.zeros([10]).requiringGrad()
  var parameters: [Tensor] { [w, b] }

  func callAsFunction(_ x: Tensor) -> Tensor { softmaxByHand(x.reshaped(-1, 784).matmul(w) + b) }
}

/// −log ŷ[y] for each example: pick each row's probability of the true class with `gather`.
func crossEntropyByHand(_ yHat: Tensor, _ y: Tensor) -> Tensor {
  -yHat.gather(axis: 1, index: y.unsqueezed(axis: 1)).log()
}

/// Minibatch SGD by hand: θ ← θ − η·∇θ (the loss is already a batch mean). The update is not
/// recorded, and it leaves the gradients for the training loop to clear.
func sgdByHand(_ params: [Tensor], lr: Double) {
  withNoGrad {
    for p in params where p.grad != nil {
      p -= p.grad! * lr
    }
  }
}
