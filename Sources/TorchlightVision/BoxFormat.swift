@_exported import Torchlight

/// How the four numbers of a box are laid out (torchvision's `box_convert` formats). All the box
/// utilities here take and return boxes as `[…, 4]` float tensors.
public enum BoxFormat: String, Sendable, CaseIterable {
  /// Corners: left x₁, top y₁, right x₂, bottom y₂ (the format of the box utilities).
  case xyxy
  /// Centre and size: cx, cy, w, h (the format anchors are offset in).
  case cxcywh
  /// Top-left corner and size: x₁, y₁, w, h (COCO's annotations).
  case xywh
}

/// Converts boxes `[…, 4]` between formats (`torchvision.ops.box_convert`; d2l's
/// `box_corner_to_center` and `box_center_to_corner`): w = x₂ − x₁, cx = (x₁ + x₂)/2, and back
/// x₁ = cx − w/2. Differentiable.
public func boxConvert(_ boxes: Tensor, from: BoxFormat, to: BoxFormat) -> Tensor {
  checkBoxes(boxes, "boxConvert")
  guard from != to else { return boxes }
  let c = boxes.unbind(axis: -1)
  // Through corners: any format to xyxy, then xyxy to the target.
  let x1: Tensor, y1: Tensor, x2: Tensor, y2: Tensor
  switch from {
  case .xyxy: (x1, y1, x2, y2) = (c[0], c[1], c[2], c[3])
  case .cxcywh: (x1, y1, x2, y2) = (c[0] - 0.5 * c[2], c[1] - 0.5 * c[3], c[0] + 0.5 * c[2], c[1] + 0.5 * c[3])
  case .xywh: (x1, y1, x2, y2) = (c[0], c[1], c[0] + c[2], c[1] + c[3])
  }
  let parts: [Tensor] = switch to {
  case .xyxy: [x1, y1, x2, y2]
  case .cxcywh: [0.5 * (x1 + x2), 0.5 * (y1 + y2), x2 - x1, y2 - y1]
  case .xywh: [x1, y1, x2 - x1, y2 - y1]
  }
  return Tensor.stack(parts, axis: -1)
}

/// Stops unless `boxes` is a float tensor whose last axis holds 4 numbers.
func checkBoxes(_ boxes: Tensor, _ op: String, name: String = "boxes", rank: Int? = nil) {
  guard boxes.rank >= 1, boxes.shape[boxes.rank - 1] == 4, rank.map({ boxes.rank == $0 }) ?? true else {
    let expected = rank == 2 ? "[N, 4]" : "[…, 4]"
    fatalError("\(op): expected \(name) \(expected) (x₁, y₁, x₂, y₂ per box), got shape \(boxes.shape)")
  }
  guard boxes.dtype.isFloatingPoint else {
    fatalError("\(op): \(name) must be a float tensor, got \(boxes.dtype); convert with .float()")
  }
}
