import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// Part `dcgan` (d2l §20.2 on Fashion-MNIST at 28 × 28): trains the DCGAN and draws what it
/// learned: the fixed noise batch after every epoch, the losses, D's view of real and generated
/// images, the Fréchet distance per epoch, a walk through the latent space, and each sample
/// beside its nearest training image.
func runDCGANPart(_ chapter: GANChapter, _ plotter: Plotter, _ quality: QualityMeter) throws -> GANRun {
  let run = try trainImageGAN(ImageGANRecipe(name: "dcgan", coolDownEpochs: chapter.coolDownEpochs), chapter, quality)
  try drawSnapshots(run, plotter)
  let steps = run.lossD.indices.map(Double.init)
  try plotter.save(LinePlot(title: "DCGAN losses per generator step", xLabel: "generator step", yLabel: "BCE loss", series: [
    Series("discriminator", x: steps, y: run.lossD, color: 0), Series("generator", x: steps, y: run.lossG, color: 1)]), name: "dcgan-losses")
  let epochs = run.realProbability.indices.map { Double($0 + 1) }
  try plotter.save(LinePlot(title: "The discriminator's mean output on real and on generated images", xLabel: "epoch", yLabel: "probability of 'real'",
                            series: [Series("D(x), real", x: epochs, y: run.realProbability, style: .linesPoints),
                                     Series("D(G(z)), generated", x: epochs, y: run.fakeProbability, style: .linesPoints)],
                            yRange: 0...1), name: "dcgan-discriminator")
  try drawInterpolation(run, chapter, plotter)
  try drawNearestNeighbours(run, chapter, quality, plotter)
  return run
}

/// Ten images of the fixed noise batch after every epoch, one row per epoch (row 0: untrained).
func drawSnapshots(_ run: GANRun, _ plotter: Plotter) throws {
  var images: [[Double]] = [], captions: [String] = []
  for (epoch, snapshot) in run.snapshots.enumerated() {
    for k in 0..<10 {
      images.append(Array(snapshot[(k * 784)..<((k + 1) * 784)]))
      captions.append(k == 0 ? "epoch \(epoch)" : "")
    }
  }
  let rowTitle = run.classes == nil ? "the same ten noise vectors" : "the same noise vector for each class"
  try plotter.save(ImageGrid(title: "\(run.recipe.name): \(rowTitle) after each epoch (top: untrained)", images: images,
                             height: 28, width: 28, columns: 10, captions: captions),
                   name: "\(run.recipe.name)-epochs", width: 900, height: 110 * run.snapshots.count + 60)
  let last = run.snapshots.last!, count = snapshotCount(run.classes), columns = count / 8
  try plotter.save(ImageGrid(title: "\(run.recipe.name): \(count) samples after the last epoch" + (run.classes == nil ? "" : ", one class per column"),
                             images: (0..<count).map { Array(last[($0 * 784)..<(($0 + 1) * 784)]) },
                             height: 28, width: 28, columns: columns,
                             captions: (0..<count).map { run.classes != nil && $0 < columns ? FashionMNIST.classNames[$0] : "" }), name: "\(run.recipe.name)-samples", width: 100 * columns, height: 860)
}

/// Straight lines between pairs of noise vectors, z = (1 − t)z₀ + t·z₁: a generator that learned
/// a smooth map turns one garment into another gradually. A conditional generator keeps one class
/// along each walk (classes 0, 2, 4, 6, 8), so z changes only the style.
func drawInterpolation(_ run: GANRun, _ chapter: GANChapter, _ plotter: Plotter) throws {
  let g = Generator(seed: chapter.options.seed &+ 160)
  let (pairs, steps) = (5, 10)
  var rows: [Tensor] = []
  for _ in 0..<pairs {
    let z0 = Tensor.randn([1, chapter.latent, 1, 1], generator: g), z1 = Tensor.randn([1, chapter.latent, 1, 1], generator: g)
    for s in 0..<steps {
      let t = Double(s) / Double(steps - 1)
      rows.append(z0 * (1 - t) + z1 * t)
    }
  }
  let labels = Tensor((0..<(pairs * steps)).map { Int64(2 * ($0 / steps)) }, shape: [pairs * steps])
  let images = run.generate(Tensor.cat(rows, axis: 0), labels: labels).toDoubles()
  try plotter.save(ImageGrid(title: "Walking in a straight line through the noise space, five walks", images: (0..<(pairs * steps)).map {
    Array(images[($0 * 784)..<(($0 + 1) * 784)])
  }, height: 28, width: 28, columns: steps), name: "dcgan-interpolation", width: 900, height: 560)
}

