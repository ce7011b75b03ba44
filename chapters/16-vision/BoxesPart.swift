import ChapterKit
import Foundation
import Torchlight
import TorchlightData
import TorchlightPlot
import TorchlightVision

/// Part `boxes`: IoU on hand-worked boxes, the detector's anchors over a canvas, which anchors
/// the ground truth is assigned, the offsets that code a box and their inverse, and NMS.
func runBoxesPart(_ options: ChapterOptions<Defaults>, _ plotter: Plotter, scenes: CanvasSplits) throws {
  section("Intersection over union")
  let cases: [((Double, Double, Double, Double), (Double, Double, Double, Double), String)] = [
    ((0, 0, 4, 4), (2, 2, 6, 6), "overlap 2×2 = 4, union 16 + 16 − 4 = 28"),
    ((0, 0, 4, 4), (0, 0, 4, 2), "one inside the other: 8 / 16"),
    ((0, 0, 4, 4), (4, 0, 8, 4), "touching edges: no area in common"),
    ((0, 0, 4, 4), (1, 1, 1, 3), "an empty box (zero width): 0 by convention, not 0/0"),
  ]
  for (a, b, why) in cases {
    print(String(format: "IoU(%@, %@) = %.4f   (%@)", "\(a)", "\(b)", boxIoU(a, b), why))
  }

  section("Anchors")
  let anchors = TinySSD.anchors, size = Double(scenes.test.size)
  for scale in TinySSD.scales {
    print("\(scale.side)×\(scale.side) feature map: sizes \(scale.sizes), ratios \(scale.ratios) → \(scale.perCell) anchors per cell, \(scale.side * scale.side * scale.perCell) in all")
  }
  print("\(anchors.shape[0]) anchors per canvas")
  // How well the anchors fit the test boxes: each box's best IoU with any anchor.
  var best: [Double] = [], sides: [Double] = [], aspects: [Double] = []
  for i in 0..<scenes.test.count {
    let truth = scenes.test[i].boxes / size
    guard truth.shape[0] > 0 else { continue }
    best += boxIoU(truth, anchors.to(truth.dtype)).max(axis: 1).values.toDoubles()
    let t = truth.toDoubles()
    for k in 0..<truth.shape[0] {
      let (w, h) = (t[4 * k + 2] - t[4 * k], t[4 * k + 3] - t[4 * k + 1])
      sides.append((w * h).squareRoot()); aspects.append(w / h)
    }
  }
  print("the test boxes: √(w·h) " + quartiles(sides) + " of the canvas; width/height " + quartiles(aspects))
  let matched = Double(best.filter { $0 >= 0.5 }.count) / Double(max(1, best.count))
  print(String(format: "the %d test boxes' best IoU with an anchor: mean %.3f; %.1f%% reach 0.5 (the rest are assigned their best anchor anyway)",
               best.count, best.reduce(0, +) / Double(max(1, best.count)), 100 * matched))

  section("Offsets")
  let example = scenes.test.batch(at: [0])
  let target = multiboxTarget(anchors: anchors, boxes: example.boxes / size, labels: example.labels)
  let assigned = target.classes[0].toArray(Int64.self).enumerated().filter { $0.element > 0 }.map(\.offset)
  let index = Tensor(assigned.map(Int64.init), shape: [assigned.count])
  let decoded = offsetInverse(anchors: anchors.indexSelect(axis: 0, index: index), offsets: target.offsets[0].indexSelect(axis: 0, index: index))
  let offsets = target.offsets[0].indexSelect(axis: 0, index: index)
  print("canvas 0 holds \(example.labels.toArray(Int64.self).filter { $0 >= 0 }.count) items; \(assigned.count) anchors are assigned to them (IoU ≥ 0.5, or the best for each item)")
  print(String(format: "their offsets lie in [%.2f, %.2f]; decoding them gives the boxes back to %.1e of the canvas",
               offsets.min().item(), offsets.max().item(),
               (decoded - boxesOf(example, assigned: assigned, classes: target.classes[0], anchors: anchors, size: size)).abs().max().item()))

  section("Non-maximum suppression")
  let candidates = Tensor([[10.0, 10, 30, 40], [12, 11, 31, 42], [40, 40, 60, 60], [11, 9, 29, 38], [41, 42, 62, 61]])
  let scores = Tensor([0.9, 0.8, 0.7, 0.6, 0.95])
  let kept = nms(boxes: candidates, scores: scores, iouThreshold: 0.5).toArray(Int64.self)
  print("five boxes scored [0.9, 0.8, 0.7, 0.6, 0.95] in two clusters; NMS at IoU 0.5 keeps \(kept) (the best of each cluster)")

  try drawAnchorFigure(plotter, scenes.test, assigned: assigned, anchors: anchors)
  printResult(chapter: Defaults.chapter, model: "anchors", ["anchors": Double(anchors.shape[0]), "mean_best_iou": best.reduce(0, +) / Double(max(1, best.count)),
                                                            "matched_frac": matched, "nms_kept": Double(kept.count)],
              extra: ["part": "boxes"])
}

