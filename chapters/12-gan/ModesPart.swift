import ChapterKit
import Foundation
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// Mode collapse: the data is a ring of eight narrow Gaussians (radius 2, σ = 0.02, as in the
/// unrolled-GAN paper); a generator that puts all its samples on one or two of them can still
/// fool a discriminator that only ever sees one batch at a time. The same MLPs are trained as a
/// standard GAN and as a WGAN-GP (a critic with a gradient penalty instead of a classifier),
/// on the same steps, and the modes each one covers are counted.
func runModesPart(_ chapter: GANChapter, _ plotter: Plotter) throws {
  let options = chapter.options
  let steps = options.quick ? 30 : 5000
  let batch = options.quick ? 32 : 128
  section("Mode collapse on a ring of eight Gaussians: the standard GAN against WGAN-GP, \(steps) generator steps each, batch \(batch)")
  var panels: [LinePlot] = []
  let real = ringSamples(400, generator: Generator(seed: 5)).toDoubles()
  for kind in [RingGAN.Kind.standard, .wganGP] {
    let gan = RingGAN(kind, seed: options.seed, batch: batch)
    let name = "modes-\(kind == .standard ? "standard" : "wgan-gp")"
    // Each snapshot: step, modes covered, share near a mode, the two losses, then 1000 points.
    var snapshots: [[Double]] = []
    func show(_ k: Int) {
      let row = snapshots[k - 1], step = Int(row[0]), points = Array(row[5...])
      print("  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) step \(String(step).padding(toLength: 5, withPad: " ", startingAt: 0))"
            + "  modes covered \(Int(row[1]))/8, samples within 3σ of a mode \(String(format: "%4.1f%%", 100 * row[2]))"
            + String(format: "  loss_D %.3f  loss_G %.3f", row[3], row[4]))
      panels.append(LinePlot(title: "\(kind.rawValue), step \(step): \(Int(row[1]))/8 modes", xLabel: "x₁", yLabel: "x₂", series: [
        Series("data", x: stride(from: 0, to: real.count, by: 2).map { real[$0] }, y: stride(from: 1, to: real.count, by: 2).map { real[$0] },
               style: .points, color: 0),
        Series("generated", x: stride(from: 0, to: points.count, by: 2).map { points[$0] },
               y: stride(from: 1, to: points.count, by: 2).map { points[$0] }, style: .points, color: 1)],
        xRange: -3...3, yRange: -3...3))
    }
    // One checkpoint "epoch" per snapshot: the steps up to it.
    let ends = [steps / 10, 2 * steps / 5, steps]
    let run = try TrainingRun(name: name, epochs: ends.count, state: [
      "generator": .module(gan.generator), "discriminator": .module(gan.discriminator), "optimizer_G": .optimizer(gan.optimizerG),
      "optimizer_D": .optimizer(gan.optimizerD), "rng": .generator(gan.rng), "snapshots": .rows({ snapshots }, { snapshots = $0 })],
      onReplay: show)
    while let k = run.startEpoch(batches: ends[run.epoch - 1] - (run.epoch == 1 ? 0 : ends[run.epoch - 2])) {
      let first = (k == 1 ? 0 : ends[k - 2]) + run.position + 1
      var losses = (d: 0.0, g: 0.0)
      for step in first...ends[k - 1] {
        losses = gan.step()
        guard losses.d.isFinite, losses.g.isFinite else {
          throw ChapterError("\(kind.rawValue) on the ring: the loss became \(losses.d) / \(losses.g) at step \(step); try another --seed")
        }
        if step < ends[k - 1] { try run.stepDone() }
      }
      let samples = gan.sample(1000)
      let coverage = ringCoverage(samples)
      snapshots.append([Double(ends[k - 1]), Double(coverage.modes), coverage.nearShare, losses.d, losses.g] + samples.toDoubles())
      show(k)
      try run.endEpoch()
    }
    let last = snapshots.last!
    printResult(chapter: Defaults.chapter, model: name, ["modes_covered": last[1], "near_share": last[2]], extra: ["steps": "\(steps)"])
  }
  try plotter.save(PlotGrid(title: "Eight Gaussians: the standard GAN (top) and WGAN-GP (bottom) during training", panels: panels, columns: 3),
                   name: "modes", width: 1100, height: 760)
}

/// n points from the ring: a mode k ∈ 0..<8 uniformly, then N((2cos(2πk/8), 2sin(2πk/8)), 0.02²I).
func ringSamples(_ n: Int, generator g: Generator) -> Tensor {
  let k = Tensor.randint(0, 8, [n], generator: g).toArray(Int64.self).map { Double($0) * .pi / 4 }
  let centres = Tensor(k.flatMap { [2 * cos($0), 2 * sin($0)] }, shape: [n, 2]).float()
  return centres + Tensor.randn([n, 2], generator: g) * 0.02
}

