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

/// What a discriminator normalises after its middle convolution.
public enum DiscriminatorNorm: Sendable {
  /// Batch norm, as in DCGAN: each channel standardised over the batch.
  case batch
  /// Layer norm: each image standardised over its own channels and positions (group norm with
  /// one group). WGAN-GP's critic: its gradient penalty is taken per image, and batch norm would
  /// make each image's score depend on the others in its batch.
  case layer
  /// Nothing.
  case none
}

/// DCGAN's discriminator: strided convolutions halve the size, LeakyReLU(0.2), a normalization
/// after the middle convolution; the last convolution covers the whole 7 × 7 map and gives one
/// logit (or, for WGAN-GP, one score) per image.
///
///     x [N, 1, 28, 28] → w × 14 × 14 → 2·w × 7 × 7 → [N, 1]
public func dcganDiscriminator(width w: Int, normalization: DiscriminatorNorm, generator g: Generator) -> Sequential {
  let model = Sequential(Conv2d(1, w, kernelSize: 4, stride: 2, padding: 1, bias: false, generator: g), LeakyReLU(negativeSlope: 0.2),
                         Conv2d(w, 2 * w, kernelSize: 4, stride: 2, padding: 1, bias: normalization == .none, generator: g))
  switch normalization {
  case .batch: model.append(BatchNorm2d(2 * w))
  case .layer: model.append(GroupNorm(numGroups: 1, numChannels: 2 * w))
  case .none: break
  }
  model.append(LeakyReLU(negativeSlope: 0.2))
  model.append(Conv2d(2 * w, 1, kernelSize: 7, generator: g))
  model.append(Flatten())
  return model
}

/// DCGAN's initialisation: every convolution weight from N(0, 0.02²), batch-norm scales from
/// N(1, 0.02²) and shifts 0; a projection discriminator's class vectors from N(0, 0.02²) too.
public func dcganInitialise(_ model: Module, generator g: Generator) {
  withNoGrad {
    for module in model.modules() {
      switch module {
      case let conv as Conv2d: _ = Init.normal(conv.weight, std: 0.02, generator: g)
      case let conv as ConvTranspose2d: _ = Init.normal(conv.weight, std: 0.02, generator: g)
      case let embedding as Embedding: _ = Init.normal(embedding.weight, std: 0.02, generator: g)
      case let bn as BatchNorm2d:
        if let weight = bn.weight { _ = Init.normal(weight, mean: 1, std: 0.02, generator: g) }
        if let bias = bn.bias { _ = Init.zeros(bias) }
      default: break
      }
    }
  }
}
