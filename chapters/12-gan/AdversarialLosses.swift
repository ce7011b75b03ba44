import TorchlightNN

/// The discriminator's loss: it should say 1 to real data and 0 to generated data,
///
///     L_D = −[ log D(x) + log(1 − D(G(z))) ] / 2,   D = sigmoid(logit),
///
/// as binary cross-entropy on the logits (numerically safe for confident logits). With one-sided
/// label smoothing (Salimans et al., 2016) the real target is `realTarget` (0.9) instead of 1,
/// which keeps D from growing over-confident on real images; the fake target stays 0.
func discriminatorLoss(real: Tensor, fake: Tensor, realTarget: Double = 1, reduction: Reduction = .mean) -> Tensor {
  (binaryCrossEntropyWithLogits(real, Tensor.full(like: real, realTarget), reduction: reduction)
    + binaryCrossEntropyWithLogits(fake, Tensor.zeros(like: fake), reduction: reduction)) / 2
}

/// What the generator minimises.
enum GeneratorObjective: String, CaseIterable {
  /// −log D(G(z)): the "non-saturating" loss of the GAN paper, used in practice.
  case nonSaturating = "non-saturating"
  /// log(1 − D(G(z))): the minimax game itself. While D rejects the samples easily (early on),
  /// D(G(z)) ≈ 0 and this loss is flat, so G receives almost no gradient.
  case minimax
}

/// The generator's loss on the discriminator's logits for generated data.
///
///     non-saturating:  −log σ(ℓ)        = BCE(ℓ, 1)
///     minimax:         log(1 − σ(ℓ))    = −BCE(ℓ, 0)
func generatorLoss(fake: Tensor, _ objective: GeneratorObjective, reduction: Reduction = .mean) -> Tensor {
  switch objective {
  case .nonSaturating: binaryCrossEntropyWithLogits(fake, Tensor.ones(like: fake), reduction: reduction)
  case .minimax: -binaryCrossEntropyWithLogits(fake, Tensor.zeros(like: fake), reduction: reduction)
  }
}

/// WGAN-GP's gradient penalty (Gulrajani et al., 2017): at points x̂ = εx + (1 − ε)x̃ on lines
/// between real and generated samples (ε uniform per sample), the critic's gradient should have
/// norm 1, the 1-Lipschitz condition of the Wasserstein dual:
///
///     λ · E[(‖∇ₓ C(x̂)‖₂ − 1)²]
///
/// The gradient is taken with `createGraph: true`, so the penalty is itself differentiable in
/// the critic's weights: its backward is a second derivative through the critic.
func gradientPenalty(_ critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor, lambda: Double = 10,
                     generator: Generator) -> Tensor {
  var epsilonShape = [real.shape[0]]
  epsilonShape += Array(repeating: 1, count: real.rank - 1)
  let epsilon = Tensor.rand(epsilonShape, generator: generator)
  let mixed = (real * epsilon + fake * (1 - epsilon)).detached().requiringGrad()
  let scores = critic(mixed)
  let gradient = grad(of: scores.sum(), with: [mixed], createGraph: true)[0]!
  let norms = ((gradient * gradient).reshaped(real.shape[0], -1).sum(axis: 1) + 1e-12).sqrt()
  return ((norms - 1) * (norms - 1)).mean() * lambda
}
