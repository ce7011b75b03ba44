import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// The class-conditional image model: the U-Net, what it predicts, the schedule it was trained
/// with, and what training recorded.
final class ImageDiffusion {
  /// The label that means "no label" (the unconditional model of classifier-free guidance).
  static let noLabel = 10
  let unet: DiffusionUNet
  let prediction: Prediction
  let schedule = NoiseSchedule.linear(steps: imageSteps)
  /// Mean loss of every 50 training steps, and the ten-class snapshot after each epoch.
  var losses: [Double] = [], snapshots: [[Double]] = []
  var secondsPerEpoch = 0.0, finalLoss = Double.nan

  init(unet: DiffusionUNet, prediction: Prediction) { (self.unet, self.prediction) = (unet, prediction) }

  /// What the network learns to output for images x₀ noised by `noise` at steps t: ε itself, or
  /// v = √ᾱ_t ε − √(1 − ᾱ_t) x₀.
  func target(_ x0: Tensor, steps t: [Int], noise: Tensor) -> Tensor {
    prediction == .velocity ? schedule.velocity(x0, steps: t, noise: noise) : noise
  }

  /// ε̂ for the samplers, with classifier-free guidance at scale w applied to the network's
  /// outputs: ô = ô(x, t, ∅) + w·(ô(x, t, y) − ô(x, t, ∅)), a velocity turned into noise after
  /// mixing (a linear map, so mixing v̂ or ε̂ gives the same). w = 0 is the unconditional model,
  /// w = 1 the conditional one; larger w pushes further toward what distinguishes class y (two
  /// network passes, done as one batch).
  func predictor(labels: [Int], scale: Double) -> NoisePredictor {
    let n = labels.count
    let conditional = Tensor(labels.map(Int64.init), shape: [n])
    let unconditional = Tensor([Int64](repeating: Int64(Self.noLabel), count: n), shape: [n])
    return { [unet, schedule, prediction] x, t in
      let steps = [Double](repeating: Double(t), count: n)
      let output: Tensor
      if scale == 0 || scale == 1 {
        output = unet(x, steps: steps, labels: scale == 0 ? unconditional : conditional)
      } else {
        let both = unet(Tensor.cat([x, x], axis: 0), steps: steps + steps, labels: Tensor.cat([conditional, unconditional], axis: 0))
        let (withLabel, without) = (both.narrow(axis: 0, start: 0, length: n), both.narrow(axis: 0, start: n, length: n))
        output = without + (withLabel - without) * scale
      }
      return prediction == .velocity ? schedule.noise(fromVelocity: output, x, step: t) : output
    }
  }

  /// Images [N, 1, 28, 28] in [0, 1] by DDIM in `steps` steps from the noise `start` [N, 1, 28, 28],
  /// in batches of `batchSize`, in evaluation mode.
  func sample(start: Tensor, labels: [Int], steps: Int, scale: Double, batchSize: Int = 250) -> Tensor {
    unet.eval()
    defer { unet.train() }
    var parts: [Tensor] = []
    for first in stride(from: 0, to: labels.count, by: batchSize) {
      let n = min(batchSize, labels.count - first)
      let x = ddimSample(schedule, start: start.narrow(axis: 0, start: first, length: n), count: steps, clip: -1...1,
                         predictor(labels: Array(labels[first..<(first + n)]), scale: scale))
      parts.append(x)
    }
    return ((Tensor.cat(parts, axis: 0) + 1) * 0.5).clamp(min: 0, max: 1)
  }
}

/// The trained image model: read from the output folder when a checkpoint of the same settings
/// is there (and `forceTraining` is false, i.e. part `images` is not run), else trained now.
func trainedImageModel(_ chapter: DiffusionChapter, _ train: FashionMNIST, _ quality: SampleQuality, _ plotter: Plotter,
                       forceTraining: Bool) throws -> ImageDiffusion {
  let options = chapter.options
  let epochs = options.quick ? 1 : options.epochs
  let settings = "unet2-\(chapter.prediction == .velocity ? "v-" : "")c\(chapter.channels)-cosine-e\(epochs)-b\(options.batchSize)-lr\(formatNumber(options.lr))-s\(options.seed)\(options.quick ? "-quick" : "")"
  let path = (options.output as NSString).appendingPathComponent("diffusion-unet.safetensors")
  if !forceTraining, FileManager.default.fileExists(atPath: path) {
    let unet = DiffusionUNet(channels: chapter.channels)
    if let (tensors, metadata) = try? SafeTensors.readWithMetadata(path), metadata["settings"] == settings,
       (try? unet.load(stateDict: tensors)) != nil {
      print("\n  U-Net (averaged weights) read from \(path) (\(settings))")
      return ImageDiffusion(unet: unet, prediction: chapter.prediction)
    }
    print("\n  \(path) holds another model; training one with these settings")
  }
  let model = try trainImageModel(chapter, train, epochs: epochs, plotter)
  try model.unet.save(to: path, metadata: ["settings": settings])
  print("  averaged weights saved to \(path)")
  return model
}

