import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// How one image GAN is trained: the DCGAN recipe and its variants.
struct ImageGANRecipe {
  var name: String
  var objective = GeneratorObjective.nonSaturating
  /// The discriminator's target for real images: 1, or 0.9 with one-sided label smoothing.
  var realTarget = 1.0
  /// WGAN-GP: a critic with layer norm instead of batch norm, scores instead of probabilities, a
  /// gradient penalty, `--critic-steps` critic steps per generator step and Adam with β = (0, 0.9).
  var wasserstein = false
  /// Passes over the training images; nil: `--epochs`.
  var epochs: Int?
}

/// One trained image GAN and what was measured along the way.
final class GANRun {
  let recipe: ImageGANRecipe
  let generator: Sequential, discriminator: Sequential
  let log: TrainingLog
  /// Losses of every generator step (discriminator: the last of its steps before it).
  var lossD: [Double] = [], lossG: [Double] = []
  /// Mean D(x) on real and D(G(z)) on generated images over each epoch (standard GANs only).
  var realProbability: [Double] = [], fakeProbability: [Double] = []
  /// Fréchet distance and Inception Score after each epoch (index 0: before training).
  var fid: [Double] = [], inceptionScore: [Double] = []
  /// The fixed noise batch's images after each epoch, each [count · 784] in [0, 1].
  var snapshots: [[Double]] = []

  init(recipe: ImageGANRecipe, generator: Sequential, discriminator: Sequential, log: TrainingLog) {
    self.recipe = recipe; self.generator = generator; self.discriminator = discriminator; self.log = log
  }

  /// Images from noise, in [0, 1] (the generator's tanh output moved from (−1, 1)), without a graph.
  func generate(_ z: Tensor) -> Tensor {
    generator.eval()
    defer { generator.train() }
    return withNoGrad { (generator(z) + 1) * 0.5 }
  }
}

