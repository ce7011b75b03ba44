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
  /// The last epochs, over which both players' rates fall linearly to zero (0: constant rates).
  var coolDownEpochs = 0
}

/// One trained image GAN and what was measured along the way.
final class GANRun {
  let recipe: ImageGANRecipe
  let generator: Sequential, discriminator: Module
  /// The number of classes both players are told about, or nil for an unconditional GAN.
  let classes: Int?
  let log: TrainingLog
  /// Losses of every generator step (discriminator: the last of its steps before it).
  var lossD: [Double] = [], lossG: [Double] = []
  /// Mean D(x) on real and D(G(z)) on generated images over each epoch (standard GANs only).
  var realProbability: [Double] = [], fakeProbability: [Double] = []
  /// Fréchet distance and Inception Score after each epoch (index 0: before training).
  var fid: [Double] = [], inceptionScore: [Double] = []
  /// The fixed noise batch's images after each epoch, each [count · 784] in [0, 1].
  var snapshots: [[Double]] = []

  init(recipe: ImageGANRecipe, generator: Sequential, discriminator: Module, classes: Int?, log: TrainingLog) {
    self.recipe = recipe; self.generator = generator; self.discriminator = discriminator; self.classes = classes; self.log = log
  }

  /// The generator's input for noise z: z itself, or z with the labels' one-hot codes.
  func input(_ z: Tensor, labels: Tensor) -> Tensor {
    classes.map { labelledNoise(z, labels: labels, classes: $0) } ?? z
  }

  /// Images from noise, in [0, 1] (the generator's tanh output moved from (−1, 1)), without a graph.
  /// A conditional generator draws the classes 0, 1, …, 9, 0, 1, … in turn unless given `labels`.
  func generate(_ z: Tensor, labels: Tensor? = nil) -> Tensor {
    generator.eval()
    defer { generator.train() }
    let labels = labels ?? cycledLabels(z.shape[0], classes: classes ?? 1)
    return withNoGrad { (generator(input(z, labels: labels)) + 1) * 0.5 }
  }
}

/// The fixed noise batch drawn after every epoch: 64 images in rows of 8, or for a conditional
/// GAN 80 in rows of 10, one class per column.
func snapshotCount(_ classes: Int?) -> Int { classes.map { 8 * $0 } ?? 64 }

/// Labels 0, 1, …, classes − 1, 0, 1, … for `count` samples: every class equally often.
func cycledClasses(_ count: Int, classes: Int) -> [Int] { (0..<count).map { $0 % classes } }

/// `cycledClasses` as the int64 label tensor a conditional generator reads.
func cycledLabels(_ count: Int, classes: Int) -> Tensor {
  Tensor(cycledClasses(count, classes: classes).map(Int64.init), shape: [count])
}

