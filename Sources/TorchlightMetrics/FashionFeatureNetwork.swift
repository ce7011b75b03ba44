import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The feature space for measuring generated Fashion-MNIST images: a small CNN classifier
/// trained on the real training set, whose 128 penultimate activations stand in for the 2048
/// Inception-v3 features of the usual FID (Inception sees 299 × 299 colour photographs, not
/// 28 × 28 clothes). Fréchet distances measured with it are comparable with each other, within
/// this book, and not with published FID values.
///
///     [N, 1, 28, 28] → conv 3×3, 32 → batch norm → ReLU → max pool 2
///       → conv 3×3, 64 → batch norm → ReLU → max pool 2
///       → flatten 3136 → linear 128 → ReLU (the features) → linear 10 (the class scores)
public final class FashionFeatureNetwork: Module {
  /// Names the architecture in the checkpoint's metadata: a checkpoint of another one is refused.
  public static let architecture = "fashion-features-v3 conv32-bn-pool-conv64-bn-pool-fc128-fc10"
  public static let featureCount = 128

  public let convolutions: Sequential
  public let embedding: Sequential
  public let classifier: Linear

  public init(generator: Generator? = nil) {
    convolutions = Sequential(Conv2d(1, 32, kernelSize: 3, padding: 1, bias: false, generator: generator), BatchNorm2d(32), ReLU(),
                              MaxPool2d(kernelSize: 2),
                              Conv2d(32, 64, kernelSize: 3, padding: 1, bias: false, generator: generator), BatchNorm2d(64), ReLU(),
                              MaxPool2d(kernelSize: 2))
    embedding = Sequential(Flatten(), Linear(inFeatures: 64 * 7 * 7, outFeatures: Self.featureCount, generator: generator), ReLU())
    classifier = Linear(inFeatures: Self.featureCount, outFeatures: 10, generator: generator)
  }

  /// The class scores (logits) of images [N, 1, 28, 28] with pixels in [0, 1].
  public override func forward(_ x: Tensor) -> Tensor { classifier(features(x)) }

  /// The 128 penultimate activations of images [N, 1, 28, 28] with pixels in [0, 1].
  public func features(_ x: Tensor) -> Tensor {
    guard x.rank == 4, Array(x.shape.dropFirst()) == [1, 28, 28] else {
      fatalError("FashionFeatureNetwork: expected images of shape [N, 1, 28, 28], got \(x.shape)")
    }
    return embedding(convolutions(x))
  }

  /// Features and class probabilities of many images, in evaluation mode, without a graph, a
  /// batch at a time: ([N, 128], [N, 10]).
  public func measure(_ images: Tensor, batchSize: Int = 500) -> (features: Tensor, probabilities: Tensor) {
    let wasTraining = isTraining
    eval()
    defer { if wasTraining { train() } }
    return withNoGrad {
      var features: [Tensor] = [], probabilities: [Tensor] = []
      for start in stride(from: 0, to: images.shape[0], by: batchSize) {
        let f = self.features(images.narrow(axis: 0, start: start, length: min(batchSize, images.shape[0] - start)).to(.float32))
        features.append(f)
        probabilities.append(softmax(classifier(f), axis: 1))
      }
      return (Tensor.cat(features, axis: 0), Tensor.cat(probabilities, axis: 0))
    }
  }
}

/// A trained feature network, and how it was obtained.
public struct FeatureNetworkCheckpoint {
  public let network: FashionFeatureNetwork
  /// Accuracy on the 10,000 test images, measured when it was trained (kept in the checkpoint).
  public let testAccuracy: Double
  /// True when it was trained in this call, false when read from the checkpoint.
  public let trained: Bool
}

extension FashionFeatureNetwork {
  /// The network saved at `path`, or a new one trained on `train` (three epochs of Adam, seeded),
  /// checked on `test` and saved there atomically. A checkpoint that cannot be read, or that holds
  /// another architecture, is never used: the network is retrained and `note` says why.
  public static func loadOrTrain(path: String, train: FashionMNIST, test: FashionMNIST, seed: UInt64 = 0, epochs: Int = 3,
                                 note: (String) -> Void = { print($0) }) throws -> FeatureNetworkCheckpoint {
    if FileManager.default.fileExists(atPath: path) {
      do {
        let (tensors, metadata) = try SafeTensors.readWithMetadata(path)
        guard metadata["architecture"] == architecture, let accuracy = metadata["test_accuracy"].flatMap(Double.init) else {
          throw DataError("\(path) holds \(metadata["architecture"].map { "'\($0)'" } ?? "no architecture name"), not '\(architecture)'")
        }
        let network = FashionFeatureNetwork()
        try network.load(stateDict: tensors)
        network.eval()
        return FeatureNetworkCheckpoint(network: network, testAccuracy: accuracy, trained: false)
      } catch {
        note("feature network: the checkpoint cannot be used (\(error)); training a new one")
      }
    }
    let network = FashionFeatureNetwork(generator: Generator(seed: seed &+ 7))
    try trainFeatureNetwork(network, train: train, epochs: epochs, seed: seed, note: note)
    let accuracy = classificationAccuracy(network, test)
    note(String(format: "feature network: test accuracy %.4f after %d epochs; saved to %@", accuracy, epochs, path))
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try network.save(to: path, metadata: ["architecture": architecture, "test_accuracy": String(accuracy),
                                          "epochs": String(epochs), "seed": String(seed)])
    network.eval()
    return FeatureNetworkCheckpoint(network: network, testAccuracy: accuracy, trained: true)
  }
}

/// Adam (lr 1e-3), batch 128, cross-entropy: d2l's recipe for a small CNN.
private func trainFeatureNetwork(_ network: FashionFeatureNetwork, train: FashionMNIST, epochs: Int, seed: UInt64,
                                 note: (String) -> Void) throws {
  let optimizer = Adam(parameters: network.parameters(), lr: 1e-3)
  let loader = DataLoader(train, batchSize: 128, shuffle: true, prefetch: true, generator: Generator(seed: seed &+ 8))
  network.train()
  for epoch in 1...epochs {
    var total = 0.0, batches = 0
    for batch in loader {
      let loss = crossEntropy(logits: network(batch.inputs), targets: batch.labels)
      let value = loss.item()
      guard value.isFinite else { throw DataError("feature network: the training loss became \(value) in epoch \(epoch)") }
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      total += value
      batches += 1
    }
    note(String(format: "feature network: epoch %d of %d, training loss %.4f", epoch, epochs, total / Double(max(batches, 1))))
  }
}

/// The share of `data`'s images whose highest class score is their label.
public func classificationAccuracy(_ network: FashionFeatureNetwork, _ data: FashionMNIST) -> Double {
  let probabilities = network.measure(data.images).probabilities
  let predicted = probabilities.argmax(axis: 1).toArray(Int64.self), labels = data.labels.toArray(Int64.self)
  return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
}
