/// Training-mode batch normalization over raw buffers of a contiguous `[N, C, S]` input (S the
/// product of the trailing axes): one pass for each channel's mean, one for its variance, one to
/// write y = γ·(x − μ)/√(σ² + ε) + β; backward is two passes (the two sums below) and one write.
/// Channels are independent, so they are split across threads and every result is the same for
/// any thread count. Sums are accumulated in Double.
enum BatchNormKernel {
  static let parallelElements = 1 << 16

  @inline(__always)
  static func overChannels(_ c: Int, elements: Int, _ body: (Int, Int) -> Void) {
    Threads.splitRange(c, parallel: elements >= parallelElements, body)
  }

  /// Writes y, the batch mean μ and the biased variance σ² of each channel.
  static func forward<T: FloatElement>(_ x: UnsafePointer<T>, n: Int, c: Int, s: Int, weight: UnsafePointer<T>?,
                                       bias: UnsafePointer<T>?, eps: Double, y: UnsafeMutablePointer<T>,
                                       mean: UnsafeMutablePointer<T>, variance: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let (x, y, mean, variance, weight, bias) = (x, y, mean, variance, weight, bias)
    let count = Double(n * s)
    overChannels(c, elements: n * c * s) { c0, c1 in
      for ch in c0..<c1 {
        var sum = 0.0
        for b in 0..<n {
          let p = x + (b * c + ch) * s
          for i in 0..<s { sum += Double(p[i]) }
        }
        let m = sum / count
        var squares = 0.0
        for b in 0..<n {
          let p = x + (b * c + ch) * s
          for i in 0..<s { let d = Double(p[i]) - m; squares += d * d }
        }
        let v = squares / count
        let scale = (weight.map { Double($0[ch]) } ?? 1) / (v + eps).squareRoot()
        let shift = (bias.map { Double($0[ch]) } ?? 0) - m * scale
        let a = T(scale), t = T(shift)
        for b in 0..<n {
          let p = x + (b * c + ch) * s, q = y + (b * c + ch) * s
          for i in 0..<s { q[i] = p[i] * a + t }
        }
        mean[ch] = T(m)
        variance[ch] = T(v)
      }
    }
  }

  /// Given ∂L/∂y = g: with x̂ = (x − μ)/σ and M = N·S values per channel,
  /// ∂L/∂β = Σg, ∂L/∂γ = Σg·x̂, ∂L/∂x = (γ/σ)·(g − Σg/M − x̂·Σg·x̂/M).
  static func backward<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, n: Int, c: Int, s: Int,
                                        mean: UnsafePointer<T>, variance: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                        eps: Double, dx: UnsafeMutablePointer<T>, dWeight: UnsafeMutablePointer<T>,
                                        dBias: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let (g, x, mean, variance, weight, dx, dWeight, dBias) = (g, x, mean, variance, weight, dx, dWeight, dBias)
    let count = Double(n * s)
    overChannels(c, elements: n * c * s) { c0, c1 in
      for ch in c0..<c1 {
        let m = Double(mean[ch]), inv = 1 / (Double(variance[ch]) + eps).squareRoot()
        var sumG = 0.0, sumGX = 0.0
        for b in 0..<n {
          let gp = g + (b * c + ch) * s, xp = x + (b * c + ch) * s
          for i in 0..<s { let gi = Double(gp[i]); sumG += gi; sumGX += gi * (Double(xp[i]) - m) }
        }
        dBias[ch] = T(sumG)
        dWeight[ch] = T(sumGX * inv)
        // dx = k·g + a·x + b, with the per-channel constants gathered first.
        let gamma = weight.map { Double($0[ch]) } ?? 1
        let k = gamma * inv
        let a = -k * inv * inv * sumGX / count
        let b0 = -k * sumG / count - a * m
        let (kt, at, bt) = (T(k), T(a), T(b0))
        for b in 0..<n {
          let gp = g + (b * c + ch) * s, xp = x + (b * c + ch) * s, dp = dx + (b * c + ch) * s
          for i in 0..<s { dp[i] = kt * gp[i] + at * xp[i] + bt }
        }
      }
    }
  }
}