/// Trains the class-conditional U-Net: for each batch, a step t ~ U{0…T−1}, noise ε, x_t in one
/// jump, and the squared error of the prediction (‖ε − ε̂(x_t, t, y)‖², DDPM's simplified loss, or
/// ‖v − v̂(x_t, t, y)‖² with `--prediction velocity`), with the label replaced by "none" for 10% of
/// the images. AdamW, its rate warmed up over the first 200 steps and then decayed to zero along a
/// cosine; an exponential moving average of the weights (decay 0.999) is what samples.
func trainImageModel(_ chapter: DiffusionChapter, _ train: FashionMNIST, epochs: Int, _ plotter: Plotter) throws -> ImageDiffusion {
  let options = chapter.options
  let g = Generator(seed: options.seed &+ 1320)
  let unet = DiffusionUNet(channels: chapter.channels, generator: g)
  let model = ImageDiffusion(unet: unet, prediction: chapter.prediction)
  let optimizer = AdamW(parameters: unet.parameters(), lr: options.lr, weightDecay: 0)
  let average = ExponentialMovingAverage(parameters: unet.parameters(), decay: 0.999)
  let batch = options.batchSize, labelDropout = 0.1
  let order = Generator(seed: options.seed &+ 1321)
  let loader = DataLoader(train, batchSize: batch, shuffle: true, dropLast: true, prefetch: true, generator: order)
  let totalSteps = max(epochs * loader.count, 1)
  let schedule = WarmupCosineLR(optimizer: optimizer, warmupSteps: min(200, totalSteps - 1), decaySteps: totalSteps)
  section("Images: a class-conditional U-Net with \(unet.parameterCount.formatted()) parameters (channels \(chapter.channels)/\(2 * chapter.channels), "
          + "attention at 7×7), T = \(imageSteps) linear, predicting \(chapter.prediction == .velocity ? "v" : "ε"), AdamW \(formatNumber(options.lr)) warmed up and cosine-decayed, batch \(batch), label dropout \(formatNumber(labelDropout)), "
          + "EMA 0.999, \(epochs) epoch\(epochs == 1 ? "" : "s") of \(train.count) images")
  let log = TrainingLog(chapter: Defaults.chapter, model: "unet", output: options.output, plotTerminal: options.plotTerminal, rateUnit: "img/s")
  let snapshotNoise = Tensor.randn([10, 1, 28, 28], generator: Generator(seed: options.seed &+ 1322))
  var lastFinite: Double?, window: [Double] = [], sum = 0.0, count = 0
  let run = try TrainingRun(log: log, epochs: epochs, shuffling: [order], state: [
    "unet": .module(unet), "optimizer": .optimizer(optimizer), "schedule": .scheduler(schedule), "ema": .average(average), "rng": .generator(g),
    "losses": .numbers({ model.losses }, { model.losses = $0 }), "window": .numbers({ window }, { window = $0 }),
    "snapshots": .rows({ model.snapshots }, { model.snapshots = $0 }),
    "epoch_so_far": .numbers({ [sum, Double(count), lastFinite ?? .nan] },
                             { (sum, count, lastFinite) = ($0[0], Int($0[1]), $0[2].isNaN ? nil : $0[2]) })])
  log.watch(unet.namedParameters(), learningRate: { optimizer.lr })
  while let epoch = run.startEpoch(batches: loader.count) {
    if run.position == 0 { (sum, count) = (0, 0) }
    let batches = loader.makeIterator(startingAt: run.position)
    while let next = batches.next() {
      let step = run.position
      let x0 = next.inputs * 2 - 1
      let keep = Tensor.rand([batch], generator: g).toDoubles().map { $0 >= labelDropout }
      let labels = zip(next.labels.toArray(Int64.self), keep).map { $1 ? $0 : Int64(ImageDiffusion.noLabel) }
      let t = Tensor.randint(0, imageSteps, [batch], generator: g).toArray(Int64.self).map(Int.init)
      let noise = Tensor.randn(x0.shape, generator: g)
      let xt = model.schedule.noised(x0, steps: t, noise: noise)
      let loss = mseLoss(unet(xt, steps: t.map(Double.init), labels: Tensor(labels, shape: [batch])), model.target(x0, steps: t, noise: noise))
      optimizer.zeroGrad(); loss.backward(); optimizer.step(); schedule.step()
      average.update()
      let value = loss.item()
      try checkFinite(value, epoch: epoch, step: step + 1, lastFinite: lastFinite)
      lastFinite = value; sum += value; count += 1
      window.append(value)
      if window.count == 50 { model.losses.append(window.reduce(0, +) / 50); window.removeAll() }
      log.gradientsReady()
      log.batchDone(examples: batch, loss: value)
      try run.stepDone()
    }
    log.trainingDone()
    average.withAveragedParameters {
      model.snapshots.append(model.sample(start: snapshotNoise, labels: Array(0..<10), steps: 20, scale: 3).toDoubles())
    }
    try run.endEpoch(["loss": sum / Double(max(count, 1))])
  }
  model.finalLoss = run.lastMetric("loss")
  model.secondsPerEpoch = log.fastestEpochSeconds
  average.copyToParameters()
  try drawTraining(model, plotter)
  try drawDenoisingChain(model, seed: options.seed, plotter)
  log.result(["loss": model.finalLoss], extra: ["channels": "\(chapter.channels)", "threads": "\(options.threads)"])
  return model
}

