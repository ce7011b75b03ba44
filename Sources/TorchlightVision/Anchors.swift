/// Anchor boxes: the fixed boxes a single-shot detector starts from (d2l's `multibox_prior`).
///
/// Every cell (i, j) of an `h × w` feature map is the centre ((j + ½)/w, (i + ½)/h) of
/// n + m − 1 anchors, for sizes s₁…sₙ and ratios r₁…rₘ: each size with the first ratio, and
/// the first size with each other ratio, (s₁, r₁), …, (sₙ, r₁), (s₁, r₂), …, (s₁, rₘ) — not
/// all n·m pairs, which would be too many. An anchor of size s and ratio r is s·√r wide and
/// s/√r tall, measured in image heights, so r is its width:height ratio in pixels and s² its
/// share of the area of a square image. In normalised image coordinates (0…1 both ways) the
/// width is therefore s·√r·h/w.
///
/// Returns `[h·w·(n + m − 1), 4]` corner boxes in normalised coordinates, cell by cell in
/// row-major order, the anchors of one cell together. They are not clipped to the image.
public func multiboxPrior(featureHeight h: Int, featureWidth w: Int, sizes: [Double], ratios: [Double],
                          dtype: DType = Tensor.defaultDType) -> Tensor {
  precondition(h > 0 && w > 0, "multiboxPrior: the feature map \(h)×\(w) must not be empty")
  precondition(!sizes.isEmpty && sizes.allSatisfy { $0 > 0 && $0.isFinite }, "multiboxPrior: sizes must be positive, got \(sizes)")
  precondition(!ratios.isEmpty && ratios.allSatisfy { $0 > 0 && $0.isFinite }, "multiboxPrior: ratios must be positive, got \(ratios)")
  let shapes = sizes.map { ($0, ratios[0]) } + ratios.dropFirst().map { (sizes[0], $0) }
  let halfSides = shapes.map { s, r in (0.5 * s * r.squareRoot() * Double(h) / Double(w), 0.5 * s / r.squareRoot()) }
  var values: [Double] = []
  values.reserveCapacity(h * w * shapes.count * 4)
  for i in 0..<h {
    let cy = (Double(i) + 0.5) / Double(h)
    for j in 0..<w {
      let cx = (Double(j) + 0.5) / Double(w)
      for (hw, hh) in halfSides { values += [cx - hw, cy - hh, cx + hw, cy + hh] }
    }
  }
  return Tensor(values, shape: [h * w * shapes.count, 4], dtype: dtype)
}
