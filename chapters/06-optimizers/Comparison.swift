import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// The same MLP (784 → 256 → 10, ReLU, PyTorch's default initialisation) trained by different
/// optimizers, each with a learning rate in its usual range. Every run starts from the same
/// weights and sees the same batches in the same order, so only the update rule differs.
let mlpOptimizers: [(key: String, name: String, make: @Sendable ([Tensor]) -> any Optimizer)] = [
  ("sgd", "SGD lr 0.1", { SGD(parameters: $0, lr: 0.1) }),
  ("momentum", "SGD momentum 0.9, lr 0.01", { SGD(parameters: $0, lr: 0.01, momentum: 0.9) }),
  ("nesterov", "Nesterov 0.9, lr 0.01", { SGD(parameters: $0, lr: 0.01, momentum: 0.9, nesterov: true) }),
  ("adagrad", "Adagrad lr 0.05", { Adagrad(parameters: $0, lr: 0.05) }),
  ("rmsprop", "RMSprop lr 0.001", { RMSprop(parameters: $0, lr: 0.001) }),
  ("adam", "Adam lr 0.001", { Adam(parameters: $0, lr: 0.001) }),
  ("adamw", "AdamW lr 0.001, decay 0.01", { AdamW(parameters: $0, lr: 0.001, weightDecay: 0.01) }),
]

func mlp(seed: UInt64) -> Sequential {
  let g = Generator(seed: seed)
  return Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256, generator: g), ReLU(),
                    Linear(inFeatures: 256, outFeatures: 10, generator: g))
}

struct OptimizerRun {
  let name: String
  let history: [EpochStats]
  let log: TrainingLog
}

func compareOnMLP(options: ChapterOptions<Defaults>, train: FashionMNIST, test: FashionMNIST, epochs: Int) throws -> [OptimizerRun] {
  try mlpOptimizers.map { key, name, make in
    let net = mlp(seed: options.seed)
    let optimizer = make(net.parameters())
    let model = Classifier(module: net, loss: { crossEntropy(logits: $0, targets: $1) }, optimizer: optimizer)
    let log = TrainingLog(chapter: Defaults.chapter, model: key, output: options.output, plotTerminal: options.plotTerminal)
    print("\n\(name)")
    let history = try fit(model, train: train, test: test, epochs: epochs, batchSize: options.batchSize,
                      generator: Generator(seed: options.seed &+ 1), log: log)
    return OptimizerRun(name: name, history: history, log: log)
  }
}

func drawComparison(_ plotter: Plotter, _ runs: [OptimizerRun]) throws {
  let epochs = { (h: [EpochStats]) in h.indices.map { Double($0 + 1) } }
  try plotter.save(LinePlot(title: "MLP on Fashion-MNIST: training loss per epoch", xLabel: "epoch", yLabel: "train loss (log scale)",
                            series: runs.map { Series($0.name, x: epochs($0.history), y: $0.history.map(\.trainLoss), style: .linesPoints) },
                            logY: true), name: "mlp-loss")
  try plotter.save(LinePlot(title: "MLP on Fashion-MNIST: test accuracy per epoch", xLabel: "epoch", yLabel: "test accuracy",
                            series: runs.map { Series($0.name, x: epochs($0.history), y: $0.history.map(\.testAccuracy), style: .linesPoints) }),
                   name: "mlp-accuracy")
}