/// Trains one image GAN on Fashion-MNIST (pixels moved to [−1, 1] to match the generator's tanh)
/// for `epochs` passes of the real images through the discriminator, scoring it after every epoch.
func trainImageGAN(_ recipe: ImageGANRecipe, _ chapter: GANChapter, _ quality: QualityMeter) throws -> GANRun {
  let options = chapter.options
  let epochs = options.quick ? 1 : recipe.epochs ?? options.epochs, batch = options.batchSize, latent = chapter.latent
  let g = Generator(seed: options.seed &+ 150)
  let netG = dcganGenerator(latent: latent, width: chapter.width, generator: g)
  let netD = dcganDiscriminator(width: chapter.width, normalization: recipe.wasserstein ? .layer : .batch, generator: g)
  dcganInitialise(netG, generator: g)
  dcganInitialise(netD, generator: g)
  let (lr, lrG) = (options.lr, chapter.generatorLr)
  let betas = recipe.wasserstein ? (0.0, 0.9) : (0.5, 0.999)      // WGAN-GP's paper: no momentum
  let optimizerG = Adam(parameters: netG.parameters(), lr: lrG, betas: betas)
  let optimizerD = Adam(parameters: netD.parameters(), lr: lr, betas: betas)
  let criticSteps = recipe.wasserstein ? chapter.criticSteps : 1
  let run = GANRun(recipe: recipe, generator: netG, discriminator: netD,
                   log: TrainingLog(chapter: Defaults.chapter, model: recipe.name, output: options.output, plotTerminal: options.plotTerminal,
                                    rateUnit: "img/s"))
  section("\(recipe.name): generator \(netG.parameterCount.formatted()) and \(recipe.wasserstein ? "critic" : "discriminator") "
          + "\(netD.parameterCount.formatted()) parameters, width \(chapter.width), latent \(latent), batch \(batch), "
          + "Adam \(lrG == lr ? formatNumber(lr) : "\(formatNumber(lrG)) (generator), \(formatNumber(lr)) (\(recipe.wasserstein ? "critic" : "discriminator"))") β = (\(formatNumber(betas.0)), \(formatNumber(betas.1))), \(epochs) epoch\(epochs == 1 ? "" : "s")"
          + (recipe.wasserstein ? ", \(criticSteps) critic step\(criticSteps == 1 ? "" : "s") per generator step, gradient penalty λ = 10"
                                : ", generator loss \(recipe.objective.rawValue)" + (recipe.realTarget < 1 ? ", real label \(formatNumber(recipe.realTarget))" : "")))
  let fixedNoise = Tensor.randn([64, latent, 1, 1], generator: Generator(seed: options.seed &+ 151))
  func measure() {
    let images = run.generate(Tensor.randn([quality.samples, latent, 1, 1], generator: Generator(seed: options.seed &+ 153)))
    let s = quality.score(images)
    run.fid.append(s.fid); run.inceptionScore.append(s.inceptionScore)
    run.snapshots.append(run.generate(fixedNoise).toDoubles())
  }
  let order = Generator(seed: options.seed &+ 154)
  let loader = DataLoader(quality.train, batchSize: batch, shuffle: true, dropLast: true, prefetch: true, generator: order)
  var lastFinite: Double?, realSum = 0.0, fakeSum = 0.0, seen = 0
  let training = try TrainingRun(log: run.log, epochs: epochs, shuffling: [order], state: [
    "generator": .module(netG), "discriminator": .module(netD), "optimizer_G": .optimizer(optimizerG),
    "optimizer_D": .optimizer(optimizerD), "rng": .generator(g),
    "losses": .rows({ [run.lossD, run.lossG] }, { (run.lossD, run.lossG) = ($0[0], $0[1]) }),
    "probabilities": .rows({ [run.realProbability, run.fakeProbability] }, { (run.realProbability, run.fakeProbability) = ($0[0], $0[1]) }),
    "scores": .rows({ [run.fid, run.inceptionScore] }, { (run.fid, run.inceptionScore) = ($0[0], $0[1]) }),
    "snapshots": .rows({ run.snapshots }, { run.snapshots = $0 }),
    "epoch_so_far": .numbers({ [realSum, fakeSum, Double(seen), lastFinite ?? .nan] },
                             { (realSum, fakeSum, seen, lastFinite) = ($0[0], $0[1], Int($0[2]), $0[3].isNaN ? nil : $0[3]) })])
  if !training.resumed { measure() }     // the untrained generator (a resumed run has its scores)
  run.log.watch(netG.namedParameters().prefixed("G.") + netD.namedParameters().prefixed("D."))
  while let epoch = training.startEpoch(batches: loader.count) {
    if training.position == 0 { (realSum, fakeSum, seen) = (0, 0, 0) }
    let iterator = loader.makeIterator(startingAt: training.position)
    while true {
      // The critic's steps, each on a fresh real batch; then one generator step, which scores the
      // last critic step's fakes again, now through the updated discriminator or critic, so their
      // forward pass through the generator is shared.
      var lossD = 0.0, sharedFake: Tensor?
      for step in 0..<criticSteps {
        guard let next = iterator.next() else { break }
        let real = next.inputs * 2 - 1
        let noise = Tensor.randn([batch, latent, 1, 1], generator: g)
        if step == criticSteps - 1 { sharedFake = netG(noise) }
        // The discriminator's loss must not reach the generator: its fakes carry no graph.
        let fake = sharedFake?.detached() ?? withNoGrad { netG(noise) }
        let loss: Tensor
        if recipe.wasserstein {
          loss = netD(fake).mean() - netD(real).mean() + gradientPenalty({ netD($0) }, real: real, fake: fake, generator: g)
        } else {
          let (realLogits, fakeLogits) = (netD(real), netD(fake))
          loss = discriminatorLoss(real: realLogits, fake: fakeLogits, realTarget: recipe.realTarget)
          realSum += realLogits.sigmoid().sum().item(); fakeSum += fakeLogits.sigmoid().sum().item()
        }
        optimizerD.zeroGrad(); loss.backward(); optimizerD.step()
        lossD = loss.item()
        seen += batch
        run.log.batchDone(examples: batch, loss: lossD)     // TensorBoard's batch/loss: the discriminator's
      }
      guard let fake = sharedFake else { break }      // the epoch ended before the last critic step
      let scores = netD(fake)
      let lossG = recipe.wasserstein ? -scores.mean() : generatorLoss(fake: scores, recipe.objective)
      optimizerG.zeroGrad(); lossG.backward(); optimizerG.step()
      let value = lossG.item()
      try checkFinite(lossD + value, epoch: epoch, step: training.position + criticSteps, lastFinite: lastFinite)
      lastFinite = lossD + value
      run.lossD.append(lossD); run.lossG.append(value)
      try training.stepDone(criticSteps)      // the critic's batches and one generator step
    }
    run.log.trainingDone()
    if !recipe.wasserstein { run.realProbability.append(realSum / Double(seen)); run.fakeProbability.append(fakeSum / Double(seen)) }
    measure()
    let (lossD, lossG) = (run.lossD.last ?? .nan, run.lossG.last ?? .nan)
    if recipe.wasserstein {      // a critic's scores are not probabilities: no D(x), D(G(z))
      try training.endEpoch(["loss_D": lossD, "loss_G": lossG, "fid": run.fid.last!, "inception_score": run.inceptionScore.last!])
    } else {
      try training.endEpoch(["loss_D": lossD, "loss_G": lossG, "D(x)": run.realProbability.last!, "D(G(z))": run.fakeProbability.last!,
                             "fid": run.fid.last!, "inception_score": run.inceptionScore.last!])
    }
  }
  print(String(format: "  Fréchet distance %.2f (floor: real training images %.2f, ratio %.1f), Inception Score %.2f",
               run.fid.last!, quality.floor, run.fid.last! / max(quality.floor, 1e-12), run.inceptionScore.last!))
  run.log.result(["fid": run.fid.last!, "inception_score": run.inceptionScore.last!, "fid_floor": quality.floor],
                 extra: ["width": "\(chapter.width)", "threads": "\(options.threads)"])
  return run
}
