/// Random tensors. Every draw comes from a `Generator` (the global one by default), so
/// `manualSeed` makes them reproducible.
extension Tensor {
  /// A new tensor of `shape` whose i-th element (row-major) is `draw()`.
  static func drawn(_ shape: [Int], dtype: DType, generator: Generator?, _ draw: (Generator) -> Double) -> Tensor {
    let g = generator ?? .global
    let t = Tensor(zeros: shape, dtype: dtype)
    let values = g.withLock { (0..<t.count).map { _ in draw(g) } }
    t.fill(fromDoubles: values)
    return t
  }

  /// Uniform on [0, 1) (`torch.rand`).
  public static func rand(_ shape: [Int], dtype: DType = Tensor.defaultDType, generator: Generator? = nil) -> Tensor {
    uniform(shape, low: 0, high: 1, dtype: dtype, generator: generator)
  }

  /// Uniform on [low, high).
  public static func uniform(_ shape: [Int], low: Double, high: Double, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) -> Tensor {
    precondition(low <= high, "uniform: low \(low) must not exceed high \(high)")
    return drawn(shape, dtype: dtype, generator: generator) { low + (high - low) * $0.nextUniform() }
  }

  /// Standard normal, mean 0 and variance 1 (`torch.randn`).
  public static func randn(_ shape: [Int], dtype: DType = Tensor.defaultDType, generator: Generator? = nil) -> Tensor {
    normal(shape, mean: 0, std: 1, dtype: dtype, generator: generator)
  }

  /// Normal with the given mean and standard deviation (`torch.normal`).
  public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) -> Tensor {
    precondition(std >= 0, "normal: std must be non-negative, got \(std)")
    var spare: Double?
    return drawn(shape, dtype: dtype, generator: generator) { g in
      if let s = spare { spare = nil; return mean + std * s }
      let (z0, z1) = g.nextNormalPair()
      spare = z1
      return mean + std * z0
    }
  }

  /// Uniform integers in low..<high, int64 (`torch.randint`).
  public static func randint(_ low: Int, _ high: Int, _ shape: [Int], generator: Generator? = nil) -> Tensor {
    precondition(low < high, "randint: low \(low) must be below high \(high)")
    let span = UInt64(high - low)
    return drawn(shape, dtype: .int64, generator: generator) { Double(low + Int($0.nextInt(below: span))) }
  }

  /// A random permutation of 0..<n, int64 (`torch.randperm`), by Fisher–Yates shuffling.
  public static func randperm(_ n: Int, generator: Generator? = nil) -> Tensor {
    let g = generator ?? .global
    var order = Array(0..<Int64(n))
    g.withLock {
      for i in Swift.stride(from: n - 1, to: 0, by: -1) {
        order.swapAt(i, Int(g.nextInt(below: UInt64(i + 1))))
      }
    }
    return Tensor(order, shape: [n])
  }

  /// 1 with probability p and 0 otherwise, elementwise, where `self` holds the probabilities
  /// (`torch.bernoulli`). The result has this tensor's shape and float dtype.
  public func bernoulli(generator: Generator? = nil) -> Tensor {
    let p = to(.float64).contiguous().toArray(Double.self)
    guard p.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
      fatalError("bernoulli: probabilities must lie in [0, 1] (shape \(shape))")
    }
    var i = 0
    return Tensor.drawn(shape, dtype: dtype.isFloatingPoint ? dtype : Tensor.defaultDType, generator: generator) { g in
      defer { i += 1 }
      return g.nextUniform() < p[i] ? 1 : 0
    }
  }

  /// 1 with probability `p` and 0 otherwise, in a new tensor of `shape`.
  public static func bernoulli(_ shape: [Int], p: Double, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) -> Tensor {
    precondition(p >= 0 && p <= 1, "bernoulli: p must lie in [0, 1], got \(p)")
    return drawn(shape, dtype: dtype, generator: generator) { $0.nextUniform() < p ? 1 : 0 }
  }
}
