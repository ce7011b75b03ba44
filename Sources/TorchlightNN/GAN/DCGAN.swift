import Torchlight

/// DCGAN's generator at 28 × 28 (Radford et al., 2016, scaled from 64 × 64): transposed
/// convolutions double the size at each step, with batch norm and ReLU between, tanh at the end.
///
///     z [N, latent, 1, 1] → 4·w × 7 × 7 → 2·w × 14 × 14 → 1 × 28 × 28 in (−1, 1)
public func dcganGenerator(latent: Int, width w: Int, generator g: Generator) -> Sequential {
  Sequential(ConvTranspose2d(latent, 4 * w, kernelSize: 7, bias: false, generator: g), BatchNorm2d(4 * w), ReLU(),
             ConvTranspose2d(4 * w, 2 * w, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: g), BatchNorm2d(2 * w), ReLU(),
             ConvTranspose2d(2 * w, 1, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: g), Tanh())
}

/// DCGAN's discriminator: strided convolutions halve the size, LeakyReLU(0.2), batch norm after
/// every convolution but the first; the last convolution covers the whole 7 × 7 map and gives
/// one logit per image. For WGAN-GP's critic `batchNorm` is false: the gradient penalty is per
/// sample, and batch norm would mix the samples of a batch.
public func dcganDiscriminator(width w: Int, batchNorm: Bool, generator g: Generator) -> Sequential {
  let model = Sequential(Conv2d(1, w, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: g), LeakyReLU(negativeSlope: 0.2),
                         Conv2d(w, 2 * w, kernelSize: 4, stride: 2, padding: 1, bias: !batchNorm, generator: g))
  if batchNorm { model.append(BatchNorm2d(2 * w)) }
  model.append(LeakyReLU(negativeSlope: 0.2))
  model.append(Conv2d(2 * w, 1, kernelSize: 7, generator: g))
  model.append(Flatten())
  return model
}

/// DCGAN's initialisation: every convolution weight from N(0, 0.02²), batch-norm scales from
/// N(1, 0.02²) and shifts 0.
public func dcganInitialise(_ model: Module, generator g: Generator) {
  withNoGrad {
    for module in model.modules() {
      switch module {
      case let conv as Conv2d: _ = Init.normal(conv.weight, std: 0.02, generator: g)
      case let conv as ConvTranspose2d: _ = Init.normal(conv.weight, std: 0.02, generator: g)
      case let bn as BatchNorm2d:
        if let weight = bn.weight { _ = Init.normal(weight, mean: 1, std: 0.02, generator: g) }
        if let bias = bn.bias { _ = Init.zeros(bias) }
      default: break
      }
    }
  }
}
