import TorchlightVision

/// Mean average precision of a detector over a set of images (`torchmetrics`' `MeanAveragePrecision`):
/// feed it each image's detections and ground truth with `update`, then read
/// - `map50`: PASCAL VOC's mAP at IoU 0.5 — per class, all-point interpolated AP, averaged over
///   the classes that have ground truth;
/// - `map`: COCO's mAP@[.5:.95] — the 101-point AP averaged over the IoU thresholds
///   0.5, 0.55, …, 0.95 and over classes.
///
/// The two conventions also match detections to ground truth differently. Detections of a class
/// are taken by decreasing score (ties in the order they were added). VOC: a detection is a true
/// positive if its best-overlapping ground-truth box of that class in its image has IoU > t and
/// is not yet taken (if it is taken, the detection is a false positive). COCO: a detection takes
/// the untaken ground-truth box with the highest IoU ≥ t, if any, and only the `maxDetections`
/// highest-scoring detections of each class in each image count. Boxes are continuous corners
/// (x₁, y₁, x₂, y₂), so areas have no VOC-devkit "+1"; empty boxes overlap nothing (`boxIoU`).
/// There are no "difficult" or "crowd" boxes, and COCO's size ranges are not split out.
public struct MeanAveragePrecision {
  struct Image {
    var boxes: [(Double, Double, Double, Double)], scores: [Double], labels: [Int]
    var truthBoxes: [(Double, Double, Double, Double)], truthLabels: [Int]
  }

  public let classes: Int
  public let maxDetections: Int
  var images: [Image] = []

  public init(classes: Int, maxDetections: Int = 100) {
    precondition(classes > 0, "MeanAveragePrecision: classes must be positive, got \(classes)")
    precondition(maxDetections > 0, "MeanAveragePrecision: maxDetections must be positive, got \(maxDetections)")
    (self.classes, self.maxDetections) = (classes, maxDetections)
  }

  /// Adds one image: detections `boxes` `[K, 4]` with `scores` `[K]` and int64 `labels` `[K]`,
  /// and its ground truth `truthBoxes` `[G, 4]` with int64 `truthLabels` `[G]` (labels 0..<classes).
  public mutating func update(boxes: Tensor, scores: Tensor, labels: Tensor, truthBoxes: Tensor, truthLabels: Tensor) {
    let k = boxes.shape.first ?? 0, g = truthBoxes.shape.first ?? 0
    guard boxes.shape == [k, 4], scores.shape == [k], labels.shape == [k], truthBoxes.shape == [g, 4], truthLabels.shape == [g] else {
      fatalError("MeanAveragePrecision.update: expected boxes [K, 4], scores [K], labels [K], truthBoxes [G, 4] and truthLabels [G], got \(boxes.shape), \(scores.shape), \(labels.shape), \(truthBoxes.shape) and \(truthLabels.shape)")
    }
    let predicted = labels.toDoubles().map { Int($0) }, truth = truthLabels.toDoubles().map { Int($0) }
    if let bad = (predicted + truth).first(where: { $0 < 0 || $0 >= classes }) {
      fatalError("MeanAveragePrecision.update: label \(bad) is outside 0..<\(classes)")
    }
    images.append(Image(boxes: boxRows(boxes), scores: scores.toDoubles(), labels: predicted, truthBoxes: boxRows(truthBoxes), truthLabels: truth))
  }

  /// The AP of class `c` at IoU threshold `t` by VOC's (`.allPoints`) or COCO's (`.coco101`)
  /// convention; nil when the class has no ground-truth box.
  public func averagePrecision(class c: Int, iouThreshold t: Double, interpolation: PrecisionInterpolation) -> Double? {
    let (hits, truthCount) = rankedMatches(class: c, iouThreshold: t, interpolation: interpolation)
    return truthCount == 0 ? nil : TorchlightMetrics.averagePrecision(truePositives: hits, truthCount: truthCount, interpolation: interpolation)
  }

