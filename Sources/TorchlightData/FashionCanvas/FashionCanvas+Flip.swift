extension FashionCanvas.Batch {
  /// Mirrors each canvas left–right with probability `p`, its boxes and mask with it: the
  /// detection form of `RandomHorizontalFlip`. A column x becomes size − 1 − x, so a box's edges
  /// x₁, x₂ become size − x₂, size − x₁; padded rows (label −1) stay zeros.
  public func randomHorizontalFlip(p: Double = 0.5, generator: Generator) -> FashionCanvas.Batch {
    precondition((0...1).contains(p), "FashionCanvas.Batch.randomHorizontalFlip: p must lie in [0, 1], got \(p)")
    let b = images.shape[0], size = images.shape[3], most = labels.shape[1]
    let flips = Tensor.bernoulli([b], p: p, generator: generator).toDoubles().map { $0 == 1 }
    var pixels = images.contiguous().toArray(Float.self), classes = masks.contiguous().toArray(Int64.self)
    var corners = boxes.contiguous().toArray(Float.self)
    let label = labels.toArray(Int64.self)
    for i in 0..<b where flips[i] {
      for row in 0..<size {
        pixels[((i * size + row) * size)..<((i * size + row + 1) * size)].reverse()
        classes[((i * size + row) * size)..<((i * size + row + 1) * size)].reverse()
      }
      for k in 0..<most where label[i * most + k] >= 0 {
        let at = (i * most + k) * 4
        (corners[at], corners[at + 2]) = (Float(size) - corners[at + 2], Float(size) - corners[at])
      }
    }
    return FashionCanvas.Batch(images: Tensor(pixels, shape: images.shape), boxes: Tensor(corners, shape: boxes.shape),
                               labels: labels, masks: Tensor(classes, shape: masks.shape))
  }
}
