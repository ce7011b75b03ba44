import ChapterKit
import TorchlightNN
import TorchlightOptim

/// The MLP written out: two weight matrices, two bias vectors, ReLU between them.
final class ScratchMLP {
  let w1, b1, w2, b2: Tensor
  var parameters: [Tensor] { [w1, b1, w2, b2] }

  /// Weights N(0, 0.01²), biases 0, as the textbook.
  init(generator: Generator) {
    w1 = (Tensor.randn([784, 256], generator: generator) * 0.01).requiringGrad()
    b1 = Tensor.zeros([256]).requiringGrad()
    w2 = (Tensor.randn([256, 10], generator: generator) * 0.01).requiringGrad()
    b2 = Tensor.zeros([10]).requiringGrad()
  }

  /// max(x, 0), written with the elementwise maximum against a zero tensor.
  func relu(_ x: Tensor) -> Tensor { Tensor.maximum(x, Tensor.zeros([], dtype: x.dtype)) }

  func callAsFunction(_ x: Tensor) -> Tensor {
    let h = relu(x.reshaped(-1, 784).matmul(w1) + b1)
    return h.matmul(w2) + b2
  }

  /// Plain SGD on every parameter, then clear the gradients.
  func step(lr: Double) {
    withNoGrad { for p in parameters { p -= p.grad! * lr; p.zeroGrad() } }
  }
}

/// The concise MLP: Flatten → Linear(784, 256) → ReLU → Linear(256, 10).
func conciseMLP() -> Sequential {
  Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 10))
}

/// The dropout MLP of the textbook: two hidden layers of 256 with dropout 0.5 after each.
func dropoutMLP(p1: Double = 0.5, p2: Double = 0.5) -> Sequential {
  Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(), Dropout(p: p1),
             Linear(inFeatures: 256, outFeatures: 256), ReLU(), Dropout(p: p2), Linear(inFeatures: 256, outFeatures: 10))
}

/// A classifier for the shared training loop: the module, cross-entropy, and SGD.
func classifier(_ net: Module, lr: Double, weightDecay: Double = 0) -> Classifier {
  let optimizer = SGD(parameters: net.parameters(), lr: lr, weightDecay: weightDecay)
  var model = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer)
  model.learningRate = { optimizer.lr }   // for TensorBoard's lr curve (--tensorboard)
  return model
}
