import Foundation
import TorchlightData
import TorchlightMetrics

/// The Fashion-MNIST feature network that the generative chapters score their samples with:
/// read from `feature-network.safetensors` in the output folder, or trained (seeded, 1 epoch
/// with `--quick`, else 3) and saved there, with a line saying which. A file that cannot be
/// used is never used: the network is retrained, with a note.
public func loadFeatureNetwork<D>(_ options: ChapterOptions<D>, train: FashionMNIST, test: FashionMNIST) throws -> FeatureNetworkCheckpoint {
  let path = (options.output as NSString).appendingPathComponent("feature-network.safetensors")
  let checkpoint: FeatureNetworkCheckpoint
  do {
    checkpoint = try FashionFeatureNetwork.loadOrTrain(path: path, train: train, test: test, seed: options.seed,
                                                      epochs: options.quick ? 1 : 3) { print("  " + $0) }
  } catch let error as DataError {
    throw ChapterError(error.description)
  }
  print((checkpoint.trained ? "  trained and saved to " : "  read from ") + path
        + String(format: " (test accuracy %.4f)", checkpoint.testAccuracy))
  return checkpoint
}
