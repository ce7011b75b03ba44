import ArgumentParser
import ChapterKit
import Foundation
import TorchlightPlot

/// The defaults shown by `--help`: `--batch-size` and `--lr` (the discriminator's or critic's
/// rate) set every image GAN (the DCGAN paper: Adam 2e-4 with β₁ = 0.5, batch 128; batch 32 here
/// gives four times the updates per epoch at about the same cost, which helps a short budget, and
/// the conditional GANs learn faster with both players' rates raised, to 3e-4 and 1e-3).
/// A default run trains the class-conditional DCGAN for `--epochs` 3 at width 32, the last one a
/// cool-down of its rates to zero, and the two variants of part `compare` and WGAN-GP for
/// `--compare-epochs` 1 each, at constant rates.
enum Defaults: ChapterDefaults {
  static let chapter = "gan"
  static let epochs = 3
  static let batchSize = 32
  static let lr = 3e-4
  static let resumable = true
  static let checkpointUnit = "the modes part counts one epoch per line it prints (a tenth, two fifths and all of its steps)"
}

/// The parts, in the order of the chapter's page: the textbook's GAN on a 2-D Gaussian (d2l
/// §20.1), mode collapse on eight Gaussians, the quality metric and its floors, DCGAN on
/// Fashion-MNIST (§20.2), the generator-loss variants, and WGAN-GP.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, gaussian, modes, metric, dcgan, compare, wganGP = "wgan-gp"
}

/// `swift run -c release gan`: adversarial training from two dimensions up to Fashion-MNIST,
/// with every image model scored by the Fréchet distance on our own feature network.
struct GANChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gan",
    abstract: "Generative adversarial networks: the textbook's 2-D GAN, mode collapse on eight Gaussians, a Fréchet distance of our own, a class-conditional DCGAN on Fashion-MNIST, the non-saturating and minimax losses, label smoothing, and WGAN-GP (chapter 12).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all, gaussian (d2l's GAN on a 2-D Gaussian), modes (mode collapse on eight Gaussians), metric (the feature network and the Fréchet distance's reference points), dcgan, compare (minimax loss and label smoothing against the DCGAN), wgan-gp. (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(parsing: .unconditional, help: "Channels of the first convolution of the DCGAN's discriminator and of the last of its generator (the DCGAN paper: 128 at 64×64).")
  var width = 32

  @Flag(inversion: .prefixedNo, help: "Tell both players of every image GAN the class: the generator reads the label's one-hot code beside z, the discriminator projects its features on a learned vector per class (Miyato & Koyama 2018). --no-conditional trains the textbook's unconditional GANs.")
  var conditional = true

  @Option(parsing: .unconditional, help: "Size of the noise vector z (DCGAN: 100).")
  var latent = 100

  @Option(parsing: .unconditional, help: "Adam rate of the generator of every image GAN; the discriminator or critic keeps --lr (the DCGAN paper uses 2e-4 for both players, the WGAN-GP paper 1e-4).")
  var generatorLr = 1e-3

  @Option(parsing: .unconditional, help: "Adam rate of WGAN-GP's generator; its critic keeps --lr. A critic's scores are not probabilities, and its generator takes a larger step well.")
  var wganGeneratorLr = 1.5e-3

  @Option(parsing: .unconditional, help: "WGAN-GP's critic steps per generator step on Fashion-MNIST (its paper: 5); the generator step scores the last critic step's fakes again.")
  var criticSteps = 1

  @Option(parsing: .unconditional, help: "The DCGAN's last epochs, over which both players' rates fall linearly to zero (0: constant rates to the end).")
  var coolDownEpochs = 1

  @Option(parsing: .unconditional, help: "Epochs of each variant of part compare (the minimax loss, label smoothing) and of WGAN-GP, each read against the DCGAN's Fréchet distance after as many epochs (its rates are constant until its cool-down, so the DCGAN's longer run passed through that point).")
  var compareEpochs = 1

  @Option(parsing: .unconditional, help: "Generated images scored by the Fréchet distance after each epoch (and real images for its floor).")
  var fidSamples = 2000

  func validate() throws {
    guard width >= 1 else { throw ValidationError("--width must be at least 1, got \(width)") }
    guard latent >= 1 else { throw ValidationError("--latent must be at least 1, got \(latent)") }
    if !(generatorLr > 0 && generatorLr.isFinite) { throw ValidationError("--generator-lr must be a positive number, got \(generatorLr)") }
    if !(wganGeneratorLr > 0 && wganGeneratorLr.isFinite) { throw ValidationError("--wgan-generator-lr must be a positive number, got \(wganGeneratorLr)") }
    guard criticSteps >= 1 else { throw ValidationError("--critic-steps must be at least 1, got \(criticSteps)") }
    guard coolDownEpochs >= 0 else { throw ValidationError("--cool-down-epochs must be 0 or more, got \(coolDownEpochs)") }
    guard compareEpochs >= 1 else { throw ValidationError("--compare-epochs must be at least 1, got \(compareEpochs)") }
    guard fidSamples >= 10 else { throw ValidationError("--fid-samples must be at least 10, got \(fidSamples)") }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let runs = { (p: Part) in part == .all || part == p }
    let images = [Part.metric, .dcgan, .compare, .wganGP].filter(runs)
    // Fashion-MNIST first, so a missing file stops the run before anything is printed.
    let data = images.isEmpty ? nil : try options.loadFashionMNIST(quickLimit: (train: 1000, test: 500))
    if runs(.gaussian) { try runGaussianPart(self, plotter) }
    if runs(.modes) { try runModesPart(self, plotter) }
    if let data {
      let quality = try QualityMeter(self, train: data.train, test: data.test)
      if images.contains(.metric) { try runMetricPart(self, plotter, quality) }
      var curves: [GANRun] = []
      if images.contains(.dcgan) { curves.append(try runDCGANPart(self, plotter, quality)) }
      if images.contains(.compare) { curves += try runComparePart(self, plotter, quality) }
      if images.contains(.wganGP) { curves.append(try runWGANPart(self, plotter, quality)) }
      if curves.count > 1 { try drawFrechetCurves(curves, quality: quality, plotter) }
    }
    print("\n" + plotter.summary())
  }
}
