import TorchlightNN

/// Scores sets of generated Fashion-MNIST images with a trained `FashionFeatureNetwork`: their
/// Fréchet distance to a reference set (usually the test images), and how often the network
/// recognises the class each image was asked to be.
public final class SampleScorer {
  public let network: FashionFeatureNetwork
  /// μ and Σ of the reference images' features.
  public let reference: GaussianStatistics

  /// `referenceImages` [N, 1, 28, 28] with pixels in [0, 1].
  public init(network: FashionFeatureNetwork, referenceImages: Tensor) {
    self.network = network
    reference = GaussianStatistics(features: network.measure(referenceImages).features)
  }

  /// The Fréchet distance of images [N, 1, 28, 28] in [0, 1] to the reference images.
  public func frechetDistance(_ images: Tensor) -> Double {
    TorchlightMetrics.frechetDistance(reference, GaussianStatistics(features: network.measure(images).features))
  }

  /// The share of images [N, 1, 28, 28] whose most probable class is the requested one.
  public func classAccuracy(_ images: Tensor, requested labels: [Int]) -> Double {
    precondition(images.shape[0] == labels.count, "SampleScorer.classAccuracy: \(images.shape[0]) images but \(labels.count) labels")
    let predicted = network.measure(images).probabilities.argmax(axis: 1).toArray(Int64.self)
    return Double(zip(predicted, labels).filter { Int($0) == $1 }.count) / Double(max(labels.count, 1))
  }
}