/// The loss curve and one row of ten classes after each epoch.
func drawTraining(_ model: ImageDiffusion, _ plotter: Plotter) throws {
  if !model.losses.isEmpty {
    try plotter.save(LinePlot(title: "U-Net: the loss ‖\(model.prediction == .velocity ? "v − v̂" : "ε − ε̂")‖², mean of every 50 steps", xLabel: "training step", yLabel: "loss",
                              series: [Series("loss", x: model.losses.indices.map { Double(50 * ($0 + 1)) }, y: model.losses)]),
                     name: "images-loss")
  }
  var images: [[Double]] = [], captions: [String] = []
  for (epoch, snapshot) in model.snapshots.enumerated() {
    for k in 0..<10 {
      images.append(Array(snapshot[(k * 784)..<((k + 1) * 784)]))
      captions.append(k == 0 ? "epoch \(epoch + 1)" : "")
    }
  }
  try plotter.save(ImageGrid(title: "One sample per class after each epoch (DDIM 20 steps, guidance 3, averaged weights)",
                             images: images, height: 28, width: 28, columns: 10, captions: captions),
                   name: "images-epochs", width: 900, height: 110 * model.snapshots.count + 60)
}

/// Four samples on their way: x_t (top of each pair) and the model's estimate x̂₀ of the clean
/// image at that step (below), along a 50-step DDIM chain.
func drawDenoisingChain(_ model: ImageDiffusion, seed: UInt64, _ plotter: Plotter) throws {
  let labels = [0, 1, 7, 9]
  let start = Tensor.randn([labels.count, 1, 28, 28], generator: Generator(seed: seed &+ 1323))
  var states: [(t: Int, x: [Double], x0: [Double])] = []
  model.unet.eval()
  _ = ddimSample(model.schedule, start: start, count: 50, clip: -1...1, model.predictor(labels: labels, scale: 3)) { t, x, x0 in
    states.append((t, ((x + 1) * 0.5).clamp(min: 0, max: 1).toDoubles(), ((x0 + 1) * 0.5).clamp(min: 0, max: 1).toDoubles()))
  }
  model.unet.train()
  let shown = [0, 10, 20, 30, 38, 44, 47, 49]
  var images: [[Double]] = [], captions: [String] = []
  for k in labels.indices {
    for predicted in [false, true] {
      for i in shown {
        let pixels = predicted ? states[i].x0 : states[i].x
        images.append(Array(pixels[(k * 784)..<((k + 1) * 784)]))
        captions.append(k == 0 ? (predicted ? "x̂₀" : "t = \(states[i].t)") : "")
      }
    }
  }
  try plotter.save(ImageGrid(title: "Denoising: x_t after each shown DDIM step (odd rows) and the clean image x̂₀ predicted there (even rows)",
                             images: images, height: 28, width: 28, columns: shown.count, captions: captions),
                   name: "images-chain", width: 900, height: 900)
}
