import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// The ResNet of the augmentation experiment: chapter 09's ResNet-18 plan at an eighth of its
/// width (8-8-16-32-64) with one residual block per stage instead of two, so that six runs fit
/// the chapter's budget; a tiny one for `--quick`.
func augmentationResNet(quick: Bool) -> FeatureClassifier {
  resNet(quick ? .quick : ResNetShape(widths: [8, 8, 16, 32, 64], blocksPerStage: 1))
}

/// One recipe's accuracies by epoch: on the clean training subset (evaluation mode, no
/// augmentation) and on the test set.
struct AugmentationRun {
  let recipe: AugmentationRecipe
  var trainAccuracy: [Double] = [], testAccuracy: [Double] = [], trainLoss: [Double] = []
  var seconds = 0.0
  var gap: Double { (trainAccuracy.last ?? .nan) - (testAccuracy.last ?? .nan) }
}

/// Part `augmentation`: the same ResNet, initial weights and batch order trained on a
/// `subset`-image slice of Fashion-MNIST with each recipe; the gap between clean training
/// accuracy and test accuracy shows how much each one curbs overfitting.
func runAugmentationPart(_ options: ChapterOptions<Defaults>, _ plotter: Plotter, train: FashionMNIST, test: FashionMNIST,
                         subset: Int, epochs: Int) throws {
  let slice = FashionMNIST(images: train.images[0..<subset].contiguous(), labels: train.labels[0..<subset].contiguous(), isTraining: true)
  try drawAugmentationExamples(plotter, slice, generator: Generator(seed: options.seed &+ 150))
  // --quick: small batches, so that the tiny network moves in one epoch.
  let lr = 0.004, batchSize = options.quick ? 32 : 128
  section("Augmentation: ResNet on \(subset.formatted()) training images, \(epochs) epoch\(epochs == 1 ? "" : "s") per recipe, batch \(batchSize), Adam lr \(formatNumber(lr)) with cosine decay")
  var runs: [AugmentationRun] = []
  for recipe in AugmentationRecipe.allCases {
    // The same initial weights, batches and augmentation draws for every recipe.
    manualSeed(options.seed &+ 151)
    let net = augmentationResNet(quick: options.quick)
    if recipe == .none { print("\(net.parameterCount.formatted()) parameters") }
    let optimizer = Adam(parameters: net.parameters(), lr: lr)
    let schedule = CosineAnnealingLR(optimizer: optimizer, tMax: max(epochs, 1))
    let draws = Generator(seed: options.seed &+ 152)
    let loader = DataLoader(slice, batchSize: batchSize, shuffle: true, generator: Generator(seed: options.seed &+ 153))
    let log = TrainingLog(chapter: Defaults.chapter, model: "resnet-\(recipe.rawValue)", output: options.output, plotTerminal: options.plotTerminal)
    var run = AugmentationRun(recipe: recipe)
    for epoch in 1...epochs {
      net.train(true)
      log.startEpoch(epoch, of: epochs, batches: loader.count)
      var lossSum = 0.0, seen = 0.0
      for batch in loader {
        let (loss, _) = recipe.loss(net, images: batch.inputs, labels: batch.labels, generator: draws)
        loss.backward()
        optimizer.step()
        optimizer.zeroGrad()
        lossSum += loss.item() * Double(batch.labels.count); seen += Double(batch.labels.count)
        log.batchDone(examples: batch.labels.count, loss: loss.item())
      }
      log.trainingDone()
      schedule.step()
      run.trainLoss.append(lossSum / seen)
      run.trainAccuracy.append(cleanAccuracy(net, slice))
      run.testAccuracy.append(cleanAccuracy(net, test))
      log.endEpoch(["train_loss": lossSum / seen, "train_acc": run.trainAccuracy.last!, "test_acc": run.testAccuracy.last!])
    }
    run.seconds = log.fastestEpochSeconds
    runs.append(run)
    log.result(["train_loss": run.trainLoss.last ?? .nan, "train_acc": run.trainAccuracy.last ?? .nan, "test_acc": run.testAccuracy.last ?? .nan,
                "gap": run.gap],
               extra: ["part": "augmentation", "recipe": recipe.rawValue, "threads": "\(options.threads)"])
  }
  printAugmentationTable(runs)
  try drawAugmentationCurves(plotter, runs, subset: subset)
}

