import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightMetrics
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// Part `segmentation`: the transposed convolution as the adjoint of convolution, checked
/// numerically; its bilinear initialisation against `interpolate`; then the FCN trained on the
/// canvases' masks and scored by pixel accuracy and mean IoU on the test canvases.
func runSegmentationPart(_ options: ChapterOptions<Defaults>, _ plotter: Plotter, scenes: CanvasSplits) throws {
  section("Transposed convolution: the adjoint of convolution")
  let adjoint = checkAdjoint(generator: Generator(seed: options.seed &+ 170))
  print(String(format: "⟨conv(x), y⟩ = %.12f, ⟨x, convT(y)⟩ = %.12f (float64, 3→5 channels, kernel 4, stride 2, padding 1): relative gap %.1e",
               adjoint.left, adjoint.right, adjoint.gap))
  let bilinear = checkBilinear(generator: Generator(seed: options.seed &+ 171))
  print(String(format: "ConvTranspose2d(kernel 8, stride 4, padding 2) with bilinear weights vs interpolate(×4, bilinear): max difference %.1e away from the 2-pixel border (%.2f at it)",
               bilinear.inside, bilinear.border))
  printResult(chapter: Defaults.chapter, model: "conv-transpose", ["adjoint_gap": adjoint.gap, "bilinear_gap": bilinear.inside],
              extra: ["part": "segmentation"])

  let epochs = trainingEpochs(options)
  manualSeed(options.seed &+ 172)
  let net = FCN(width: options.quick ? 16 : 32)
  section("Segmentation: FCN, \(net.parameterCount.formatted()) parameters, \(scenes.train.count) training canvases, \(epochs) epochs, batch \(options.batchSize), Adam lr \(formatNumber(options.lr)) with cosine decay")
  let optimizer = Adam(parameters: net.parameters(), lr: options.lr)
  let schedule = CosineAnnealingLR(optimizer: optimizer, tMax: max(epochs, 1))
  let flips = Generator(seed: options.seed &+ 173)
  let loader = DataLoader(scenes.train, batchSize: options.batchSize, shuffle: true, prefetch: true,
                          generator: Generator(seed: options.seed &+ 174)) { $0.randomHorizontalFlip(generator: flips) }
  let log = TrainingLog(chapter: Defaults.chapter, model: "fcn", output: options.output, plotTerminal: options.plotTerminal)
  var scores = SegmentationScores(classes: 11)
  var curves: [(loss: Double, miou: Double, pixelAccuracy: Double)] = []
  for epoch in 1...max(epochs, 1) where epochs > 0 {
    net.train(true)
    log.startEpoch(epoch, of: epochs, batches: loader.count)
    var lossSum = 0.0, seen = 0.0
    for batch in loader {
      let loss = pixelCrossEntropy(net(batch.images), batch.masks)
      loss.backward()
      optimizer.step()
      optimizer.zeroGrad()
      let n = Double(batch.images.shape[0])
      lossSum += loss.item() * n; seen += n
      log.batchDone(examples: batch.images.shape[0], loss: loss.item())
    }
    log.trainingDone()
    schedule.step()
    scores = scoreSegmenter(net, scenes.test, batchSize: 128)
    curves.append((lossSum / seen, scores.meanIoU, scores.pixelAccuracy))
    log.endEpoch(["train_loss": lossSum / seen, "pixel_acc": scores.pixelAccuracy, "miou": scores.meanIoU])
  }
  if epochs == 0 { scores = scoreSegmenter(net, scenes.test, batchSize: 128) }
  print(String(format: "test canvases: pixel accuracy %.4f, mean IoU %.4f over background + 10 classes (target ≥ 0.6)", scores.pixelAccuracy, scores.meanIoU))
  print("  IoU per class: " + (0..<11).map { c in
    (c == 0 ? "background" : classNames[c - 1]) + " " + (scores.iou(class: c).map { String(format: "%.3f", $0) } ?? "—")
  }.joined(separator: ", "))
  try drawSegmentationFigures(plotter, net, scenes.test, curves: curves)
  log.result(["train_loss": curves.last?.loss ?? .nan, "pixel_acc": scores.pixelAccuracy, "miou": scores.meanIoU,
              "parameters": Double(net.parameterCount)],
             extra: ["part": "segmentation", "threads": "\(options.threads)"])
}

/// Cross-entropy over every pixel: scores `[B, C, H, W]` against classes int64 `[B, H, W]`.
func pixelCrossEntropy(_ scores: Tensor, _ masks: Tensor) -> Tensor {
  let c = scores.shape[1]
  return crossEntropy(logits: scores.permuted(0, 2, 3, 1).reshaped([-1, c]), targets: masks.reshaped([-1]))
}

