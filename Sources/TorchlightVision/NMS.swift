/// Non-maximum suppression (`torchvision.ops.nms`): of boxes that overlap, keep only the most
/// confident. Visit boxes from the highest score down; keep a box unless its IoU with a box
/// already kept exceeds `iouThreshold`. Returns the kept indices (int64 `[K]`), highest score
/// first; equal scores keep their input order (a stable sort). Empty boxes overlap nothing (IoU
/// 0), so they are never suppressed and suppress nothing.
public func nms(boxes: Tensor, scores: Tensor, iouThreshold: Double) -> Tensor {
  checkBoxes(boxes, "nms", rank: 2)
  guard scores.shape == [boxes.shape[0]] else {
    fatalError("nms: expected one score per box, [\(boxes.shape[0])], got scores \(scores.shape)")
  }
  let kept = greedyNMS(boxTuples(boxes), scores.toDoubles(), among: Array(0..<boxes.shape[0]), iouThreshold: iouThreshold)
  return Tensor(kept.map(Int64.init), shape: [kept.count])
}

/// NMS within each class separately (`torchvision.ops.batched_nms`): boxes of different classes
/// never suppress each other. `classes` holds an integer class per box. Returns the kept
/// indices of all classes together, highest score first (stable for ties).
public func batchedNMS(boxes: Tensor, scores: Tensor, classes: Tensor, iouThreshold: Double) -> Tensor {
  checkBoxes(boxes, "batchedNMS", rank: 2)
  let n = boxes.shape[0]
  guard scores.shape == [n], classes.shape == [n] else {
    fatalError("batchedNMS: expected one score and one class per box, [\(n)], got scores \(scores.shape) and classes \(classes.shape)")
  }
  let tuples = boxTuples(boxes), s = scores.toDoubles(), c = classes.toDoubles()
  var kept: [Int] = []
  for cls in Set(c) {
    kept += greedyNMS(tuples, s, among: (0..<n).filter { c[$0] == cls }, iouThreshold: iouThreshold)
  }
  kept = stableOrder(kept, by: s)
  return Tensor(kept.map(Int64.init), shape: [kept.count])
}

/// `indices` sorted by decreasing score, ties in increasing index.
func stableOrder(_ indices: [Int], by scores: [Double]) -> [Int] {
  indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
}

/// Greedy NMS over the boxes at `indices`.
func greedyNMS(_ boxes: [(Double, Double, Double, Double)], _ scores: [Double], among indices: [Int], iouThreshold: Double) -> [Int] {
  var kept: [Int] = []
  for i in stableOrder(indices, by: scores) where !kept.contains(where: { boxIoU(boxes[$0], boxes[i]) > iouThreshold }) {
    kept.append(i)
  }
  return kept
}
