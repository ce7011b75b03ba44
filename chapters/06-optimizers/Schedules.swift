import Foundation
import TorchlightOptim
import TorchlightPlot

/// Every scheduler's learning rate over 100 epochs, from a base rate of 0.1. Each runs on an
/// optimizer of its own holding a dummy parameter, since a schedule only reads and writes the
/// optimizer's learning rate. The value recorded for epoch t is the rate used during epoch t,
/// read before `step()` moves to t + 1, as in a training loop.
func scheduleCurves(epochs: Int = 100) -> [(name: String, lr: [Double])] {
  func optimizer() -> SGD { SGD(parameters: [Tensor.zeros([1]).requiringGrad()], lr: 0.1) }
  func run(_ name: String, _ make: (SGD) -> LRScheduler) -> (String, [Double]) {
    let opt = optimizer()
    let scheduler = make(opt)
    var rates: [Double] = []
    for _ in 0..<epochs {
      rates.append(opt.lr)
      opt.step()           // (an epoch of training would go here)
      scheduler.step()
    }
    return (name, rates)
  }
  var curves: [(String, [Double])] = [
    run("StepLR(30, γ 0.1)") { StepLR(optimizer: $0, stepSize: 30, gamma: 0.1) },
    run("MultiStepLR([30,60,80], γ 0.5)") { MultiStepLR(optimizer: $0, milestones: [30, 60, 80], gamma: 0.5) },
    run("ExponentialLR(γ 0.95)") { ExponentialLR(optimizer: $0, gamma: 0.95) },
    run("CosineAnnealingLR(100)") { CosineAnnealingLR(optimizer: $0, tMax: 100, etaMin: 0.001) },
    run("WarmRestarts(10, ×2)") { CosineAnnealingWarmRestarts(optimizer: $0, t0: 10, tMult: 2, etaMin: 0.001) },
    run("LinearLR(⅓ → 1, 20)") { LinearLR(optimizer: $0, startFactor: 1.0 / 3, endFactor: 1, totalIters: 20) },
    run("LambdaLR(1/√(t+1))") { LambdaLR(optimizer: $0, lambda: { 1 / Double($0 + 1).squareRoot() }) },
    run("OneCycleLR(max 0.1)") { OneCycleLR(optimizer: $0, maxLR: 0.1, totalSteps: epochs) },
    run("Sequential: warm-up, cosine") { opt in
      SequentialLR(optimizer: opt, schedulers: [LinearLR(optimizer: opt, startFactor: 0.01, endFactor: 1, totalIters: 5),
                                                CosineAnnealingLR(optimizer: opt, tMax: epochs - 5, etaMin: 0.001)], milestones: [5])
    },
    run("Chained: Exp × MultiStep") { opt in
      ChainedScheduler(schedulers: [ExponentialLR(optimizer: opt, gamma: 0.98), MultiStepLR(optimizer: opt, milestones: [50], gamma: 0.2)])
    },
  ]
  // ReduceLROnPlateau watches a metric instead of counting epochs: here a validation loss that
  // improves for ten epochs, then stalls at 0.3 (with noise), so the rate drops after `patience` epochs without progress.
  let opt = optimizer()
  let plateau = ReduceLROnPlateau(optimizer: opt, mode: .min, factor: 0.5, patience: 5, cooldown: 3, minLR: 0.005)
  var rates: [Double] = []
  for t in 0..<epochs {
    rates.append(opt.lr)
    let loss = Swift.max(1 / Double(t + 1).squareRoot(), 0.3) + 0.05 * Double(t % 3)
    plateau.step(loss)
  }
  curves.append(("ReduceLROnPlateau(5, ×0.5)", rates))
  return curves
}

func drawSchedules(_ plotter: Plotter, _ curves: [(name: String, lr: [Double])]) throws {
  let panels = curves.enumerated().map { i, c in
    LinePlot(title: c.name, xLabel: "epoch", yLabel: "lr",
             series: [Series("", x: c.lr.indices.map(Double.init), y: c.lr, color: i)])
  }
  try plotter.save(PlotGrid(title: "Learning rate per epoch, base rate 0.1 (one y scale for all panels)", panels: panels, columns: 4, sharedY: true),
                   name: "schedules", width: 1400, height: 900)
}