/// The ground-truth box each of the `assigned` anchors was matched to (by its IoU), in 0…1.
func boxesOf(_ batch: FashionCanvas.Batch, assigned: [Int], classes: Tensor, anchors: Tensor, size: Double) -> Tensor {
  let labels = batch.labels[0].toArray(Int64.self)
  let real = labels.indices.filter { labels[$0] >= 0 }
  let truth = batch.boxes[0].indexSelect(axis: 0, index: Tensor(real.map(Int64.init), shape: [real.count])) / size
  let match = assignAnchors(groundTruth: truth.to(anchors.dtype), anchors: anchors).toArray(Int64.self)
  return truth.indexSelect(axis: 0, index: Tensor(assigned.map { match[$0] }, shape: [assigned.count])).to(anchors.dtype)
}

/// Three panels over the first test canvas: the anchors of one cell of each feature map, then
/// the anchors assigned to its items with the items' boxes.
func drawAnchorFigure(_ plotter: Plotter, _ test: FashionCanvas, assigned: [Int], anchors: Tensor) throws {
  let example = test[0], s = Double(test.size)
  let corners = anchors.toDoubles()
  func box(_ a: Int, color: Int, label: String = "") -> GridBox {
    GridBox(x1: corners[4 * a] * s, y1: corners[4 * a + 1] * s, x2: corners[4 * a + 2] * s, y2: corners[4 * a + 3] * s, label: label, color: color)
  }
  var panels: [[GridBox]] = []
  var start = 0
  for scale in TinySSD.scales {
    // The cell nearest the canvas centre.
    let cell = (scale.side / 2) * scale.side + scale.side / 2
    panels.append((0..<scale.perCell).map { k in box(start + cell * scale.perCell + k, color: k, label: k == 0 ? "\(scale.side)×\(scale.side)" : "") })
    start += scale.side * scale.side * scale.perCell
  }
  let t = example.boxes.toDoubles()
  var matchedPanel = (0..<example.labels.count).map { k in
    GridBox(x1: t[4 * k], y1: t[4 * k + 1], x2: t[4 * k + 2], y2: t[4 * k + 3], label: classNames[Int(example.labels.toArray(Int64.self)[k])], color: 7, dashed: true)
  }
  matchedPanel += assigned.map { box($0, color: 3) }
  panels.append(matchedPanel)
  let image = example.image.toDoubles()
  try plotter.save(ImageGrid(title: "Anchors: one cell of each feature map (8×8, 4×4, 2×2), and the anchors assigned to the items (red)",
                             images: Array(repeating: image, count: 4), height: test.size, width: test.size, columns: 4,
                             captions: ["8×8 map: 4 anchors", "4×4 map: 4 anchors", "2×2 map: 4 anchors", "\(assigned.count) anchors assigned"],
                             boxes: panels),
                   name: "anchors", width: 1200, height: 420)
}

/// The 10th, 50th and 90th percentiles of some values, as text.
func quartiles(_ values: [Double]) -> String {
  let v = values.sorted()
  guard !v.isEmpty else { return "—" }
  let at = { (q: Double) in v[min(v.count - 1, Int(q * Double(v.count)))] }
  return String(format: "%.2f / %.2f / %.2f (10th / 50th / 90th percentile)", at(0.1), at(0.5), at(0.9))
}
