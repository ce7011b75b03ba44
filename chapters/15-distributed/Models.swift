import Torchlight
import TorchlightNN

/// The two networks of the chapter: chapter 05's MLP and chapter 07's LeNet, as there.
enum Network: String, CaseIterable {
  case mlp, lenet

  /// A freshly initialised network. Each rank seeds it differently on purpose:
  /// DistributedDataParallel's broadcast from rank 0 is what makes the replicas equal.
  func make(seed: UInt64) -> Sequential {
    Torchlight.manualSeed(seed)
    return self == .mlp ? textbookMLP() : textbookLeNet()
  }

  /// SGD's learning rate for the global batch: `--lr` for the MLP, chapter 07's 0.9 for LeNet.
  func learningRate(_ mlpRate: Double) -> Double { self == .mlp ? mlpRate : 0.9 }

  /// Epochs without `--epochs`.
  var defaultEpochs: Int { self == .mlp ? 5 : 3 }
}
