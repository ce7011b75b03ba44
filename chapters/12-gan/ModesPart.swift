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
  section("Mode collapse on a ring of eight Gaussians: the standard GAN against WGAN-GP, \(steps) generator steps each, batch \(options.quick ? 32 : 256)")
  var panels: [LinePlot] = []
  for kind in [RingGAN.Kind.standard, .wganGP] {
    let gan = RingGAN(kind, seed: options.seed, batch: options.quick ? 32 : 256)
    let snapshots = Set([steps / 10, 2 * steps / 5, steps])
    for step in 1...steps {
      let losses = gan.step()
      guard losses.d.isFinite, losses.g.isFinite else {
        throw ChapterError("\(kind.rawValue) on the ring: the loss became \(losses.d) / \(losses.g) at step \(step); try another --seed")
      }
      if snapshots.contains(step) {
        let samples = gan.sample(1000)
        let coverage = ringCoverage(samples)
        print("  \(kind.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) step \(String(step).padding(toLength: 5, withPad: " ", startingAt: 0))"
              + "  modes covered \(coverage.modes)/8, samples within 3σ of a mode \(String(format: "%4.1f%%", 100 * coverage.nearShare))"
              + String(format: "  loss_D %.3f  loss_G %.3f", losses.d, losses.g))
        let points = samples.toDoubles(), real = ringSamples(400, generator: Generator(seed: 5)).toDoubles()
        panels.append(LinePlot(title: "\(kind.rawValue), step \(step): \(coverage.modes)/8 modes", xLabel: "x₁", yLabel: "x₂", series: [
          Series("data", x: stride(from: 0, to: real.count, by: 2).map { real[$0] }, y: stride(from: 1, to: real.count, by: 2).map { real[$0] },
                 style: .points, color: 0),
          Series("generated", x: stride(from: 0, to: points.count, by: 2).map { points[$0] },
                 y: stride(from: 1, to: points.count, by: 2).map { points[$0] }, style: .points, color: 1)],
          xRange: -3...3, yRange: -3...3))
        if step == steps {
          printResult(chapter: Defaults.chapter, model: "modes-\(kind == .standard ? "standard" : "wgan-gp")",
                      ["modes_covered": Double(coverage.modes), "near_share": coverage.nearShare], extra: ["steps": "\(steps)"])
        }
      }
    }
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

  init(_ kind: Kind, seed: UInt64, batch: Int = 256) {
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
