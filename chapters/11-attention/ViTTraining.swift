import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// What one ViT run trains with: the options, shrunk by `--quick` to a seconds-long run.
struct ViTSettings {
  var config: ViTConfig
  var epochs: Int, batchSize: Int, warmup: Int
  var lr: Double, weightDecay: Double

  init(_ o: ViTOptions, quick: Bool) {
    config = ViTConfig(imageSize: 28, patchSize: o.patchSize, numClasses: 10, embedDim: o.vitDim, depth: o.vitDepth,
                       numHeads: o.vitHeads, mlpDim: o.vitMlp, dropout: o.vitDropout)
    (epochs, batchSize, warmup, lr, weightDecay) = (o.vitEpochs, o.vitBatchSize, o.vitWarmup, o.vitLr, o.vitWeightDecay)
    if quick {
      // One narrow block, two epochs in batches of 25 at a higher rate: seconds even in a debug build.
      config.embedDim = min(config.embedDim, 16); config.depth = 1; config.mlpDim = min(config.mlpDim, 32)
      config.numHeads = config.embedDim % config.numHeads == 0 ? config.numHeads : 1
      epochs = min(epochs, 2); batchSize = min(batchSize, 25); warmup = min(warmup, 4); lr = max(lr, 5e-3)
    }
  }
}

/// Training images with, for distillation, the teacher's logits for each one, so that a
/// shuffled batch carries the soft targets of its own images.
struct TeacherLabelledImages: BatchDataset {
  let images: Tensor, labels: Tensor
  /// [count, classes], or nil to train on the labels alone.
  let teacherLogits: Tensor?

  var count: Int { images.shape[0] }
  subscript(index: Int) -> (input: Tensor, label: Tensor) { (images[index], labels[index]) }

  func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor, teacher: Tensor?) {
    let index = Tensor(indices.map(Int64.init), shape: [indices.count])
    return (images.indexSelect(axis: 0, index: index), labels.indexSelect(axis: 0, index: index),
            teacherLogits?.indexSelect(axis: 0, index: index))
  }
}

/// How the teacher enters the loss (see `distillationLoss`).
struct Distillation {
  var logits: Tensor
  var temperature: Double, alpha: Double
}

/// Trains `model` on `train` with AdamW (decay on matrices only) and a per-step warm-up +
/// cosine schedule to 0, scoring `test` after each epoch. With a teacher the loss is
/// `distillationLoss` on its cached logits, otherwise the cross-entropy with the labels.
func trainViT(_ model: VisionTransformer, train: FashionMNIST, test: FashionMNIST, settings s: ViTSettings,
              teacher: Distillation? = nil, seed: UInt64, log: TrainingLog) throws -> [EpochStats] {
  let (decay, noDecay) = model.weightDecayGroups()
  let optimizer = AdamW(parameters: decay, lr: s.lr, weightDecay: s.weightDecay)
  optimizer.addParamGroup(noDecay) { $0.weightDecay = 0 }
  let data = TeacherLabelledImages(images: train.images, labels: train.labels, teacherLogits: teacher?.logits)
  let order = Generator(seed: seed)
  let loader = DataLoader(data, batchSize: s.batchSize, shuffle: true, generator: order)
  let totalSteps = max(2, loader.count * s.epochs)
  let schedule = WarmupCosineLR(optimizer: optimizer, warmupSteps: min(s.warmup, totalSteps - 1), decaySteps: totalSteps)
  let scorer = Classifier(module: model, loss: { crossEntropy(logits: $0, targets: $1) }, step: {})
  var history: [EpochStats] = [], lastFinite: Double?
  var stats = EpochStats(), seen = 0.0
  let run = try TrainingRun(log: log, epochs: s.epochs, shuffling: [order], state: [
    "model": .module(model), "optimizer": .optimizer(optimizer), "schedule": .scheduler(schedule),
    "history": .rows({ history.map { [$0.trainLoss, $0.trainAccuracy, $0.testLoss, $0.testAccuracy] } }, { rows in
      history = rows.map { var e = EpochStats(); (e.trainLoss, e.trainAccuracy, e.testLoss, e.testAccuracy) = ($0[0], $0[1], $0[2], $0[3]); return e }
    }),
    "epoch_so_far": .numbers({ [stats.trainLoss, stats.trainAccuracy, seen, lastFinite ?? .nan] },
                             { (stats.trainLoss, stats.trainAccuracy, seen) = ($0[0], $0[1], $0[2]); lastFinite = $0[3].isNaN ? nil : $0[3] })])
  log.watch(model.namedParameters(), learningRate: { optimizer.lr })
  while let epoch = run.startEpoch(batches: loader.count) {
    model.train()
    if run.position == 0 { (stats, seen) = (EpochStats(), 0) }
    let batches = loader.makeIterator(startingAt: run.position)
    while let batch = batches.next() {
      let scores = model(batch.inputs)
      let loss = teacher.map {
        distillationLoss(studentLogits: scores, teacherLogits: batch.teacher!, targets: batch.labels,
                         temperature: $0.temperature, alpha: $0.alpha)
      } ?? crossEntropy(logits: scores, targets: batch.labels)
      let value = loss.item()
      try checkFinite(value, epoch: epoch, step: run.position + 1, lastFinite: lastFinite)
      lastFinite = value
      optimizer.zeroGrad()
      loss.backward()
      log.gradientsReady()
      optimizer.step()
      schedule.step()
      let n = Double(batch.labels.count)
      stats.trainLoss += value * n
      stats.trainAccuracy += withNoGrad { accuracy(logits: scores, targets: batch.labels) } * n
      seen += n
      log.batchDone(examples: batch.labels.count, loss: value)
      try run.stepDone()
    }
    log.trainingDone()
    var done = stats
    done.trainLoss /= seen
    done.trainAccuracy /= seen
    (done.testLoss, done.testAccuracy) = evaluate(scorer, test)
    history.append(done)
    try run.endEpoch(["train_loss": done.trainLoss, "train_acc": done.trainAccuracy,
                      "test_loss": done.testLoss, "test_acc": done.testAccuracy])
  }
  return history
}
