import Torchlight
import TorchlightNN
import ChapterKit

/// The two networks of the chapter: chapter 05's MLP and chapter 07's LeNet, as there.
/// Each rank makes its network with a different seed on purpose: DistributedDataParallel's broadcast
/// from rank 0 is what makes the replicas equal.
typealias Network = TextbookNetwork

extension TextbookNetwork {
  /// Epochs without `--epochs`.
  var defaultEpochs: Int { self == .mlp ? 5 : 3 }
}
