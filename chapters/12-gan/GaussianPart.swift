import ChapterKit
import Foundation
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// d2l §20.1: real data is a Gaussian bent by a linear map, X = Z·A + b with Z ~ N(0, I); the
/// generator is one linear layer, so it can reach the data exactly (G(z) = zA + b), and the
/// discriminator a small tanh MLP. The textbook's sizes and rates: 1000 points, batch 8, Adam
/// 0.05 for D and 0.005 for G, 20 epochs, weights from N(0, 0.02²), summed BCE.
func runGaussianPart(_ chapter: GANChapter, _ plotter: Plotter) throws {
  let options = chapter.options
  let epochs = options.quick ? 2 : 20, batch = 8
  section("A GAN on a 2-D Gaussian (d2l §20.1): X = Z·A + b, generator Linear(2, 2), discriminator 2-5-3-1 with tanh, \(epochs) epochs")
  let g = Generator(seed: options.seed &+ 120)
  let a = Tensor([1.0, 2, -0.1, 0.5], shape: [2, 2]).float(), b = Tensor([1.0, 2]).float()
  let data = Tensor.randn([1000, 2], generator: g).matmul(a) + b
  let netG = Linear(inFeatures: 2, outFeatures: 2, generator: g)
  let netD = Sequential(Linear(inFeatures: 2, outFeatures: 5, generator: g), Tanh(),
                        Linear(inFeatures: 5, outFeatures: 3, generator: g), Tanh(),
                        Linear(inFeatures: 3, outFeatures: 1, generator: g))
  for p in netD.parameters() + netG.parameters() { withNoGrad { _ = Init.normal(p, std: 0.02, generator: g) } }
  let optimizerD = Adam(parameters: netD.parameters(), lr: 0.05), optimizerG = Adam(parameters: netG.parameters(), lr: 0.005)
  let log = TrainingLog(chapter: Defaults.chapter, model: "gaussian", output: options.output, plotTerminal: options.plotTerminal)
  let order = Generator(seed: options.seed &+ 121)
  let probe = Tensor.randn([100, 2], generator: Generator(seed: options.seed &+ 122))   // the same z for every snapshot
  let shown = Set([1, 2, 5, 10, 20].filter { $0 <= epochs } + [epochs])
  var lossesD: [Double] = [], lossesG: [Double] = [], sumD = 0.0, sumG = 0.0
  /// The generated probe points after each shown epoch: [epoch, x₁, x₂, x₁, x₂, …].
  var snapshots: [[Double]] = []
  let realPoints = data.narrow(axis: 0, start: 0, length: 100).toDoubles()
  let batches = data.shape[0] / batch
  let run = try TrainingRun(log: log, epochs: epochs, shuffling: [order], state: [
    "generator": .module(netG), "discriminator": .module(netD), "optimizer_G": .optimizer(optimizerG),
    "optimizer_D": .optimizer(optimizerD), "rng": .generator(g), "losses_D": .numbers({ lossesD }, { lossesD = $0 }),
    "losses_G": .numbers({ lossesG }, { lossesG = $0 }), "epoch_so_far": .numbers({ [sumD, sumG] }, { (sumD, sumG) = ($0[0], $0[1]) }),
    "snapshots": .rows({ snapshots }, { snapshots = $0 })])
  log.watch(netG.namedParameters().prefixed("G.") + netD.namedParameters().prefixed("D."))
  while let epoch = run.startEpoch(batches: batches) {
    let permutation = Tensor.randperm(data.shape[0], generator: order)
    if run.position == 0 { (sumD, sumG) = (0, 0) }
    for k in run.position..<batches {
      let x = data.indexSelect(axis: 0, index: permutation.narrow(axis: 0, start: k * batch, length: batch))
      let z = Tensor.randn([batch, 2], generator: g)
      // D step: real → 1, generated → 0; G's output is detached so only D learns here.
      let lossD = discriminatorLoss(real: netD(x), fake: netD(netG(z).detached()), reduction: .sum)
      optimizerD.zeroGrad(); lossD.backward(); optimizerD.step()
      // G step: make D say 1 to generated points (the non-saturating loss).
      let lossG = generatorLoss(fake: netD(netG(z)), .nonSaturating, reduction: .sum)
      optimizerG.zeroGrad(); lossG.backward(); optimizerG.step()
      let (valueD, valueG) = (lossD.item(), lossG.item())
      sumD += valueD; sumG += valueG
      log.batchDone(examples: batch, loss: valueD)     // TensorBoard's batch/loss: the discriminator's
      try run.stepDone()
    }
    log.trainingDone()
    lossesD.append(sumD / Double(batches * batch)); lossesG.append(sumG / Double(batches * batch))
    try checkFinite(lossesD.last! + lossesG.last!, epoch: epoch, step: batches, lastFinite: nil)
    if shown.contains(epoch) { snapshots.append([Double(epoch)] + withNoGrad { netG(probe) }.toDoubles()) }
    try run.endEpoch(["loss_D": lossesD.last!, "loss_G": lossesG.last!])
  }
  let panels = snapshots.map { row in
    let fake = Array(row.dropFirst())
    return LinePlot(title: "epoch \(Int(row[0]))", xLabel: "x₁", yLabel: "x₂", series: [
      Series("real", x: stride(from: 0, to: 200, by: 2).map { realPoints[$0] }, y: stride(from: 1, to: 200, by: 2).map { realPoints[$0] },
             style: .points, color: 0),
      Series("generated", x: stride(from: 0, to: 200, by: 2).map { fake[$0] }, y: stride(from: 1, to: 200, by: 2).map { fake[$0] },
             style: .points, color: 1)], xRange: -4...6, yRange: -3...7)
  }
  try plotter.save(PlotGrid(title: "Real points (100) and the generator's output for the same 100 noise vectors", panels: panels,
                            columns: min(panels.count, 3)), name: "gaussian-samples", width: 1100, height: 700)
  try plotter.save(LinePlot(title: "Both players' losses per epoch (summed BCE per example)", xLabel: "epoch", yLabel: "loss",
                            series: [Series("discriminator", x: lossesD.indices.map { Double($0 + 1) }, y: lossesD, style: .linesPoints),
                                     Series("generator", x: lossesG.indices.map { Double($0 + 1) }, y: lossesG, style: .linesPoints)]),
                   name: "gaussian-losses")

  // What G learned: its map z ↦ zW + c against the data's A and b, compared through the moments.
  let generated = withNoGrad { netG(Tensor.randn([10_000, 2], generator: g)) }
  let (dataMean, dataCov) = moments(data), (fakeMean, fakeCov) = moments(generated)
  print("  data mean \(format(dataMean)), covariance \(format(dataCov))   (exact: b = [1, 2], AᵀA = [1.01, 1.95; 1.95, 4.25])")
  print("  generated mean \(format(fakeMean)), covariance \(format(fakeCov))")
  let meanGap = zip(dataMean, fakeMean).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
  let initialGap = zip(dataMean, [0.0, 0]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
  print(String(format: "  distance between the means: %.3f (an untrained G outputs points near 0: %.3f)", meanGap, initialGap))
  log.result(["loss_D": lossesD.last!, "loss_G": lossesG.last!, "mean_distance": meanGap, "initial_mean_distance": initialGap])
}

/// The mean [2] and covariance [2 × 2] of points [N, 2].
func moments(_ points: Tensor) -> (mean: [Double], covariance: [Double]) {
  let x = points.to(.float64), mean = x.mean(axis: 0), centred = x - mean
  return (mean.toDoubles(), (centred.transposed().matmul(centred) / Double(x.shape[0] - 1)).toDoubles())
}

private func format(_ values: [Double]) -> String { "[" + values.map { String(format: "%.2f", $0) }.joined(separator: ", ") + "]" }