/// Trains one image GAN on Fashion-MNIST (pixels moved to [−1, 1] to match the generator's tanh)
/// for `epochs` passes of the real images through the discriminator, scoring it after every epoch.
func trainImageGAN(_ recipe: ImageGANRecipe, _ chapter: GANChapter, _ quality: QualityMeter) throws -> GANRun {
  let options = chapter.options
  let epochs = options.quick ? 1 : recipe.epochs ?? options.epochs, batch = options.batchSize, latent = chapter.latent
  let g = Generator(seed: options.seed &+ 150)
  // A conditional GAN: the generator reads the label's one-hot code beside z, the discriminator
  // projects its features on a learned vector per class; the fakes take the real batch's labels.
  let classes = chapter.conditional ? FashionMNIST.classNames.count : nil
  let netG = dcganGenerator(latent: latent + (classes ?? 0), width: chapter.width, generator: g)
  let normalization: DiscriminatorNorm = recipe.wasserstein ? .layer : .batch
  let projection = classes.map { dcganProjectionDiscriminator(width: chapter.width, classes: $0, normalization: normalization, generator: g) }
  let plain = projection == nil ? dcganDiscriminator(width: chapter.width, normalization: normalization, generator: g) : nil
  let netD: Module = projection ?? plain!
  /// The discriminator's logits, or the critic's scores, for images of the given classes.
  func discriminate(_ x: Tensor, _ labels: Tensor) -> Tensor { projection?(x, labels: labels) ?? plain!(x) }
  dcganInitialise(netG, generator: g)
  dcganInitialise(netD, generator: g)
  let (lr, lrG) = (options.lr, recipe.wasserstein ? chapter.wganGeneratorLr : chapter.generatorLr)
  let betas = recipe.wasserstein ? (0.0, 0.9) : (0.5, 0.999)      // WGAN-GP's paper: no momentum
  let optimizerG = Adam(parameters: netG.parameters(), lr: lrG, betas: betas)
  let optimizerD = Adam(parameters: netD.parameters(), lr: lr, betas: betas)
  let criticSteps = recipe.wasserstein ? chapter.criticSteps : 1
  let order = Generator(seed: options.seed &+ 154)
  let loader = DataLoader(quality.train, batchSize: batch, shuffle: true, dropLast: true, prefetch: true, generator: order)
  // The cool-down: both rates times λ(t) = min(1, (steps left at step t) / (steps of the cool-down)),
  // t counting generator steps, so the game ends settled instead of anywhere on its oscillation.
  let stepsPerEpoch = loader.count / criticSteps
  let totalSteps = epochs * stepsPerEpoch, coolSteps = min(recipe.coolDownEpochs, epochs) * stepsPerEpoch
  let coolDown = { (t: Int) in coolSteps == 0 ? 1 : min(1, Double(totalSteps - t) / Double(coolSteps)) }
  let schedules = [LambdaLR(optimizer: optimizerG, lambda: coolDown), LambdaLR(optimizer: optimizerD, lambda: coolDown)]
  let run = GANRun(recipe: recipe, generator: netG, discriminator: netD, classes: classes,
                   log: TrainingLog(chapter: Defaults.chapter, model: recipe.name, output: options.output, plotTerminal: options.plotTerminal,
                                    rateUnit: "img/s"))
  section("\(recipe.name)\(classes == nil ? "" : " (class-conditional)"): generator \(netG.parameterCount.formatted()) and \(recipe.wasserstein ? "critic" : "discriminator") "
          + "\(netD.parameterCount.formatted()) parameters, width \(chapter.width), latent \(latent), batch \(batch), "
          + "Adam \(lrG == lr ? formatNumber(lr) : "\(formatNumber(lrG)) (generator), \(formatNumber(lr)) (\(recipe.wasserstein ? "critic" : "discriminator"))") β = (\(formatNumber(betas.0)), \(formatNumber(betas.1))), \(epochs) epoch\(epochs == 1 ? "" : "s")"
          + (recipe.wasserstein ? ", \(criticSteps) critic step\(criticSteps == 1 ? "" : "s") per generator step, gradient penalty λ = 10"
                                : ", generator loss \(recipe.objective.rawValue)" + (recipe.realTarget < 1 ? ", real label \(formatNumber(recipe.realTarget))" : ""))
          + (coolSteps == 0 ? "" : ", both rates falling linearly to zero over the last \(coolSteps == stepsPerEpoch ? "epoch" : "\(coolSteps / stepsPerEpoch) epochs")"))
  let fixedNoise = Tensor.randn([snapshotCount(classes), latent, 1, 1], generator: Generator(seed: options.seed &+ 151))
  /// The samples scored after every epoch, from the same noise each time (the classes 0…9 in turn).
  func scoredSamples() -> Tensor {
    run.generate(Tensor.randn([quality.samples, latent, 1, 1], generator: Generator(seed: options.seed &+ 153)))
  }
  func measure() {
    let s = quality.score(scoredSamples())
    run.fid.append(s.fid); run.inceptionScore.append(s.inceptionScore)
    run.snapshots.append(run.generate(fixedNoise).toDoubles())
  }
  var lastFinite: Double?, realSum = 0.0, fakeSum = 0.0, seen = 0
  let training = try TrainingRun(log: run.log, epochs: epochs, shuffling: [order], state: [
    "generator": .module(netG), "discriminator": .module(netD), "optimizer_G": .optimizer(optimizerG),
    "optimizer_D": .optimizer(optimizerD), "schedule_G": .scheduler(schedules[0]), "schedule_D": .scheduler(schedules[1]), "rng": .generator(g),
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
      var lossD = 0.0, sharedFake: Tensor?, sharedLabels = Tensor([Int64]())
      for step in 0..<criticSteps {
        guard let next = iterator.next() else { break }
        let (real, labels) = (next.inputs * 2 - 1, next.labels)
        let noise = run.input(Tensor.randn([batch, latent, 1, 1], generator: g), labels: labels)
        if step == criticSteps - 1 { (sharedFake, sharedLabels) = (netG(noise), labels) }
        // The discriminator's loss must not reach the generator: its fakes carry no graph.
        let fake = sharedFake?.detached() ?? withNoGrad { netG(noise) }
        let loss: Tensor
        if recipe.wasserstein {
          loss = discriminate(fake, labels).mean() - discriminate(real, labels).mean()
            + gradientPenalty({ discriminate($0, labels) }, real: real, fake: fake, generator: g)
        } else {
          let (realLogits, fakeLogits) = (discriminate(real, labels), discriminate(fake, labels))
          loss = discriminatorLoss(real: realLogits, fake: fakeLogits, realTarget: recipe.realTarget)
          realSum += realLogits.sigmoid().sum().item(); fakeSum += fakeLogits.sigmoid().sum().item()
        }
        optimizerD.zeroGrad(); loss.backward(); optimizerD.step()
        lossD = loss.item()
        seen += batch
        run.log.batchDone(examples: batch, loss: lossD)     // TensorBoard's batch/loss: the discriminator's
      }
      guard let fake = sharedFake else { break }      // the epoch ended before the last critic step
      let scores = discriminate(fake, sharedLabels)
      let lossG = recipe.wasserstein ? -scores.mean() : generatorLoss(fake: scores, recipe.objective)
      optimizerG.zeroGrad(); lossG.backward(); optimizerG.step()
      for schedule in schedules { schedule.step() }
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
  let (fid, score) = (run.fid.last!, run.inceptionScore.last!)
  let extra: KeyValuePairs = ["width": "\(chapter.width)", "threads": "\(options.threads)"]
  if let classes {
    // Does the generator draw the class it was asked for? The feature network's verdict.
    let images = scoredSamples()
    let accuracy = quality.scorer.classAccuracy(images, requested: cycledClasses(images.shape[0], classes: classes))
    print(String(format: "  the feature network classifies %.1f%% of the samples as the class they were drawn for (real test images: %.1f%%)",
                 100 * accuracy, 100 * quality.networkAccuracy))
    run.log.result(["fid": fid, "inception_score": score, "fid_floor": quality.floor, "class_acc": accuracy], extra: extra)
  } else {
    run.log.result(["fid": fid, "inception_score": score, "fid_floor": quality.floor], extra: extra)
  }
  return run
}
