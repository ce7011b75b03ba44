/// Box area and intersection over union, the measure of overlap behind anchors, NMS and mAP.
///
/// **Degenerate boxes.** A box with x₂ ≤ x₁ or y₂ ≤ y₁ is empty: its area is 0 (not negative),
/// it intersects nothing, and its IoU with any box, even with itself or another empty box, is 0.
/// (torchvision's `box_iou` returns 0/0 = NaN for two empty boxes and can return negative areas.)

/// The area of each box `[…, 4]` (corners), max(x₂ − x₁, 0)·max(y₂ − y₁, 0) (`box_area`).
public func boxArea(_ boxes: Tensor) -> Tensor {
  checkBoxes(boxes, "boxArea")
  let c = boxes.unbind(axis: -1)
  return (c[2] - c[0]).clamp(min: 0) * (c[3] - c[1]).clamp(min: 0)
}

/// The IoU of every pair of boxes from `a` `[N, 4]` and `b` `[M, 4]` (corners), an `[N, M]`
/// matrix (`torchvision.ops.box_iou`, d2l's `box_iou`): |A ∩ B| / |A ∪ B|, where the
/// intersection is the box between the larger top-left and the smaller bottom-right corner and
/// |A ∪ B| = |A| + |B| − |A ∩ B|. 0 when the union is empty (see above). Differentiable.
public func boxIoU(_ a: Tensor, _ b: Tensor) -> Tensor {
  checkBoxes(a, "boxIoU", name: "the first boxes", rank: 2)
  checkBoxes(b, "boxIoU", name: "the second boxes", rank: 2)
  let dtype = a.dtype
  let b = b.to(dtype)
  let topLeft = Tensor.maximum(a.narrow(axis: 1, start: 0, length: 2).unsqueezed(axis: 1), b.narrow(axis: 1, start: 0, length: 2).unsqueezed(axis: 0))
  let bottomRight = Tensor.minimum(a.narrow(axis: 1, start: 2, length: 2).unsqueezed(axis: 1), b.narrow(axis: 1, start: 2, length: 2).unsqueezed(axis: 0))
  let sides = (bottomRight - topLeft).clamp(min: 0)   // [N, M, 2]
  let intersection = sides.select(axis: 2, index: 0) * sides.select(axis: 2, index: 1)
  let union = boxArea(a).unsqueezed(axis: 1) + boxArea(b).unsqueezed(axis: 0) - intersection
  let nonEmpty = union .> 0
  return Tensor.where(nonEmpty, intersection / Tensor.where(nonEmpty, union, Tensor.ones([], dtype: dtype)), Tensor.zeros([], dtype: dtype))
}

/// The IoU of two corner boxes given as numbers, by the same rule (NMS and mAP use it in loops).
@inlinable
public func boxIoU(_ a: (Double, Double, Double, Double), _ b: (Double, Double, Double, Double)) -> Double {
  let areaA = Swift.max(a.2 - a.0, 0) * Swift.max(a.3 - a.1, 0), areaB = Swift.max(b.2 - b.0, 0) * Swift.max(b.3 - b.1, 0)
  let w = Swift.max(Swift.min(a.2, b.2) - Swift.max(a.0, b.0), 0), h = Swift.max(Swift.min(a.3, b.3) - Swift.max(a.1, b.1), 0)
  let intersection = w * h, union = areaA + areaB - intersection
  return union > 0 ? intersection / union : 0
}

/// The rows of a `[N, 4]` box tensor as tuples of numbers.
func boxTuples(_ boxes: Tensor) -> [(Double, Double, Double, Double)] {
  let v = boxes.toDoubles()
  return (0..<(v.count / 4)).map { (v[4 * $0], v[4 * $0 + 1], v[4 * $0 + 2], v[4 * $0 + 3]) }
}
