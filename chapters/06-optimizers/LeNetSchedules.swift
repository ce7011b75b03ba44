import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// The textbook's schedule experiment: a LeNet with ReLU and max pooling (PyTorch's default
/// initialisation), SGD, batch 256, trained with four learning-rate schedules that step once
/// per epoch. Every run starts from the same weights and sees the same batches.
func scheduleLeNet(seed: UInt64) -> Sequential {
  let g = Generator(seed: seed)
  return Sequential(Conv2d(1, 6, kernelSize: 5, padding: 2, generator: g), ReLU(), MaxPool2d(kernelSize: 2, stride: 2),
                    Conv2d(6, 16, kernelSize: 5, generator: g), ReLU(), MaxPool2d(kernelSize: 2, stride: 2), Flatten(),
                    Linear(inFeatures: 400, outFeatures: 120, generator: g), ReLU(),
                    Linear(inFeatures: 120, outFeatures: 84, generator: g), ReLU(),
                    Linear(inFeatures: 84, outFeatures: 10, generator: g))
}

/// d2l's `CosineScheduler` as a factor of the base rate for epoch t (from 0): an optional linear
/// warm-up reaching `base` in epoch `warmup` − 1 (base/warmup in the first epoch, so no epoch is
/// wasted at lr 0), then half a cosine from `base` down to `final` by epoch `maxUpdate`, and
/// constant afterwards.
/// (PyTorch's `CosineAnnealingLR` would climb back up after `tMax`, so this is a `LambdaLR`.)
func cosineFactor(epoch t: Int, maxUpdate: Int, warmup: Int, base: Double, final: Double) -> Double {
  if t < warmup { return Double(t + 1) / Double(warmup) }
  if t >= maxUpdate { return final / base }
  let progress = Double(t - warmup) / Double(maxUpdate - warmup)
  return (final + (base - final) * (1 + cos(Double.pi * progress)) / 2) / base
}

struct ScheduleRecipe: Sendable {
  let key: String
  let name: String
  /// The textbook's test accuracy after 30 epochs.
  let textbook: String
  let lr: Double
  let make: @Sendable (SGD) -> LRScheduler?
}

let lenetScheduleRecipes: [ScheduleRecipe] = [
  ScheduleRecipe(key: "constant", name: "constant lr 0.3", textbook: "0.877", lr: 0.3, make: { _ in nil }),
  // The textbook starts this one at 0.5; on our seed-0 run that killed every ReLU in the first
  // epoch (loss stuck at ln 10), so it starts at 0.3 like the others and only the schedule differs.
  ScheduleRecipe(key: "multistep", name: "multi-step lr 0.3, ×0.5 at 15 and 30", textbook: "— (not quoted)", lr: 0.3,
                 make: { MultiStepLR(optimizer: $0, milestones: [15, 30], gamma: 0.5) }),
  ScheduleRecipe(key: "cosine", name: "cosine 0.3 → 0.01 over 20 epochs", textbook: "0.904", lr: 0.3,
                 make: { LambdaLR(optimizer: $0) { cosineFactor(epoch: $0, maxUpdate: 20, warmup: 0, base: 0.3, final: 0.01) } }),
  ScheduleRecipe(key: "warmup-cosine", name: "5 warm-up epochs, then cosine", textbook: "0.901", lr: 0.3,
                 make: { LambdaLR(optimizer: $0) { cosineFactor(epoch: $0, maxUpdate: 20, warmup: 5, base: 0.3, final: 0.01) } }),
]

struct ScheduleRun {
  let recipe: ScheduleRecipe
  let history: [EpochStats]
  let rates: [Double]
  let log: TrainingLog
}

func compareSchedulesOnLeNet(_ recipes: [ScheduleRecipe], options: ChapterOptions<Defaults>, train: FashionMNIST, test: FashionMNIST, epochs: Int) throws -> [ScheduleRun] {
  try recipes.map { recipe in
    let net = scheduleLeNet(seed: options.seed)
    let optimizer = SGD(parameters: net.parameters(), lr: recipe.lr)
    let scheduler = recipe.make(optimizer)
    var model = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer, scheduler: scheduler)
    model.learningRate = { optimizer.lr }   // the schedule's rate of each epoch, for --tensorboard
    let log = TrainingLog(chapter: Defaults.chapter, model: "lenet-\(recipe.key)", output: options.output, plotTerminal: options.plotTerminal)
    print("\n\(recipe.name)")
    let history = try fit(model, train: train, test: test, epochs: epochs, batchSize: options.batchSize,
                      generator: Generator(seed: options.seed &+ 1), log: log)
    // The rate each epoch trained with, from the schedule's closed form (also right after a resume).
    let rates = history.indices.map { scheduler?.learningRates(at: $0)[0] ?? recipe.lr }
    return ScheduleRun(recipe: recipe, history: history, rates: rates, log: log)
  }
}

func drawScheduleComparison(_ plotter: Plotter, _ runs: [ScheduleRun]) throws {
  let epochs = { (n: Int) in (1...max(n, 1)).map(Double.init) }
  try plotter.save(PlotGrid(title: "ReLU LeNet on Fashion-MNIST with four learning-rate schedules", panels: [
    LinePlot(title: "learning rate used in each epoch", xLabel: "epoch", yLabel: "lr",
             series: runs.map { Series($0.recipe.name, x: epochs($0.rates.count), y: $0.rates, style: .lines) }),
    LinePlot(title: "test accuracy", xLabel: "epoch", yLabel: "test accuracy",
             series: runs.map { Series($0.recipe.name, x: epochs($0.history.count), y: $0.history.map(\.testAccuracy), style: .linesPoints) }),
  ], columns: 2), name: "lenet-schedules", width: 1200, height: 500)
}
