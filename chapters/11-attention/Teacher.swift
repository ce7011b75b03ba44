import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The teacher of part `distill`: chapter 09's ResNet (`resNet(.chapter)`, 176k parameters),
/// trained with chapter 09's recipe (Adam lr 0.001, batch 128, cosine decay over the epochs).
/// Its weights are kept in `<output>/resnet-teacher.safetensors` and reused by later runs with
/// the same settings, so the teacher is trained once.
struct Teacher {
  let net: FeatureClassifier
  let testAccuracy: Double
  /// Where the weights are, and whether this run trained them (false: loaded).
  let checkpoint: String, trained: Bool

  /// Loads the checkpoint when it exists and was trained with these settings; otherwise trains
  /// the ResNet (printing its epochs) and saves it atomically.
  init(options: ChapterOptions<Defaults>, epochs: Int, train: FashionMNIST, test: FashionMNIST) throws {
    let quick = options.quick
    let shape: ResNetShape = quick ? .quick : .chapter
    checkpoint = (options.output as NSString).appendingPathComponent(quick ? "resnet-teacher-quick.safetensors" : "resnet-teacher.safetensors")
    let recipe = ["model": "resnet", "widths": shape.widths.map(String.init).joined(separator: "-"),
                  "blocks_per_stage": "\(shape.blocksPerStage)", "epochs": "\(epochs)", "seed": "\(options.seed)",
                  "train_images": "\(train.count)"]
    manualSeed(options.seed &+ 31)
    net = resNet(shape)
    let saved = try? SafeTensors.readWithMetadata(checkpoint)
    if let saved, saved.metadata == recipe, (try? net.load(stateDict: saved.tensors)) != nil {
      trained = false
    } else {
      if FileManager.default.fileExists(atPath: checkpoint) {
        print("  \(checkpoint) holds a teacher trained with other settings (or cannot be read): training a new one")
      }
      let optimizer = Adam(parameters: net.parameters(), lr: 1e-3)
      let schedule = CosineAnnealingLR(optimizer: optimizer, tMax: epochs)
      let classifier = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer, scheduler: schedule)
      let log = TrainingLog(chapter: Defaults.chapter, model: "resnet-teacher", output: options.output)
      _ = try fit(classifier, train: train, test: test, epochs: epochs, batchSize: quick ? 25 : 128,
                  generator: Generator(seed: options.seed &+ 32), log: log)
      do {
        try FileManager.default.createDirectory(atPath: options.output, withIntermediateDirectories: true)
        try net.save(to: checkpoint, metadata: recipe)
      } catch {
        throw ChapterError("cannot write the teacher's checkpoint \(checkpoint): \(error)")
      }
      trained = true
    }
    net.eval()
    testAccuracy = evaluate(Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, step: {}), test).accuracy
    net.eval()
  }

  /// The teacher's logits for every image, [count, classes], in evaluation mode and without
  /// augmentation: they never change, so one pass before training replaces a teacher forward
  /// in every step of every epoch.
  func logits(for images: Tensor) -> Tensor {
    net.eval()
    return withNoGrad {
      let n = images.shape[0]
      return Tensor.cat(stride(from: 0, to: n, by: 1000).map { start in
        net(images.narrow(axis: 0, start: start, length: min(1000, n - start)))
      }, axis: 0)
    }
  }
}
