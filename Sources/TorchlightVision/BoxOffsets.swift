import Foundation

/// The offsets a detector predicts instead of raw boxes (d2l's `offset_boxes` and
/// `offset_inverse`, the SSD/Faster R-CNN box coding). For an anchor with centre (xₐ, yₐ) and
/// size (wₐ, hₐ) and a box (x, y, w, h), all in centre format:
///
///     tₓ = (x − xₐ)/wₐ / 0.1,  t_y = (y − yₐ)/hₐ / 0.1,  t_w = log(w/wₐ) / 0.2,  t_h = log(h/hₐ) / 0.2
///
/// Shifts are measured in anchor sizes and scales in logs, so a box twice an anchor's size and
/// one half its size are equally far; dividing by 0.1 and 0.2 (the "variances") brings typical
/// offsets to about unit size, which suits the regression loss. Differentiable.

/// Encodes `boxes` `[A, 4]` (corners) as offsets from `anchors` `[A, 4]` (corners). A small `eps`
/// inside the logs (d2l's 10⁻⁶) keeps an empty box finite: its log size is log(eps), not −∞.
/// The anchors must have positive width and height.
public func offsetBoxes(anchors: Tensor, boxes: Tensor, eps: Double = 1e-6) -> Tensor {
  checkAnchorPairs(anchors, boxes, "offsetBoxes", name: "boxes")
  let anchor = boxConvert(anchors, from: .xyxy, to: .cxcywh), box = boxConvert(boxes.to(anchors.dtype), from: .xyxy, to: .cxcywh)
  let anchorCentre = anchor.narrow(axis: 1, start: 0, length: 2), anchorSize = anchor.narrow(axis: 1, start: 2, length: 2)
  let shift = (box.narrow(axis: 1, start: 0, length: 2) - anchorCentre) / anchorSize / 0.1
  let scale = (box.narrow(axis: 1, start: 2, length: 2) / anchorSize + eps).log() / 0.2
  return Tensor.cat([shift, scale], axis: 1)
}

/// Decodes `offsets` `[A, 4]` against `anchors` `[A, 4]` (corners) back into corner boxes: the
/// inverse of `offsetBoxes` (exact up to its `eps`): x = xₐ + 0.1·tₓ·wₐ, w = wₐ·exp(0.2·t_w).
public func offsetInverse(anchors: Tensor, offsets: Tensor) -> Tensor {
  checkAnchorPairs(anchors, offsets, "offsetInverse", name: "offsets")
  let anchor = boxConvert(anchors, from: .xyxy, to: .cxcywh), t = offsets.to(anchors.dtype)
  let anchorCentre = anchor.narrow(axis: 1, start: 0, length: 2), anchorSize = anchor.narrow(axis: 1, start: 2, length: 2)
  let centre = anchorCentre + 0.1 * t.narrow(axis: 1, start: 0, length: 2) * anchorSize
  let size = anchorSize * (0.2 * t.narrow(axis: 1, start: 2, length: 2)).exp()
  return boxConvert(Tensor.cat([centre, size], axis: 1), from: .cxcywh, to: .xyxy)
}

/// Stops unless anchors and the other `[A, 4]` tensor pair up and every anchor has a positive size.
func checkAnchorPairs(_ anchors: Tensor, _ other: Tensor, _ op: String, name: String) {
  checkBoxes(anchors, op, name: "anchors", rank: 2)
  checkBoxes(other, op, name: name, rank: 2)
  guard anchors.shape == other.shape else {
    fatalError("\(op): expected one row of \(name) per anchor, got anchors \(anchors.shape) and \(name) \(other.shape)")
  }
  let smallest = withNoGrad { anchors.count == 0 ? 1 : boxConvert(anchors, from: .xyxy, to: .cxcywh).narrow(axis: 1, start: 2, length: 2).min().item() }
  guard smallest > 0 else {
    fatalError("\(op): every anchor needs a positive width and height (offsets are measured in anchor sizes), found a side of \(smallest)")
  }
}