/// How many of the eight modes hold at least 1% of `samples` within 3σ = 0.06 of their centre,
/// and the share of samples that lie that close to some mode.
func ringCoverage(_ samples: Tensor) -> (modes: Int, nearShare: Double) {
  let p = samples.toDoubles(), n = p.count / 2
  var counts = [Int](repeating: 0, count: 8)
  for i in 0..<n {
    for k in 0..<8 {
      let angle = Double(k) * .pi / 4
      let (dx, dy) = (p[2 * i] - 2 * cos(angle), p[2 * i + 1] - 2 * sin(angle))
      if dx * dx + dy * dy < 0.06 * 0.06 { counts[k] += 1 }
    }
  }
  return (counts.filter { Double($0) >= 0.01 * Double(n) }.count, Double(counts.reduce(0, +)) / Double(max(n, 1)))
}

/// The standard GAN uses the networks of the unrolled-GAN paper's ring experiment (Metz et al.,
/// 2017): a generator of two hidden ReLU layers of 128 from 256 noise values, a discriminator of
/// one hidden layer of 128 that first divides its input by 4, Adam 1e-4 with β₁ = 0.5 for both.
/// WGAN-GP keeps the generator; its critic has two hidden layers of 128 with LeakyReLU(0.2) and
/// Adam 1e-3 with β = (0.5, 0.9) (its paper's β): with the one-layer critic at 1e-4 it had not
/// found the ring after 5000 steps, and with plain ReLUs at 1e-3 every unit of the critic died.
final class RingGAN {
  enum Kind: String { case standard, wganGP = "WGAN-GP" }
  let kind: Kind
  let generator: Sequential, discriminator: Sequential
  let optimizerG: Adam, optimizerD: Adam
  let rng: Generator
  let batch: Int, latent = 256

  init(_ kind: Kind, seed: UInt64, batch: Int) {
    self.kind = kind
    self.batch = batch
    rng = Generator(seed: seed &+ 130)
    let g = Generator(seed: seed &+ 131)
    generator = Sequential(Linear(inFeatures: latent, outFeatures: 128, generator: g), ReLU(),
                           Linear(inFeatures: 128, outFeatures: 128, generator: g), ReLU(), Linear(inFeatures: 128, outFeatures: 2, generator: g))
    if kind == .standard {
      discriminator = Sequential(Scale(0.25), Linear(inFeatures: 2, outFeatures: 128, generator: g), ReLU(),
                                 Linear(inFeatures: 128, outFeatures: 1, generator: g))
    } else {
      discriminator = Sequential(Linear(inFeatures: 2, outFeatures: 128, generator: g), LeakyReLU(negativeSlope: 0.2),
                                 Linear(inFeatures: 128, outFeatures: 128, generator: g), LeakyReLU(negativeSlope: 0.2),
                                 Linear(inFeatures: 128, outFeatures: 1, generator: g))
    }
    let (lr, betas) = kind == .standard ? (1e-4, (0.5, 0.999)) : (1e-3, (0.5, 0.9))
    optimizerG = Adam(parameters: generator.parameters(), lr: lr, betas: betas)
    optimizerD = Adam(parameters: discriminator.parameters(), lr: lr, betas: betas)
  }

  func sample(_ n: Int) -> Tensor { withNoGrad { generator(Tensor.randn([n, latent], generator: rng)) } }

  /// One generator step, after one discriminator step (standard) or five critic steps (WGAN-GP).
  func step() -> (d: Double, g: Double) {
    var lossD = 0.0
    for _ in 0..<(kind == .standard ? 1 : 5) {
      let real = ringSamples(batch, generator: rng)
      let fake = withNoGrad { generator(Tensor.randn([batch, latent], generator: rng)) }
      let loss: Tensor
      switch kind {
      case .standard: loss = discriminatorLoss(real: discriminator(real), fake: discriminator(fake))
      case .wganGP:
        // The critic widens the gap between its scores of real and generated points.
        loss = discriminator(fake).mean() - discriminator(real).mean()
          + gradientPenalty({ self.discriminator($0) }, real: real, fake: fake, generator: rng)
      }
      optimizerD.zeroGrad(); loss.backward(); optimizerD.step()
      lossD = loss.item()
    }
    let scores = discriminator(generator(Tensor.randn([batch, latent], generator: rng)))
    let lossG = kind == .standard ? generatorLoss(fake: scores, .nonSaturating) : -scores.mean()
    optimizerG.zeroGrad(); lossG.backward(); optimizerG.step()
    return (lossD, lossG.item())
  }
}

/// Multiplies its input by a constant (no parameters).
final class Scale: Module {
  let factor: Double
  init(_ factor: Double) { self.factor = factor }
  override func forward(_ x: Tensor) -> Tensor { x * factor }
}
