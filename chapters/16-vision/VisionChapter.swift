import ArgumentParser
import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightPlot

/// The defaults shown by `--help`. `--epochs` sets the detector's and the segmenter's training
/// (and the augmentation runs', unless `--augmentation-epochs`). `--lr` is their Adam rate.
enum Defaults: ChapterDefaults {
  static let chapter = "vision"
  static let epochs = 8
  static let batchSize = 64
  static let lr = 0.002
}

/// The parts, in the order of the chapter's page.
enum Part: String, ExpressibleByArgument, CaseIterable {
  case all, augmentation, boxes, detection, segmentation

  /// Parts that `all` leaves out: the augmentation experiment trains six ResNets, for half an
  /// hour or more on its own (`all` still draws its grid of augmented examples).
  var isStandalone: Bool { self == .augmentation }
}

/// `swift run -c release vision`: image augmentation and what it does to overfitting, boxes and
/// anchors, a single-shot detector and a fully convolutional network on canvases of
/// Fashion-MNIST items with exact boxes and masks.
struct VisionChapter: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vision",
    abstract: "Computer vision beyond classification: augmentation (flip, crop, erasing, MixUp, CutMix, label smoothing), IoU, anchors and NMS, a single-shot detector (mAP) and an FCN (mean IoU) on Fashion-MNIST canvases (chapter 16).")

  @OptionGroup var options: ChapterOptions<Defaults>

  @Option(help: "Which part to run: all (every part but augmentation), augmentation (a ResNet on 10,000 images trained six ways: about 50 minutes on a busy machine), boxes (IoU, anchors, offsets, NMS), detection (the single-shot detector), segmentation (the FCN and the transposed convolution). (default: all)",
          transform: choice(Part.self))
  var part: Part = .all

  @Option(parsing: .unconditional, help: "Training canvases for detection and segmentation (made from Fashion-MNIST's training images).")
  var canvases = 8000

  @Option(parsing: .unconditional, help: "Test canvases (made from Fashion-MNIST's test images; always the same ones).")
  var testCanvases = 1000

  @Option(parsing: .unconditional, help: "Training images of the augmentation experiment (the first of Fashion-MNIST's training set).")
  var subset = 10_000

  @Option(parsing: .unconditional, help: "Epochs of each augmentation run (default: 6, or --epochs).")
  var augmentationEpochs: Int?

  func validate() throws {
    guard canvases >= 16 else { throw ValidationError("--canvases must be at least 16, got \(canvases)") }
    guard testCanvases >= 16 else { throw ValidationError("--test-canvases must be at least 16, got \(testCanvases)") }
    guard (100...60_000).contains(subset) else { throw ValidationError("--subset must lie in 100...60000, got \(subset)") }
    if let e = augmentationEpochs, e < 1 { throw ValidationError("--augmentation-epochs must be at least 1, got \(e)") }
  }

  func run() throws {
    options.apply()
    let plotter = Plotter(directory: options.output)
    let runs = { (p: Part) in (part == .all && !p.isStandalone) || part == p }
    // Fashion-MNIST first, so a missing file stops the run before anything is printed.
    let data = try options.loadFashionMNIST(quickLimit: (train: 2000, test: 500))
    let sizes = (train: options.quick ? min(canvases, 192) : canvases, test: options.quick ? min(testCanvases, 64) : testCanvases)
    let scenes = CanvasSplits(train: FashionCanvas(source: data.train, count: sizes.train),
                              test: FashionCanvas(source: data.test, count: sizes.test))
    if part == .all { try drawAugmentationExamples(plotter, data.train, generator: Generator(seed: options.seed &+ 150)) }
    if runs(.augmentation) {
      let epochs = options.quick ? 1 : (augmentationEpochs ?? options.epochs(orDefault: 6))
      try runAugmentationPart(options, plotter, train: data.train, test: data.test, subset: min(subset, options.quick ? 500 : data.train.count), epochs: epochs)
    }
    if runs(.boxes) { try runBoxesPart(options, plotter, scenes: scenes) }
    if runs(.detection) { try runDetectionPart(options, plotter, scenes: scenes) }
    if runs(.segmentation) { try runSegmentationPart(options, plotter, scenes: scenes) }
    print("\n" + plotter.summary())
  }
}

/// The training and test canvases of the detection and segmentation parts.
struct CanvasSplits {
  let train: FashionCanvas, test: FashionCanvas
}

/// Fashion-MNIST's class names, for captions and labels.
let classNames = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

/// Epochs of the detection and segmentation parts: `--epochs`, one with `--quick`.
func trainingEpochs(_ options: ChapterOptions<Defaults>) -> Int { options.quick ? 1 : options.epochs }
