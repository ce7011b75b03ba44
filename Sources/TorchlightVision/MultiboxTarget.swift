/// The training targets of a single-shot detector for one batch (d2l's `multibox_target`): for
/// each image, assign anchors to its boxes (`assignAnchors`), then give each anchor
/// - a class: 0 for background, 1 + the box's class for an assigned anchor;
/// - offsets to its box (`offsetBoxes`), zero for background;
/// - a mask, 1 for assigned anchors and 0 for background, so the box loss counts only those.
///
/// - Parameters:
///   - anchors: `[A, 4]` corner boxes, in the same coordinates as `boxes`.
///   - boxes: `[B, G, 4]` ground-truth corner boxes per image, padded.
///   - labels: int64 `[B, G]` classes 0…C−1; −1 marks padding (those rows of `boxes` are ignored).
/// - Returns: offsets `[B, A, 4]`, masks `[B, A, 4]` (both of the anchors' dtype) and
///   classes int64 `[B, A]`.
public func multiboxTarget(anchors: Tensor, boxes: Tensor, labels: Tensor, iouThreshold: Double = 0.5)
  -> (offsets: Tensor, masks: Tensor, classes: Tensor) {
  checkBoxes(anchors, "multiboxTarget", name: "anchors", rank: 2)
  checkBoxes(boxes, "multiboxTarget", name: "boxes", rank: 3)
  guard labels.dtype == .int64, labels.shape == Array(boxes.shape.prefix(2)) else {
    fatalError("multiboxTarget: expected int64 labels \(Array(boxes.shape.prefix(2))) for boxes \(boxes.shape), got \(labels.dtype) \(labels.shape)")
  }
  let a = anchors.shape[0], dtype = anchors.dtype
  var offsets: [Tensor] = [], masks: [Tensor] = [], classes: [Tensor] = []
  for b in 0..<boxes.shape[0] {
    let label = labels[b].toArray(Int64.self)
    let real = label.indices.filter { label[$0] >= 0 }
    let truth = boxes[b].indexSelect(axis: 0, index: Tensor(real.map(Int64.init), shape: [real.count])).to(dtype)
    let match = assignAnchors(groundTruth: truth, anchors: anchors, iouThreshold: iouThreshold).toArray(Int64.self)
    let cls = match.map { $0 < 0 ? 0 : label[real[Int($0)]] + 1 }
    let mask = Tensor(match.map { $0 < 0 ? 0.0 : 1.0 }, shape: [a, 1], dtype: dtype).expanded([a, 4])
    // Background anchors are paired with themselves, offset 0 before masking anyway.
    let target = real.isEmpty ? anchors
      : Tensor.where(mask .> 0, truth.indexSelect(axis: 0, index: Tensor(match.map { Swift.max($0, 0) }, shape: [a])), anchors)
    offsets.append(offsetBoxes(anchors: anchors, boxes: target) * mask)
    masks.append(mask.contiguous())
    classes.append(Tensor(cls, shape: [a]))
  }
  return (Tensor.stack(offsets), Tensor.stack(masks), Tensor.stack(classes))
}
