/// Which ground-truth box each anchor must learn to predict (d2l's `assign_anchor_to_bbox`).
///
/// With J the `[A, G]` IoU matrix of anchors and ground-truth boxes:
/// 1. every anchor whose best IoU with some box reaches `iouThreshold` is assigned that box;
/// 2. then, so that no box is left without an anchor, G times: take the largest entry of J
///    (anchor a, box g), assign a to g (overriding step 1), and remove row a and column g.
/// Step 2 stops early when the largest remaining IoU is 0: a box that overlaps no free anchor
/// (an empty box, for one) is not given an arbitrary anchor. Ties go to the lowest index.
///
/// Returns, for each anchor, the index of its box, or −1 for background (int64 `[A]`).
public func assignAnchors(groundTruth: Tensor, anchors: Tensor, iouThreshold: Double = 0.5) -> Tensor {
  checkBoxes(groundTruth, "assignAnchors", name: "ground-truth boxes", rank: 2)
  checkBoxes(anchors, "assignAnchors", name: "anchors", rank: 2)
  let a = anchors.shape[0], g = groundTruth.shape[0]
  var assigned = [Int64](repeating: -1, count: a)
  guard g > 0 && a > 0 else { return Tensor(assigned, shape: [a]) }
  var iou = boxIoU(anchors.to(.float64), groundTruth.to(.float64)).toDoubles()   // row-major [A, G]
  for i in 0..<a {
    var best = 0
    for j in 1..<g where iou[i * g + j] > iou[i * g + best] { best = j }
    if iou[i * g + best] >= iouThreshold { assigned[i] = Int64(best) }
  }
  for _ in 0..<Swift.min(a, g) {
    var best = 0
    for k in 1..<iou.count where iou[k] > iou[best] { best = k }
    guard iou[best] > 0 else { break }
    let (anchor, box) = (best / g, best % g)
    assigned[anchor] = Int64(box)
    for i in 0..<a { iou[i * g + box] = -1 }
    for j in 0..<g { iou[anchor * g + j] = -1 }
  }
  return Tensor(assigned, shape: [a])
}
