import ChapterKit
import Foundation
import TorchlightData
import TorchlightMetrics
import TorchlightNN
import TorchlightPlot

/// The data and the yardstick of the image parts: Fashion-MNIST, the feature network (trained
/// once, kept in the output folder), and the statistics of real test images that every
/// generated set is compared with.
final class QualityMeter {
  let train: FashionMNIST, test: FashionMNIST
  let network: FashionFeatureNetwork
  let networkAccuracy: Double
  /// Images scored per set: the same number for generated sets and for the floor, because the
  /// Fréchet distance of a finite sample is biased upwards by about 1/N.
  let samples: Int
  /// The features' statistics of the test images, and distances to them.
  let scorer: SampleScorer
  /// The distance of `samples` real training images to the test images: the best a generator
  /// of `samples` images can hope for.
  let floor: Double

  init(_ chapter: GANChapter, train: FashionMNIST, test: FashionMNIST) throws {
    let options = chapter.options
    (self.train, self.test) = (train, test)
    section("The yardstick: a Fashion-MNIST classifier whose 128 penultimate features stand in for Inception's")
    let checkpoint = try loadFeatureNetwork(options, train: train, test: test)
    network = checkpoint.network
    networkAccuracy = checkpoint.testAccuracy
    samples = min(options.quick ? 250 : chapter.fidSamples, test.count, train.count)
    scorer = SampleScorer(network: network, referenceImages: test.images)
    floor = scorer.frechetDistance(train.images.narrow(axis: 0, start: 0, length: samples))
  }

  /// Fréchet distance of images [N, 1, 28, 28] in [0, 1] to the test set, and their Inception Score.
  func score(_ images: Tensor) -> (fid: Double, inceptionScore: Double) {
    let measured = network.measure(images)
    return (frechetDistance(scorer.reference, GaussianStatistics(features: measured.features)),
            inceptionScore(probabilities: measured.probabilities, splits: 10).mean)
  }
}

/// Part `metric`: the reference points a generated set is read against.
func runMetricPart(_ chapter: GANChapter, _ plotter: Plotter, _ quality: QualityMeter) throws {
  section("Reference points of the Fréchet distance (\(quality.samples) images against the \(quality.test.count) test images)")
  let g = Generator(seed: chapter.options.seed &+ 140)
  let real = quality.train.images.narrow(axis: 0, start: 0, length: quality.samples)
  let noise = Tensor.rand(real.shape, generator: g)
  let realScore = quality.score(quality.test.images)
  var rows: [(String, Double, Double)] = [("real training images (the floor)", quality.floor, quality.score(real).inceptionScore),
                                          ("uniform noise", quality.score(noise).fid, quality.score(noise).inceptionScore)]
  for sigma in [0.1, 0.3] {
    let noised = (real + Tensor.randn(real.shape, generator: g) * sigma).clamp(min: 0, max: 1)
    let s = quality.score(noised)
    rows.append(("real + Gaussian noise, σ = \(formatNumber(sigma))", s.fid, s.inceptionScore))
  }
  let blurred = avgPool2d(avgPool2d(real, kernelSize: 3, stride: 1, padding: 1), kernelSize: 3, stride: 1, padding: 1)
  let b = quality.score(blurred)
  rows.append(("real, blurred twice by a 3×3 mean", b.fid, b.inceptionScore))
  let oneClass = quality.train.filtered(classes: [7], limit: quality.samples).images
  let c = quality.score(oneClass)
  rows.append(("only sneakers (one class: no diversity)", c.fid, c.inceptionScore))
  print("  set                                        Fréchet distance   Inception Score")
  for (name, fid, score) in rows {
    print("  " + name.padding(toLength: 42, withPad: " ", startingAt: 0) + String(format: " %16.3f   %15.3f", fid, score))
  }
  print(String(format: "  Inception Score of the real test images: %.3f (at most 10 for 10 classes)", realScore.inceptionScore))
  printResult(chapter: Defaults.chapter, model: "real", ["fid": quality.floor, "inception_score": realScore.inceptionScore, "feature_net_test_acc": quality.networkAccuracy,
              "fid_noise": rows[1].1], extra: ["samples": "\(quality.samples)"])
}
