/// Uniform numbers in [0, 1) taken from a `Generator` a block at a time, for the transforms whose
/// number of draws depends on what they draw (torchvision's "try ten times" loops). The same
/// generator state always gives the same sequence, so a seeded run still repeats exactly.
final class UniformDraws {
  let generator: Generator
  private var block: [Double] = []
  private var position = 0

  init(_ generator: Generator) { self.generator = generator }

  /// The next number in [0, 1).
  func next() -> Double {
    if position == block.count {
      block = Tensor.rand([64], dtype: .float64, generator: generator).toDoubles()
      position = 0
    }
    defer { position += 1 }
    return block[position]
  }

  /// Uniform on `range` (`torch.empty(1).uniform_(a, b)`).
  func uniform(_ range: ClosedRange<Double>) -> Double { range.lowerBound + (range.upperBound - range.lowerBound) * next() }

  /// A uniform integer in 0..<bound (`torch.randint(0, bound)`).
  func int(below bound: Int) -> Int { Swift.min(Int(next() * Double(bound)), bound - 1) }
}
