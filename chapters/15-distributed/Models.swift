import Torchlight
import TorchlightNN

/// The two networks of the chapter: chapter 05's MLP and chapter 07's LeNet, as there.
enum Network: String, CaseIterable {
  case mlp, lenet

  /// A freshly initialised network. Each rank seeds it differently on purpose:
  /// DistributedDataParallel's broadcast from rank 0 is what makes the replicas equal.
  func make(seed: UInt64) -> Sequential {
    Torchlight.manualSeed(seed)
    switch self {
    case .mlp:
      return Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLU(), Linear(inFeatures: 256, outFeatures: 10))
    case .lenet:
      let net = Sequential(
        Conv2d(1, 6, kernelSize: 5, padding: 2), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2),
        Conv2d(6, 16, kernelSize: 5), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten(),
        Linear(inFeatures: 16 * 5 * 5, outFeatures: 120), Sigmoid(), Linear(inFeatures: 120, outFeatures: 84), Sigmoid(),
        Linear(inFeatures: 84, outFeatures: 10))
      _ = net.apply { m in
        if let c = m as? Conv2d { Init.xavierUniform(c.weight) }
        if let l = m as? Linear { Init.xavierUniform(l.weight) }
      }
      return net
    }
  }

  /// SGD's learning rate for the global batch: `--lr` for the MLP, chapter 07's 0.9 for LeNet.
  func learningRate(_ mlpRate: Double) -> Double { self == .mlp ? mlpRate : 0.9 }

  /// Epochs without `--epochs`.
  var defaultEpochs: Int { self == .mlp ? 5 : 3 }
}
