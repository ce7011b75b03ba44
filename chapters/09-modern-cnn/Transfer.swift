import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The three ways of training the target task that the chapter compares.
enum TransferMode: String, CaseIterable {
  /// The pretrained backbone frozen (no gradient, BatchNorm statistics fixed); a new head trains.
  case frozen = "frozen backbone"
  /// Everything trains: the new head at the full rate, the backbone at a tenth of it.
  case fineTune = "fine-tune all"
  /// The same network from a random start.
  case scratch = "from scratch"
}

/// What one transfer run gives back: its history and the network.
struct TransferRun {
  let mode: TransferMode
  let history: [EpochStats]
  let net: FeatureClassifier
  let trainable: Int
}

/// The split of the experiment: pretraining on classes 0…4 (t-shirt, trouser, pullover, dress,
/// coat), the target task on classes 5…9 (sandal, shirt, sneaker, bag, ankle boot) relabelled
/// 0…4, with few training images, so that what the backbone learned first has to help.
enum TransferSplit {
  static let source = [0, 1, 2, 3, 4]
  static let target = [5, 6, 7, 8, 9]
}

/// Trains a 5-class ResNet on the source classes and writes its weights (safetensors,
/// atomically) to `checkpoint`.
func pretrain(shape: ResNetShape, train: FashionMNIST, test: FashionMNIST, epochs: Int, batchSize: Int, lr: Double,
              seed: UInt64, checkpoint: String, output: String) throws -> (FeatureClassifier, [EpochStats]) {
  let net = resNet(shape, classes: TransferSplit.source.count)
  let optimizer = Adam(parameters: net.parameters(), lr: lr)
  let classifier = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer)
  let log = TrainingLog(chapter: "modern-cnn", model: "pretrain-0to4", output: output)
  let history = try fit(classifier, train: train, test: test, epochs: epochs, batchSize: batchSize,
                    generator: Generator(seed: seed &+ 11), log: log)
  do {
    try net.save(to: checkpoint, metadata: ["classes": "0,1,2,3,4", "model": "resnet"])
  } catch {
    throw ChapterError("cannot write the checkpoint \(checkpoint): \(error)")
  }
  return (net, history)
}

/// One run on the target task. `frozen` and `fineTune` start from the checkpoint with a fresh
/// 5-way head; `scratch` from a fresh network. Same data, epochs and data order for all three.
func transferRun(_ mode: TransferMode, shape: ResNetShape, checkpoint: String, train: FashionMNIST, test: FashionMNIST,
                 epochs: Int, batchSize: Int, lr: Double, seed: UInt64, output: String) throws -> TransferRun {
  manualSeed(seed &+ 21)                     // the new head starts the same in every mode
  let net = resNet(shape, classes: TransferSplit.target.count)
  if mode != .scratch {
    // Only the backbone comes from the checkpoint: its head scored the source classes, and
    // the target task keeps its own fresh one.
    do {
      let backbone = try SafeTensors.read(checkpoint).compactMap { name, t in
        name.hasPrefix("backbone.") ? (String(name.dropFirst("backbone.".count)), t) : nil
      }
      try net.backbone.load(stateDict: backbone)
    } catch {
      throw ChapterError("cannot load the backbone from \(checkpoint): \(error)")
    }
  }
  let optimizer: Adam
  switch mode {
  case .frozen:
    net.backbone.requiresGrad(false)
    optimizer = Adam(parameters: net.head.parameters(), lr: lr)
  case .fineTune:
    optimizer = Adam(parameters: net.head.parameters(), lr: lr)
    optimizer.addParamGroup(net.backbone.parameters()) { $0.lr = lr / 10 }
  case .scratch:
    optimizer = Adam(parameters: net.parameters(), lr: lr)
  }
  let classifier = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer,
                              setTraining: { on in
                                net.train(on)
                                if mode == .frozen { net.backbone.eval() }   // keep its BatchNorm statistics too
                              })
  let log = TrainingLog(chapter: "modern-cnn", model: "transfer-\(mode.slug)", output: output)
  let history = try fit(classifier, train: train, test: test, epochs: epochs, batchSize: batchSize,
                    generator: Generator(seed: seed &+ 31), log: log)
  return TransferRun(mode: mode, history: history, net: net, trainable: net.trainableParameterCount)
}

extension TransferMode {
  var slug: String {
    switch self {
    case .frozen: "frozen"
    case .fineTune: "finetune"
    case .scratch: "scratch"
    }
  }
}
