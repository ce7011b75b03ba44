import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// Test accuracies the ViT is read beside: the textbook's ViT (d2l §11.8: 96×96 inputs, patch
/// 16, width 512, 2 blocks, SGD for 10 epochs on a GPU) and chapter 09's ResNet (seed 0, 4 epochs).
enum ViTReference {
  static let textbook = 0.861
  static let chapter09ResNet = 0.9199
}

/// Part `vit`: a Vision Transformer trained on Fashion-MNIST from its labels, with its curves,
/// the learned position-embedding similarities and the class token's attention as figures.
/// Part `distill` (`teacher: true`): the same ViT, same seed and batches, trained against the
/// soft targets of chapter 09's ResNet as well as the labels.
func runViTPart(_ chapter: AttentionChapter, _ plotter: Plotter, teacher useTeacher: Bool) throws {
  let options = chapter.options, o = chapter.vit, quick = options.quick
  let (train, test) = try options.loadFashionMNIST(quickLimit: (train: 300, test: 200))
  let s = ViTSettings(o, quick: quick)
  let c = s.config
  let name = useTeacher ? "vit-distilled" : "vit"

  var distillation: Distillation?
  var teacher: Teacher?
  if useTeacher {
    section("The teacher: chapter 09's ResNet")
    let t = try Teacher(options: options, epochs: quick ? 1 : o.teacherEpochs, train: train, test: test)
    print("  \(t.trained ? "trained and saved to" : "loaded from") \(t.checkpoint): \(t.net.parameterCount.formatted()) parameters, "
          + "test accuracy \(formatMetric(t.testAccuracy))")
    let start = now()
    distillation = Distillation(logits: t.logits(for: train.images), temperature: o.distillTemperature, alpha: o.distillAlpha)
    print(String(format: "  its logits for the %d training images, computed once: %.1f s", train.count, now() - start))
    printResult(chapter: Defaults.chapter, model: "resnet-teacher", ["test_acc": t.testAccuracy],
                extra: ["params": "\(t.net.parameterCount)", "trained": t.trained ? "yes" : "no"])
    teacher = t
  }

  let g = 28 / c.patchSize
  section(useTeacher ? "The ViT with the ResNet as teacher (T = \(formatNumber(o.distillTemperature)), α = \(formatNumber(o.distillAlpha)))"
                     : "A Vision Transformer on Fashion-MNIST\(quick ? " (quick run)" : "")")
  let model = VisionTransformer(c, generator: Generator(seed: options.seed &+ 21))
  print("  28×28 images in \(c.patchSize)×\(c.patchSize) patches: \(g)×\(g) = \(c.numPatches) tokens + the class token; "
        + "width \(c.embedDim), \(c.depth) pre-norm blocks of \(c.numHeads) heads, MLP \(c.mlpDim): \(model.parameterCount.formatted()) parameters")
  print("  AdamW lr \(formatNumber(s.lr)) (weight decay \(formatNumber(s.weightDecay)) on matrices), \(s.warmup) warm-up steps "
        + "then cosine to 0, batch \(s.batchSize), \(s.epochs) epoch\(s.epochs == 1 ? "" : "s")")
  let log = TrainingLog(chapter: Defaults.chapter, model: name, output: options.output, plotTerminal: options.plotTerminal)
  let history = try trainViT(model, train: train, test: test, settings: s, teacher: distillation,
                             seed: options.seed &+ 22, log: log)
  let last = history.last!

  let series: [Series] = [
    Series("train loss", x: history.indices.map { Double($0 + 1) }, y: history.map(\.trainLoss), style: .linesPoints, color: 0),
    Series("test loss", x: history.indices.map { Double($0 + 1) }, y: history.map(\.testLoss), style: .linesPoints, color: 1),
    Series("test accuracy", x: history.indices.map { Double($0 + 1) }, y: history.map(\.testAccuracy), style: .linesPoints, color: 2),
  ]
  try plotter.save(LinePlot(title: "\(useTeacher ? "ViT taught by a ResNet" : "ViT"), \(c.patchSize)×\(c.patchSize) patches: loss and test accuracy",
                            xLabel: "epoch", yLabel: "loss / accuracy", series: series), name: "\(name)-curves")
  try plotter.save(positionSimilarityFigure(model, title: "Position embeddings: cosine similarity between patches"),
                   name: "\(name)-position-similarity", width: 640, height: 600)
  try plotter.save(classTokenAttentionFigure(model, test: test, count: 8,
                                             title: "Last block: attention of the class token to each patch (mean of heads, then each head)"),
                   name: "\(name)-attention", width: 1000, height: 1000)

  let (neighbours, others) = neighbourSimilarity(model)
  print(String(format: "  position embeddings: mean cosine similarity %.3f between patches that share an edge, %.3f between the others",
               neighbours, others))
  let imagesPerSecond = Double(train.count) / max(log.fastestEpochSeconds, 1e-9)
  section("Test accuracy")
  print("  this ViT\(useTeacher ? " (taught)" : ""): \(formatMetric(last.testAccuracy)) after \(s.epochs) epochs, \(model.parameterCount.formatted()) parameters")
  if let teacher { print("  its teacher, chapter 09's ResNet: \(formatMetric(teacher.testAccuracy))") }
  print("  chapter 09's ResNet (4 epochs): \(formatMetric(ViTReference.chapter09ResNet)); the textbook's ViT (96×96, patch 16, GPU): \(formatMetric(ViTReference.textbook))")
  let rate = String(format: "%.0f", imagesPerSecond)
  if let teacher {
    log.result(["train_loss": last.trainLoss, "test_loss": last.testLoss, "test_acc": last.testAccuracy,
                "teacher_test_acc": teacher.testAccuracy],
               extra: ["patch": "\(c.patchSize)", "params": "\(model.parameterCount)", "images_per_sec": rate,
                       "temperature": formatNumber(o.distillTemperature), "alpha": formatNumber(o.distillAlpha)])
  } else {
    log.result(["train_loss": last.trainLoss, "test_loss": last.testLoss, "test_acc": last.testAccuracy],
               extra: ["patch": "\(c.patchSize)", "params": "\(model.parameterCount)", "images_per_sec": rate])
  }
}
