import ChapterKit
import Foundation
import TorchlightData
import TorchlightMetrics
import TorchlightNN

/// The yardstick of the image parts, as in chapter 12: the Fashion-MNIST feature network
/// (trained once and kept in the output folder), the test images' feature statistics, and the
/// floor: the Fréchet distance of as many real training images as a generated set holds.
final class SampleQuality {
  let scorer: SampleScorer
  let networkAccuracy: Double
  /// Images per scored set: the same number for generated sets and for the floor, because the
  /// Fréchet distance of a finite sample is biased upwards by about 1/N.
  let samples: Int
  let floor: Double
  let train: FashionMNIST
  private var floors: [Int: Double] = [:]

  init(_ chapter: DiffusionChapter, train: FashionMNIST, test: FashionMNIST) throws {
    let options = chapter.options
    section("The yardstick: chapter 12's Fashion-MNIST classifier, its 128 features and its class scores")
    let checkpoint = try loadFeatureNetwork(options, train: train, test: test)
    networkAccuracy = checkpoint.testAccuracy
    scorer = SampleScorer(network: checkpoint.network, referenceImages: test.images)
    samples = min(options.quick ? 100 : chapter.fidSamples, test.count, train.count)
    self.train = train
    floor = scorer.frechetDistance(train.images.narrow(axis: 0, start: 0, length: samples))
    floors[samples] = floor
    print(String(format: "  floor: %d real training images are at Fréchet distance %.3f from the test images", samples, floor))
  }

  /// The floor for a set of `count` images (smaller sets sit further from the test images).
  func floor(count: Int) -> Double {
    if let known = floors[count] { return known }
    let value = scorer.frechetDistance(train.images.narrow(axis: 0, start: 0, length: min(count, train.count)))
    floors[count] = value
    return value
  }
}
