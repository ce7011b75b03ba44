import Foundation
import Testing
@testable import ChapterKit
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// `fit`'s gradient accumulation and moving average, on random data in float64.
@Suite("fit: accumulation and EMA") struct FitSetupTests {
  /// 100 random float64 images in 10 classes (a split that no batch size here divides).
  static func data(seed: UInt64) -> FashionMNIST {
    let g = Generator(seed: seed)
    return FashionMNIST(images: Tensor.rand([100, 1, 28, 28], dtype: .float64, generator: g),
                        labels: Tensor.randint(0, 10, [100], generator: g), isTraining: true)
  }

  /// A float64 MLP without batch-dependent layers, trained by SGD with momentum for 2 epochs.
  static func train(batchSize: Int, accumulate: Int, ema: Double? = nil) throws -> (parameters: [[Double]], history: [EpochStats]) {
    let g = Generator(seed: 1)
    let net = Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 16, dtype: .float64, generator: g), Tanh(),
                         Linear(inFeatures: 16, outFeatures: 10, dtype: .float64, generator: g))
    let optimizer = SGD(parameters: net.parameters(), lr: 0.05, momentum: 0.9)
    let model = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer)
    let log = TrainingLog(chapter: "test", model: "accumulate-\(accumulate)", output: temporaryFolder("fit-setup"))
    let history = try fit(model, train: data(seed: 2), test: data(seed: 3), epochs: 2, batchSize: batchSize,
                          generator: Generator(seed: 4), log: log, setup: TrainingSetup(accumulate: accumulate, emaDecay: ema))
    return (net.parameters().map { $0.toDoubles() }, history)
  }

  static func largestDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
    zip(a, b).flatMap { zip($0, $1).map { Swift.abs($0 - $1) } }.max() ?? .infinity
  }

  /// 4 batches of 8 take the steps of one batch of 32, also in the short last group (4 examples).
  @Test func accumulatingKBatchesOfBMatchesOneBatchOfKB() throws {
    let large = try Self.train(batchSize: 32, accumulate: 1)
    let accumulated = try Self.train(batchSize: 8, accumulate: 4)
    let small = try Self.train(batchSize: 8, accumulate: 1)
    #expect(Self.largestDifference(large.parameters, accumulated.parameters) < 1e-12)
    for (a, b) in zip(large.history, accumulated.history) {
      #expect(Swift.abs(a.testLoss - b.testLoss) < 1e-12 && Swift.abs(a.trainLoss - b.trainLoss) < 1e-12)
    }
    // Without accumulation, batches of 8 take four times as many steps: far from batch 32.
    #expect(Self.largestDifference(large.parameters, small.parameters) > 1e-3)
  }

  /// With an average the test set is scored with the averaged weights, training goes on with the
  /// trained ones (the same as without the average).
  @Test func theAverageIsWhatEvaluationSees() throws {
    let plain = try Self.train(batchSize: 10, accumulate: 1)
    let averaged = try Self.train(batchSize: 10, accumulate: 1, ema: 0.9)
    #expect(plain.parameters == averaged.parameters)
    #expect(plain.history.map(\.trainLoss) == averaged.history.map(\.trainLoss))
    #expect(plain.history.last!.testLoss != averaged.history.last!.testLoss)
    // The trained weights are scored too, beside the average: exactly what the plain run scored.
    #expect(plain.history.allSatisfy { $0.testLossWithoutEMA == nil })
    #expect(averaged.history.map(\.testLossWithoutEMA) == plain.history.map(\.testLoss))
    #expect(averaged.history.map(\.testAccuracyWithoutEMA) == plain.history.map(\.testAccuracy))
  }

  /// A resumed run counts minibatches on from the checkpoint's count (TensorBoard's step for the
  /// per-minibatch scalars), not from zero.
  @Test func aResumedRunCountsMinibatchesOn() throws {
    let folder = temporaryFolder("fit-batch-count")
    let path = (folder as NSString).appendingPathComponent("checkpoint.safetensors")
    func run(resuming: Bool) throws -> TrainingLog {
      let g = Generator(seed: 1)
      let net = Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 10, dtype: .float64, generator: g))
      let model = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) },
                             optimizer: SGD(parameters: net.parameters(), lr: 0.05))
      let store = CheckpointStore(path: path, every: 1, chapter: "test", recipe: [:])
      if resuming { try store.resume(from: path) }
      let log = TrainingLog(chapter: "test", model: "count", output: folder)
      _ = try fit(model, train: Self.data(seed: 2), test: Self.data(seed: 3), epochs: 2, batchSize: 30,
                  generator: Generator(seed: 4), log: log, setup: TrainingSetup(checkpoints: store))
      return log
    }
    let first = try run(resuming: false)
    #expect(first.totalBatches == 8)        // 2 epochs of 4 batches (30, 30, 30, 10)
    let resumed = try run(resuming: true)   // everything restored, nothing trained again
    #expect(resumed.totalBatches == 8)
  }
}