/// Accuracy in evaluation mode, without augmentation.
func cleanAccuracy(_ net: Module, _ data: FashionMNIST) -> Double {
  net.train(false)
  defer { net.train(true) }
  var correct = 0.0
  withNoGrad {
    for start in stride(from: 0, to: data.count, by: 500) {
      let end = min(data.count, start + 500)
      correct += accuracy(logits: net(data.images[start..<end]), targets: data.labels[start..<end]) * Double(end - start)
    }
  }
  return correct / Double(max(1, data.count))
}

/// The table of the experiment: final accuracies, the gap, and how much of the plain run's gap
/// each recipe closed.
func printAugmentationTable(_ runs: [AugmentationRun]) {
  section("Summary: clean training accuracy, test accuracy and the gap between them")
  let baseline = runs.first { $0.recipe == .none }?.gap ?? .nan
  print("  recipe                       train acc  test acc   gap      gap closed  s/epoch")
  for run in runs {
    let closed = run.recipe == .none ? "—" : String(format: "%.0f%%", 100 * (baseline - run.gap) / baseline)
    print("  " + [run.recipe.title.padded(28), String(format: "%.4f", run.trainAccuracy.last ?? .nan).padded(10),
                  String(format: "%.4f", run.testAccuracy.last ?? .nan).padded(10), String(format: "%+.4f", run.gap).padded(8),
                  closed.padded(11), String(format: "%.1f", run.seconds)].joined(separator: " "))
  }
}

func drawAugmentationCurves(_ plotter: Plotter, _ runs: [AugmentationRun], subset: Int) throws {
  var series: [Series] = []
  for (i, run) in runs.enumerated() {
    let x = run.testAccuracy.indices.map { Double($0 + 1) }
    series.append(Series("\(run.recipe.title): test", x: x, y: run.testAccuracy, style: .linesPoints, color: i))
    series.append(Series("", x: x, y: run.trainAccuracy, style: .dashed, color: i))
  }
  let gaps = runs.enumerated().map { i, run in
    Series(run.recipe.title, x: run.testAccuracy.indices.map { Double($0 + 1) }, y: zip(run.trainAccuracy, run.testAccuracy).map { $0 - $1 },
           style: .linesPoints, color: i)
  }
  try plotter.save(PlotGrid(title: "ResNet on \(subset.formatted()) Fashion-MNIST images: clean training accuracy (dashed) and test accuracy (solid) per recipe",
                            panels: [LinePlot(title: "accuracy", xLabel: "epoch", yLabel: "accuracy", series: series),
                                     LinePlot(title: "train − test accuracy (the overfitting gap)", xLabel: "epoch", yLabel: "gap", series: gaps)],
                            columns: 2),
                   name: "augmentation-curves", width: 1400, height: 560)
}

/// Eight training images under each transform, one row per transform.
func drawAugmentationExamples(_ plotter: Plotter, _ data: FashionMNIST, generator: Generator) throws {
  let x = data.images[0..<8].contiguous(), labels = data.labels[0..<8].contiguous()
  let rows: [(String, Tensor)] = [
    ("original", x),
    ("flip", RandomHorizontalFlip(p: 0.5)(x, generator: generator)),
    ("crop, pad 2", RandomCrop(size: 28, padding: 2)(x, generator: generator)),
    ("resized crop", RandomResizedCrop(size: 28, scale: 0.3...1)(x, generator: generator)),
    ("jitter", ColorJitter(brightness: 0.5, contrast: 0.5)(x, generator: generator)),
    ("noise σ 0.1", GaussianNoise(std: 0.1)(x, generator: generator)),
    ("erasing", RandomErasing(p: 1)(x, generator: generator)),
    ("MixUp", MixUp(alpha: 1, classes: 10)(x, labels: labels, generator: generator).images),
    ("CutMix", CutMix(alpha: 1, classes: 10)(x, labels: labels, generator: generator).images),
  ]
  var images: [[Double]] = []
  for (_, t) in rows { for i in 0..<8 { images.append(t[i].toDoubles()) } }
  try plotter.save(ImageGrid(title: "Augmentations of the same eight training images", images: images, height: 28, width: 28, columns: 8,
                             colorScale: .shared, colorLabel: "pixel", rowLabels: rows.map(\.0)),
                   name: "augmentation-examples", width: 900, height: 1000)
}