  /// The precision–recall curve of class `c` at IoU 0.5 by VOC's matching (for the figures).
  public func precisionRecallCurve(class c: Int, iouThreshold t: Double = 0.5) -> (precision: [Double], recall: [Double]) {
    let (hits, truthCount) = rankedMatches(class: c, iouThreshold: t, interpolation: .allPoints)
    return truthCount == 0 ? ([], []) : precisionRecall(truePositives: hits, truthCount: truthCount)
  }

  /// The mean over classes with ground truth of the AP at one threshold (0 when no class has any).
  public func meanAveragePrecision(iouThreshold t: Double, interpolation: PrecisionInterpolation) -> Double {
    let aps = (0..<classes).compactMap { averagePrecision(class: $0, iouThreshold: t, interpolation: interpolation) }
    return aps.isEmpty ? 0 : aps.reduce(0, +) / Double(aps.count)
  }

  /// VOC mAP at IoU 0.5 (the `map50` RESULT key).
  public var map50: Double { meanAveragePrecision(iouThreshold: 0.5, interpolation: .allPoints) }

  /// COCO's IoU thresholds 0.5, 0.55, …, 0.95, rounded as `np.linspace(.5, .95, 10)` rounds them
  /// (0.6000000000000001, …), so that an IoU on a threshold counts as it does in pycocotools.
  public static let cocoThresholds: [Double] = (0..<10).map { (k: Int) -> Double in
    let step: Double = (0.95 - 0.5) / 9
    return k == 9 ? 0.95 : 0.5 + Double(k) * step
  }

  /// COCO mAP@[.5:.95] (the `map` RESULT key).
  public var map: Double {
    Self.cocoThresholds.map { meanAveragePrecision(iouThreshold: $0, interpolation: .coco101) }.reduce(0, +) / 10
  }

  /// Class `c`'s detections over all images by decreasing score, each marked true or false
  /// positive, and the number of its ground-truth boxes.
  func rankedMatches(class c: Int, iouThreshold t: Double, interpolation: PrecisionInterpolation) -> ([Bool], Int) {
    let coco = interpolation == .coco101
    var ranked: [(score: Double, order: Int, hit: Bool)] = []
    var truthCount = 0
    for image in images {
      let truth = image.truthLabels.indices.filter { image.truthLabels[$0] == c }
      truthCount += truth.count
      var mine = image.labels.indices.filter { image.labels[$0] == c }
      mine = mine.enumerated().sorted { a, b in image.scores[a.element] > image.scores[b.element] || (image.scores[a.element] == image.scores[b.element] && a.offset < b.offset) }.map(\.element)
      if coco { mine = Array(mine.prefix(maxDetections)) }
      var taken = [Bool](repeating: false, count: truth.count)
      for d in mine {
        let ious = truth.map { boxIoU(image.boxes[d], image.truthBoxes[$0]) }
        var hit = false
        if coco {
          // The untaken box with the highest IoU of at least t.
          var best = -1, bestIoU = t
          for (j, iou) in ious.enumerated() where !taken[j] && iou >= bestIoU { (best, bestIoU) = (j, iou) }
          if best >= 0 { taken[best] = true; hit = true }
        } else if let best = ious.indices.max(by: { ious[$0] < ious[$1] || (ious[$0] == ious[$1] && $0 > $1) }), ious[best] > t, !taken[best] {
          // VOC: the best-overlapping box, if above t and still free.
          taken[best] = true; hit = true
        }
        ranked.append((image.scores[d], ranked.count, hit))
      }
    }
    ranked.sort { $0.score > $1.score || ($0.score == $1.score && $0.order < $1.order) }
    return (ranked.map(\.hit), truthCount)
  }
}

/// The rows of a `[N, 4]` tensor as tuples.
func boxRows(_ boxes: Tensor) -> [(Double, Double, Double, Double)] {
  let v = boxes.toDoubles()
  return (0..<(v.count / 4)).map { (v[4 * $0], v[4 * $0 + 1], v[4 * $0 + 2], v[4 * $0 + 3]) }
}
