/// CutMix (Yun et al. 2019): a rectangle of each image is replaced by the same rectangle of its
/// partner. With λ ~ Beta(α, α), the rectangle has sides √(1 − λ)·H and √(1 − λ)·W around a
/// uniformly drawn centre, clipped at the border; λ is then set to the share of pixels each image
/// really kept, 1 − area/(H·W), and the targets mix with that λ. One rectangle for the batch.
public struct CutMix: BatchMixing {
  public let alpha: Double
  public let classes: Int

  public init(alpha: Double = 1, classes: Int) {
    precondition(alpha > 0 && alpha.isFinite, "CutMix: alpha must be positive, got \(alpha)")
    precondition(classes > 0, "CutMix: classes must be positive, got \(classes)")
    (self.alpha, self.classes) = (alpha, classes)
  }

  /// The rectangle for weight λ in an `h × w` image, centred at (row, column) `centre`.
  static func box(lambda: Double, height h: Int, width w: Int, centre: (Int, Int)) -> PixelWindow {
    let r = 0.5 * (1 - lambda).squareRoot()
    let halfH = Int(r * Double(h)), halfW = Int(r * Double(w))
    let top = Swift.max(centre.0 - halfH, 0), bottom = Swift.min(centre.0 + halfH, h)
    let left = Swift.max(centre.1 - halfW, 0), right = Swift.min(centre.1 + halfW, w)
    return PixelWindow(top: top, left: left, height: bottom - top, width: right - left)
  }

  public func callAsFunction(_ images: Tensor, labels: Tensor, generator: Generator) -> MixedBatch {
    let (n, _, h, w) = shape4(images, "CutMix")
    let dtype: DType = images.dtype.isFloatingPoint ? images.dtype : .float32
    let targets = probabilityTargets(labels, count: n, classes: classes, dtype: dtype, op: "CutMix")
    let drawn = mixingWeight(alpha: alpha, generator: generator)
    let centre = Tensor.randint(0, h * w, [1], generator: generator).toArray(Int64.self)[0]
    let box = Self.box(lambda: drawn, height: h, width: w, centre: (Int(centre) / w, Int(centre) % w))
    let partners = rolledPartners(n)
    let index = Tensor(partners.map(Int64.init), shape: [n])
    // m is 1 inside the box: x·(1 − m) + partner·m, exact (each pixel is one or the other).
    var inside = [Double](repeating: 0, count: h * w)
    for y in box.top..<(box.top + box.height) { for x in box.left..<(box.left + box.width) { inside[y * w + x] = 1 } }
    let m = Tensor(inside, shape: [1, 1, h, w], dtype: dtype), x = images.to(dtype)
    let mixed = x * (1 - m) + x.indexSelect(axis: 0, index: index) * m
    let lambda = 1 - Double(box.area) / Double(h * w)
    return MixedBatch(images: mixed,
                      targets: lambda * targets + (1 - lambda) * targets.indexSelect(axis: 0, index: index),
                      lambda: lambda, partners: partners, box: box)
  }
}
