/// What a detector found in one image.
public struct Detections {
  /// `[K, 4]` corner boxes.
  public let boxes: Tensor
  /// `[K]` confidences, highest first.
  public let scores: Tensor
  /// int64 `[K]` classes 0..<C (background removed: class c here is row c + 1 of the probabilities).
  public let labels: Tensor
}

/// Turns a single-shot detector's outputs into detections, the SSD post-processing (d2l's
/// `multibox_detection`): for each anchor, the most probable class other than background
/// (row 0) and its probability; anchors scoring below `scoreThreshold` are dropped; the rest are
/// decoded from their offsets (`offsetInverse`), suppressed within each class (`batchedNMS`),
/// and at most `maxDetections` are kept, highest score first.
///
/// d2l instead runs NMS over all classes together and returns the suppressed anchors too, with
/// class −1; per-class NMS (as torchvision's SSD) lets a bag and a shirt overlap. Boxes are not
/// clipped to the image.
///
/// - Parameters:
///   - classProbabilities: `[B, A, C + 1]`, a softmax over background and C classes per anchor.
///   - offsets: `[B, A, 4]` predicted offsets (`offsetBoxes`' coding).
///   - anchors: `[A, 4]` corner boxes.
public func multiboxDetection(classProbabilities: Tensor, offsets: Tensor, anchors: Tensor, iouThreshold: Double = 0.5,
                              scoreThreshold: Double = 0.01, maxDetections: Int = 100) -> [Detections] {
  checkBoxes(anchors, "multiboxDetection", name: "anchors", rank: 2)
  let a = anchors.shape[0]
  guard classProbabilities.rank == 3, classProbabilities.shape[1] == a, classProbabilities.shape[2] >= 2,
        offsets.shape == [classProbabilities.shape[0], a, 4] else {
    fatalError("multiboxDetection: expected classProbabilities [B, \(a), C + 1] and offsets [B, \(a), 4] for \(a) anchors, got \(classProbabilities.shape) and \(offsets.shape)")
  }
  precondition(maxDetections >= 0, "multiboxDetection: maxDetections must not be negative, got \(maxDetections)")
  let columns = classProbabilities.shape[2]
  return withNoGrad {
    (0..<classProbabilities.shape[0]).map { b in
      let p = classProbabilities[b].toDoubles()
      var kept: [Int] = [], scores: [Double] = [], labels: [Int64] = []
      for anchor in 0..<a {
        var best = 1
        for c in 2..<columns where p[anchor * columns + c] > p[anchor * columns + best] { best = c }
        guard p[anchor * columns + best] >= scoreThreshold else { continue }
        kept.append(anchor); scores.append(p[anchor * columns + best]); labels.append(Int64(best - 1))
      }
      let index = Tensor(kept.map(Int64.init), shape: [kept.count])
      let boxes = offsetInverse(anchors: anchors, offsets: offsets[b]).indexSelect(axis: 0, index: index)
      let score = Tensor(scores, shape: [kept.count], dtype: anchors.dtype), label = Tensor(labels, shape: [kept.count])
      let order = batchedNMS(boxes: boxes, scores: score, classes: label, iouThreshold: iouThreshold)
      let top = order.narrow(axis: 0, start: 0, length: Swift.min(maxDetections, order.count))
      return Detections(boxes: boxes.indexSelect(axis: 0, index: top), scores: score.indexSelect(axis: 0, index: top),
                        labels: label.indexSelect(axis: 0, index: top))
    }
  }
}