/// Each of eight samples beside the three training images closest to it in pixel space. If the
/// generator were copying its data, the first neighbour would be the sample itself.
func drawNearestNeighbours(_ run: GANRun, _ chapter: GANChapter, _ quality: QualityMeter, _ plotter: Plotter) throws {
  let samples = run.generate(Tensor.randn([8, chapter.latent, 1, 1], generator: Generator(seed: chapter.options.seed &+ 161)))
  let flatSamples = samples.reshaped(8, 784), train = quality.train.images.reshaped(-1, 784)
  // ‖s − t‖² = ‖s‖² − 2 s·t + ‖t‖², for all pairs in one product.
  let distances = withNoGrad {
    (flatSamples * flatSamples).sum(axis: 1, keepDims: true) - flatSamples.matmul(train.transposed()) * 2
      + (train * train).sum(axis: 1).unsqueezed(axis: 0)
  }.toDoubles()
  let n = train.shape[0], trainPixels = train.contiguous().toDoubles(), samplePixels = flatSamples.toDoubles()
  var images: [[Double]] = [], captions: [String] = []
  var nearest: [Double] = []
  for i in 0..<8 {
    let row = Array(distances[(i * n)..<((i + 1) * n)])
    let best = row.indices.sorted { row[$0] < row[$1] }.prefix(3)
    images.append(Array(samplePixels[(i * 784)..<((i + 1) * 784)])); captions.append("sample")
    for j in best {
      images.append(Array(trainPixels[(j * 784)..<((j + 1) * 784)]))
      captions.append(String(format: "d = %.1f", Swift.max(row[j], 0).squareRoot()))
    }
    nearest.append(Swift.max(row[best.first!], 0).squareRoot())
  }
  try plotter.save(ImageGrid(title: "Samples (left) and their three nearest training images (Euclidean distance in pixels)", images: images,
                             height: 28, width: 28, columns: 8, captions: captions), name: "dcgan-neighbours", width: 900, height: 520)
  print(String(format: "  nearest training image of 8 samples: mean pixel distance %.2f (two different training images of the same class are typically 4–8 apart)",
               nearest.reduce(0, +) / 8))
}

/// Part `compare`: the DCGAN recipe with the minimax generator loss, and with one-sided label
/// smoothing, with the same seed for `--compare-epochs` epochs. The learning rates are constant,
/// as the DCGAN's are until its cool-down, so the DCGAN's distance after that many epochs of its
/// longer run is the one to compare with.
func runComparePart(_ chapter: GANChapter, _ plotter: Plotter, _ quality: QualityMeter) throws -> [GANRun] {
  let epochs = chapter.compareEpochs
  let minimax = try trainImageGAN(ImageGANRecipe(name: "minimax", objective: .minimax, epochs: epochs), chapter, quality)
  let smoothed = try trainImageGAN(ImageGANRecipe(name: "label-smoothing", realTarget: 0.9, epochs: epochs), chapter, quality)
  try drawSnapshots(minimax, plotter)
  try drawSnapshots(smoothed, plotter)
  return [minimax, smoothed]
}

/// Part `wgan-gp`: the Wasserstein GAN with gradient penalty on the same data, for
/// `--compare-epochs` epochs, read like part `compare` against the DCGAN after as many epochs.
func runWGANPart(_ chapter: GANChapter, _ plotter: Plotter, _ quality: QualityMeter) throws -> GANRun {
  let run = try trainImageGAN(ImageGANRecipe(name: "wgan-gp", wasserstein: true, epochs: chapter.compareEpochs), chapter, quality)
  try drawSnapshots(run, plotter)
  let steps = run.lossD.indices.map(Double.init)
  try plotter.save(LinePlot(title: "WGAN-GP: the critic's loss (its negative estimates the Wasserstein distance) and the generator's",
                            xLabel: "generator step", yLabel: "loss", series: [
                              Series("critic", x: steps, y: run.lossD, color: 0), Series("generator", x: steps, y: run.lossG, color: 1)]),
                   name: "wgan-gp-losses")
  return run
}

/// The Fréchet distance per epoch of every image GAN trained in this run, with the floor.
func drawFrechetCurves(_ runs: [GANRun], quality: QualityMeter, _ plotter: Plotter) throws {
  var series = runs.enumerated().map { i, run in
    Series(run.recipe.name, x: run.fid.indices.map(Double.init), y: run.fid, style: .linesPoints, color: i)
  }
  let epochs = Double(runs.map { $0.fid.count - 1 }.max() ?? 1)
  series.append(Series("floor: real training images", x: [0, epochs], y: [quality.floor, quality.floor], style: .dashed, color: runs.count))
  try plotter.save(LinePlot(title: "Fréchet distance to the test images after each epoch (\(quality.samples) samples; lower is better)",
                            xLabel: "epoch", yLabel: "Fréchet distance (our features)", series: series, logY: true), name: "fid")
  print("\n  model            Fréchet distance   × floor   Inception Score   s/epoch")
  for run in runs {
    print("  " + run.recipe.name.padding(toLength: 15, withPad: " ", startingAt: 0)
          + String(format: "  %16.2f   %7.1f   %15.2f   %7.1f", run.fid.last!, run.fid.last! / max(quality.floor, 1e-12),
                   run.inceptionScore.last!, run.log.fastestEpochSeconds))
  }
}