/// The most likely class of every pixel, int64 `[B, H, W]`.
func segment(_ net: FCN, _ images: Tensor) -> Tensor {
  net.train(false)
  defer { net.train(true) }
  return withNoGrad { net(images).argmax(axis: 1) }
}

func scoreSegmenter(_ net: FCN, _ canvases: FashionCanvas, batchSize: Int) -> SegmentationScores {
  var scores = SegmentationScores(classes: 11)
  for start in stride(from: 0, to: canvases.count, by: batchSize) {
    let batch = canvases.batch(at: Array(start..<min(canvases.count, start + batchSize)))
    scores.update(predicted: segment(net, batch.images), truth: batch.masks)
  }
  return scores
}

/// ⟨conv(x), y⟩ and ⟨x, convT(y)⟩ for random float64 x, y and one shared weight: a transposed
/// convolution computes what the convolution's matrix transposed computes, so the two agree.
func checkAdjoint(generator: Generator) -> (left: Double, right: Double, gap: Double) {
  let w = Tensor.normal([5, 3, 4, 4], dtype: .float64, generator: generator)
  let x = Tensor.normal([2, 3, 10, 10], dtype: .float64, generator: generator)
  let cx = conv2d(x, weight: w, stride: 2, padding: 1)                      // [2, 5, 5, 5]
  let y = Tensor.normal(cx.shape, dtype: .float64, generator: generator)
  let left = (cx * y).sum().item(), right = (x * convTranspose2d(y, weight: w, stride: 2, padding: 1)).sum().item()
  return (left, right, Swift.abs(left - right) / Swift.max(Swift.abs(left), 1e-300))
}

/// The bilinear-initialised transposed convolution against `interpolate`, inside and at the border.
func checkBilinear(generator: Generator) -> (inside: Double, border: Double) {
  let up = ConvTranspose2d(3, 3, kernelSize: 8, stride: 4, padding: 2, bias: false, dtype: .float64)
  Init.bilinear(up.weight)
  let x = Tensor.uniform([1, 3, 6, 6], low: 0, high: 1, dtype: .float64, generator: generator)
  let (a, b) = withNoGrad { (up(x), interpolate(x, scaleFactor: 4, mode: .bilinear)) }
  let gap = (a - b).abs()
  let inside = gap.narrow(axis: 2, start: 2, length: 20).narrow(axis: 3, start: 2, length: 20).max().item()
  return (inside, gap.max().item())
}

/// Test canvases, their true masks and the FCN's, and the training curves.
func drawSegmentationFigures(_ plotter: Plotter, _ net: FCN, _ test: FashionCanvas, curves: [(loss: Double, miou: Double, pixelAccuracy: Double)]) throws {
  let count = min(8, test.count)
  let batch = test.batch(at: Array(0..<count))
  let predicted = segment(net, batch.images)
  var images: [[Double]] = [], overlays: [[Double]?] = [], captions: [String] = []
  for i in 0..<count { images.append(batch.images[i].toDoubles()); overlays.append(nil); captions.append("canvas \(i)") }
  for i in 0..<count {
    images.append(batch.images[i].toDoubles()); overlays.append(batch.masks[i].toDoubles())
    captions.append(classList(batch.masks[i]))
  }
  for i in 0..<count {
    var one = SegmentationScores(classes: 11)
    one.update(predicted: predicted[i], truth: batch.masks[i])
    images.append(batch.images[i].toDoubles()); overlays.append(predicted[i].toDoubles())
    captions.append(String(format: "pixels %.0f%% right", 100 * one.pixelAccuracy))
  }
  try plotter.save(ImageGrid(title: "FCN on test canvases: each class in its colour, the background uncoloured", images: images,
                             height: test.size, width: test.size, columns: count, captions: captions, overlays: overlays,
                             overlayClasses: ["background"] + classNames, rowLabels: ["canvas", "truth", "FCN"]),
                   name: "segmentation", width: 1400, height: 650)
  guard !curves.isEmpty else { return }
  let x = curves.indices.map { Double($0 + 1) }
  try plotter.save(LinePlot(title: "FCN: training loss and test mean IoU by epoch", xLabel: "epoch", yLabel: "pixel cross-entropy",
                            series: [Series("training loss", x: x, y: curves.map(\.loss), style: .linesPoints, color: 0),
                                     Series("test mean IoU", x: x, y: curves.map(\.miou), style: .linesPoints, color: 1, axis: .right),
                                     Series("test pixel accuracy", x: x, y: curves.map(\.pixelAccuracy), style: .dashed, color: 2, axis: .right)],
                            y2Label: "mean IoU, pixel accuracy", y2Range: 0...1),
                   name: "segmentation-curves")
}

/// The classes present in a mask, by name.
func classList(_ mask: Tensor) -> String {
  let present = Set(mask.toArray(Int64.self).filter { $0 > 0 })
  return present.sorted().map { classNames[Int($0) - 1] }.joined(separator: ", ")
}
