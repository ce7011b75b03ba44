import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightMetrics
import TorchlightNN
import TorchlightOptim
import TorchlightPlot
import TorchlightVision

/// Part `detection`: the single-shot detector trained on the canvases (random horizontal flips,
/// boxes flipped with them), then scored on the test canvases by VOC mAP@0.5 and COCO
/// mAP@[.5:.95], with the detections and each class's precision–recall curve drawn.
func runDetectionPart(_ options: ChapterOptions<Defaults>, _ plotter: Plotter, scenes: CanvasSplits) throws {
  let epochs = trainingEpochs(options)
  manualSeed(options.seed &+ 160)
  let net = TinySSD(width: options.quick ? 16 : 32)
  let anchors = TinySSD.anchors, size = Double(scenes.train.size)
  section("Detection: TinySSD, \(net.parameterCount.formatted()) parameters, \(anchors.shape[0]) anchors, \(scenes.train.count) training canvases, \(epochs) epochs, batch \(options.batchSize), Adam lr \(formatNumber(options.lr)) with cosine decay")
  let optimizer = Adam(parameters: net.parameters(), lr: options.lr)
  let schedule = CosineAnnealingLR(optimizer: optimizer, tMax: max(epochs, 1))
  let flips = Generator(seed: options.seed &+ 161)
  let loader = DataLoader(scenes.train, batchSize: options.batchSize, shuffle: true, prefetch: true,
                          generator: Generator(seed: options.seed &+ 162)) { $0.randomHorizontalFlip(generator: flips) }
  let log = TrainingLog(chapter: Defaults.chapter, model: "ssd", output: options.output, plotTerminal: options.plotTerminal)
  let criterion = DetectionLoss()
  var metrics = MeanAveragePrecision(classes: 10)
  var curves: [(classLoss: Double, boxLoss: Double, map50: Double)] = []
  for epoch in 1...max(epochs, 1) where epochs > 0 {
    net.train(true)
    log.startEpoch(epoch, of: epochs, batches: loader.count)
    var classSum = 0.0, boxSum = 0.0, seen = 0.0
    for batch in loader {
      let target = multiboxTarget(anchors: anchors, boxes: batch.boxes / size, labels: batch.labels)
      let (scores, offsets) = net.predict(batch.images)
      let loss = criterion(scores: scores, offsets: offsets, targetOffsets: target.offsets, masks: target.masks, classes: target.classes)
      loss.total.backward()
      optimizer.step()
      optimizer.zeroGrad()
      let n = Double(batch.images.shape[0])
      classSum += loss.classLoss * n; boxSum += loss.boxLoss * n; seen += n
      log.batchDone(examples: batch.images.shape[0], loss: loss.classLoss + loss.boxLoss)
    }
    log.trainingDone()
    schedule.step()
    metrics = scoreDetector(net, scenes.test, batchSize: 128)
    curves.append((classSum / seen, boxSum / seen, metrics.map50))
    log.endEpoch(["class_loss": classSum / seen, "box_loss": boxSum / seen, "map50": metrics.map50, "map": metrics.map])
  }
  if epochs == 0 { metrics = scoreDetector(net, scenes.test, batchSize: 128) }

  print(String(format: "test canvases: mAP@0.5 %.4f (VOC, all points), mAP@[.5:.95] %.4f (COCO, 101 points); target mAP@0.5 ≥ 0.7", metrics.map50, metrics.map))
  print("  per class AP@0.5: " + (0..<10).map { c in
    "\(classNames[c]) " + (metrics.averagePrecision(class: c, iouThreshold: 0.5, interpolation: .allPoints).map { String(format: "%.3f", $0) } ?? "—")
  }.joined(separator: ", "))
  try drawDetectionFigures(plotter, net, scenes.test, metrics: metrics, curves: curves)
  log.result(["train_loss": (curves.last.map { $0.classLoss + $0.boxLoss }) ?? .nan, "map50": metrics.map50, "map": metrics.map,
              "parameters": Double(net.parameterCount)],
             extra: ["part": "detection", "threads": "\(options.threads)"])
}

/// What the detector found on one canvas: boxes `[K, 4]` in pixels, scores `[K]`, classes `[K]`.
struct Found {
  let boxes: Tensor, scores: Tensor, labels: Tensor
}

