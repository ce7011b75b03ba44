import ArgumentParser
import ChapterKit
import Foundation
import TorchlightPlot

/// The defaults shown by `--help`: `--epochs`, `--batch-size` and `--lr` set the image model
/// (DDPM trains with Adam 2e-4 and batch 128 for 800k steps; four epochs of a small U-Net at
/// 1e-3, cosine-decayed, with batch 64 is what fits the chapter's half-hour budget on two CPU cores).
enum Defaults: ChapterDefaults {
  static let chapter = "diffusion"
  static let epochs = 4
  static let batchSize = 64
  static let lr = 1e-3
  static let resumable = true
  static let checkpointUnit = "the toy part counts one epoch per 30 passes over its points (5 with --quick), the lines it prints"
}

/// The parts, in the order of the chapter's page.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, forward, toy, images, ddim, guidance
}

/// What the U-Net is trained to predict (diffusers calls it `prediction_type`): the noise ε, as
/// DDPM does, or the velocity v = √ᾱ_t ε − √(1 − ᾱ_t) x₀ of Salimans and Ho.
enum Prediction: String, ExpressibleByArgument, CaseIterable {
  case noise, velocity
}

/// The number of steps T of the image model's forward process (DDPM's).
let imageSteps = 1000

/// `swift run -c release diffusion`: denoising diffusion from the forward process up, on a 2-D
/// toy and on Fashion-MNIST, with DDIM sampling and classifier-free guidance.
struct DiffusionChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diffusion",
    abstract: "Diffusion models: the forward process and its closed form, a DDPM on two moons, a class-conditional U-Net on Fashion-MNIST, DDIM sampling and classifier-free guidance (chapter 13).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all, forward (noise schedules, the closed form), toy (DDPM on two moons), images (train the U-Net), ddim (samples against step count), guidance (classifier-free guidance scales). (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(help: "What the U-Net learns to predict: noise (ε, as DDPM) or velocity (v = √ᾱ ε − √(1 − ᾱ) x₀). (default: noise)",
          transform: choice(Prediction.self))
  var prediction: Prediction = .noise

  @Option(parsing: .unconditional, help: "DDIM steps of the guidance part's samples (1 to \(imageSteps)).")
  var steps = 50

  @Option(parsing: .unconditional, help: "Steps T of the toy model's forward process (2 to 1000).")
  var toySteps = 100

  @Option(parsing: .unconditional, help: "Channels of the U-Net's first level (a multiple of 8; the second has twice as many).")
  var channels = 32

  @Option(parsing: .unconditional, help: "Generated images scored by the Fréchet distance per setting (and real ones for its floor).")
  var fidSamples = 300

  @Option(parsing: .unconditional, help: "Show only this class (0–9) in the guidance grid, eight samples per scale; all ten classes when not given.")
  var guidanceClass: Int?

  func validate() throws {
    guard (1...imageSteps).contains(steps) else {
      throw ValidationError("--steps must lie between 1 and T = \(imageSteps), got \(steps)")
    }
    guard (2...1000).contains(toySteps) else { throw ValidationError("--toy-steps must lie between 2 and 1000, got \(toySteps)") }
    guard channels >= 8, channels % 8 == 0 else { throw ValidationError("--channels must be a positive multiple of 8, got \(channels)") }
    guard fidSamples >= 10 else { throw ValidationError("--fid-samples must be at least 10, got \(fidSamples)") }
    if let c = guidanceClass, !(0...9).contains(c) {
      throw ValidationError("--guidance-class must be a Fashion-MNIST class from 0 to 9, got \(c)")
    }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let runs = { (p: Part) in part == .all || part == p }
    let imageParts = [Part.images, .ddim, .guidance].filter(runs)
    // Fashion-MNIST first, so a missing file stops the run before anything is printed.
    let data = (runs(.forward) || !imageParts.isEmpty) ? try options.loadFashionMNIST(quickLimit: (train: 1000, test: 500)) : nil
    if runs(.forward), let data { try runForwardPart(self, plotter, image: data.test.images[0]) }
    if runs(.toy) { try runToyPart(self, plotter) }
    if !imageParts.isEmpty, let data {
      let quality = try SampleQuality(self, train: data.train, test: data.test)
      let model = try trainedImageModel(self, data.train, quality, plotter, forceTraining: runs(.images))
      if runs(.ddim) { try runDDIMPart(self, plotter, model, quality) }
      if runs(.guidance) { try runGuidancePart(self, plotter, model, quality) }
    }
    print("\n" + plotter.summary())
  }
}
