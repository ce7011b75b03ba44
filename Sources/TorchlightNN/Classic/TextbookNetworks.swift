import Torchlight

/// Chapter 05's MLP for 28 × 28 images: Flatten → Linear(784, 256) → ReLU → Linear(256, 10),
/// with PyTorch's default initialisation. In the library so that the chapters that train it
/// again (number formats, data parallelism) build the same network from the same draws.
public func textbookMLP() -> Sequential {
  Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 10))
}

/// Chapter 07's LeNet-5: two sigmoid convolutions with average pooling, three dense layers, and
/// Xavier-uniform weights for every convolution and linear layer (with sigmoids, PyTorch's
/// default scale leaves it stuck for several epochs).
public func textbookLeNet() -> Sequential {
  let net = Sequential(
    Conv2d(1, 6, kernelSize: 5, padding: 2), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2),
    Conv2d(6, 16, kernelSize: 5), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten(),
    Linear(inFeatures: 16 * 5 * 5, outFeatures: 120), Sigmoid(), Linear(inFeatures: 120, outFeatures: 84), Sigmoid(),
    Linear(inFeatures: 84, outFeatures: 10))
  _ = net.apply { m in
    if let c = m as? Conv2d { Init.xavierUniform(c.weight) }
    if let l = m as? Linear { Init.xavierUniform(l.weight) }
  }
  return net
}