/// The detector's detections on canvases (`[B, 1, S, S]`), boxes in pixels.
func detect(_ net: TinySSD, _ images: Tensor, scoreThreshold: Double = 0.01) -> [Found] {
  net.train(false)
  defer { net.train(true) }
  return withNoGrad {
    let (scores, offsets) = net.predict(images)
    let size = Double(images.shape[3])
    return multiboxDetection(classProbabilities: softmax(scores, axis: -1), offsets: offsets, anchors: TinySSD.anchors,
                             iouThreshold: 0.45, scoreThreshold: scoreThreshold, maxDetections: 100)
      .map { Found(boxes: $0.boxes * size, scores: $0.scores, labels: $0.labels) }
  }
}

/// mAP of the detector over every canvas of `canvases`.
func scoreDetector(_ net: TinySSD, _ canvases: FashionCanvas, batchSize: Int) -> MeanAveragePrecision {
  var metrics = MeanAveragePrecision(classes: 10)
  for start in stride(from: 0, to: canvases.count, by: batchSize) {
    let indices = Array(start..<min(canvases.count, start + batchSize))
    let found = detect(net, canvases.batch(at: indices).images)
    for (i, index) in indices.enumerated() {
      let truth = canvases[index]
      metrics.update(boxes: found[i].boxes, scores: found[i].scores, labels: found[i].labels,
                     truthBoxes: truth.boxes, truthLabels: truth.labels)
    }
  }
  return metrics
}

/// Detections above 0.5 on the first test canvases (truth dashed), each class's PR curve, and
/// the losses and mAP by epoch.
func drawDetectionFigures(_ plotter: Plotter, _ net: TinySSD, _ test: FashionCanvas, metrics: MeanAveragePrecision,
                          curves: [(classLoss: Double, boxLoss: Double, map50: Double)]) throws {
  let shown = Array(0..<min(12, test.count))
  let batch = test.batch(at: shown)
  let found = detect(net, batch.images, scoreThreshold: 0.5)
  var boxes: [[GridBox]] = []
  for (i, index) in shown.enumerated() {
    let truth = test[index]
    let t = truth.boxes.toArray(Float.self), tl = truth.labels.toArray(Int64.self)
    var list = tl.indices.map { k in GridBox(x1: Double(t[4 * k]), y1: Double(t[4 * k + 1]), x2: Double(t[4 * k + 2]), y2: Double(t[4 * k + 3]),
                                            color: 7, dashed: true) }
    let d = found[i].boxes.toArray(Float.self), s = found[i].scores.toDoubles(), l = found[i].labels.toArray(Int64.self)
    for k in l.indices {
      list.append(GridBox(x1: Double(d[4 * k]), y1: Double(d[4 * k + 1]), x2: Double(d[4 * k + 2]), y2: Double(d[4 * k + 3]),
                          label: "\(classNames[Int(l[k])]) \(String(format: "%.2f", s[k]))", color: Int(l[k])))
    }
    boxes.append(list)
  }
  let images = shown.indices.map { batch.images[$0].toDoubles() }
  try plotter.save(ImageGrid(title: "TinySSD on test canvases: detections scoring ≥ 0.5 (truth dashed grey)", images: images,
                             height: test.size, width: test.size, columns: 4, boxes: boxes),
                   name: "detections", width: 1100, height: 900)

  let pr = (0..<10).compactMap { c -> Series? in
    let curve = metrics.precisionRecallCurve(class: c)
    guard !curve.recall.isEmpty else { return nil }
    let ap = metrics.averagePrecision(class: c, iouThreshold: 0.5, interpolation: .allPoints) ?? 0
    return Series("\(classNames[c]) (AP \(String(format: "%.2f", ap)))", x: curve.recall, y: curve.precision, color: c)
  }
  try plotter.save(LinePlot(title: String(format: "Precision–recall at IoU 0.5 per class, test canvases (mAP@0.5 = %.3f)", metrics.map50),
                            xLabel: "recall", yLabel: "precision", series: pr, xRange: 0...1, yRange: 0...1.02),
                   name: "precision-recall", width: 900, height: 600)

  guard !curves.isEmpty else { return }
  let x = curves.indices.map { Double($0 + 1) }
  try plotter.save(LinePlot(title: "TinySSD: training losses and test mAP@0.5 by epoch", xLabel: "epoch", yLabel: "loss per positive anchor",
                            series: [Series("class loss (with hard negatives)", x: x, y: curves.map(\.classLoss), style: .linesPoints, color: 0),
                                     Series("box loss (smooth L1)", x: x, y: curves.map(\.boxLoss), style: .linesPoints, color: 1),
                                     Series("test mAP@0.5", x: x, y: curves.map(\.map50), style: .linesPoints, color: 2, axis: .right)],
                            y2Label: "mAP@0.5", y2Range: 0...1),
                   name: "detection-curves")
}
