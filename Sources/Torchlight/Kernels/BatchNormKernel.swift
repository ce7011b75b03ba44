/// Training-mode batch normalization over raw buffers of a contiguous `[N, C, S]` input (S the
/// product of the trailing axes): one pass for each channel's sum and sum of squares, one to
/// write y = γ·(x − μ)/√(σ² + ε) + β; backward is one pass for the two sums below and one write.
/// With S = 1 (`BatchNorm1d` on `[N, C]`) a channel's values are a column, one element per row:
/// those passes then run along the rows instead, all channels at once (`forwardRows`).
/// Channels are independent, so they are split across threads and every result is the same for
/// any thread count. Sums are accumulated in Double, in eight lanes (a single running sum is one
/// long chain of dependent additions, four times slower than the memory can feed it).
enum BatchNormKernel {
  static let parallelElements = 1 << 16

  /// (Σᵢ dᵢ, Σᵢ dᵢ²) with dᵢ = p[i] − pivot, in Double over eight lanes, then the rest. Shifting
  /// by a pivot near the mean (any one of the values) keeps Σd² − (Σd)²/M free of cancellation.
  /// Float32 sums one run (a channel's row of S values) in sixteen float lanes, which the CPU
  /// adds as one vector, and carries the run's total on in Double: each lane holds only S/16
  /// terms of size |x − K|, so the float rounding stays near float32's own precision.
  @inline(__always)
  static func laneMoments<T: FloatElement>(_ p: UnsafePointer<T>, _ count: Int, pivot: Double) -> (Double, Double) {
    if T.self == Float.self { return laneMoments(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), count, pivot: pivot) }
    var a = SIMD4<Double>(), b = SIMD4<Double>(), a2 = SIMD4<Double>(), b2 = SIMD4<Double>(), i = 0
    let m = SIMD4<Double>(repeating: pivot)
    while i + 8 <= count {
      let u = SIMD4(Double(p[i]), Double(p[i + 1]), Double(p[i + 2]), Double(p[i + 3])) - m
      let v = SIMD4(Double(p[i + 4]), Double(p[i + 5]), Double(p[i + 6]), Double(p[i + 7])) - m
      a += u; b += v; a2 += u * u; b2 += v * v
      i += 8
    }
    var sum = (a + b).sum(), squares = (a2 + b2).sum()
    while i < count { let d = Double(p[i]) - pivot; sum += d; squares += d * d; i += 1 }
    return (sum, squares)
  }

  @inline(__always)
  static func laneMoments(_ p: UnsafePointer<Float>, _ count: Int, pivot: Double) -> (Double, Double) {
    var a = SIMD16<Float>(), a2 = SIMD16<Float>(), i = 0
    let k = SIMD16<Float>(repeating: Float(pivot))
    let raw = UnsafeRawPointer(p)
    while i + 16 <= count {
      let u = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - k
      a += u; a2 += u * u
      i += 16
    }
    var sum = Double(a.sum()), squares = Double(a2.sum())
    while i < count { let d = Double(p[i]) - pivot; sum += d; squares += d * d; i += 1 }
    return (sum, squares)
  }

  /// Mean and biased variance from the shifted sums of M values: μ = K + Σd/M, σ² = Σd²/M − (Σd/M)².
  @inline(__always)
  static func moments(sum: Double, squares: Double, pivot: Double, count: Double) -> (mean: Double, variance: Double) {
    let d = sum / count
    return (pivot + d, Swift.max(squares / count - d * d, 0))
  }

  /// (Σᵢ g[i], Σᵢ g[i]·(x[i] − shift)) in Double over eight lanes: the two sums of the backward pass.
  @inline(__always)
  static func laneSums<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ count: Int, minus shift: Double) -> (Double, Double) {
    var s = SIMD4<Double>(), sx = SIMD4<Double>(), t = SIMD4<Double>(), tx = SIMD4<Double>(), i = 0
    let m = SIMD4<Double>(repeating: shift)
    while i + 8 <= count {
      let g0 = SIMD4(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
      let g1 = SIMD4(Double(g[i + 4]), Double(g[i + 5]), Double(g[i + 6]), Double(g[i + 7]))
      let x0 = SIMD4(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3])) - m
      let x1 = SIMD4(Double(x[i + 4]), Double(x[i + 5]), Double(x[i + 6]), Double(x[i + 7])) - m
      s += g0; t += g1; sx += g0 * x0; tx += g1 * x1
      i += 8
    }
    var sumG = (s + t).sum(), sumGX = (sx + tx).sum()
    while i < count { let gi = Double(g[i]); sumG += gi; sumGX += gi * (Double(x[i]) - shift); i += 1 }
    return (sumG, sumGX)
  }

  @inline(__always)
  static func overChannels(_ c: Int, elements: Int, _ body: (Int, Int) -> Void) {
    Threads.splitRange(c, parallel: elements >= parallelElements, body)
  }

  /// Writes y, the batch mean μ and the biased variance σ² of each channel.
  static func forward<T: FloatElement>(_ x: UnsafePointer<T>, n: Int, c: Int, s: Int, weight: UnsafePointer<T>?,
                                       bias: UnsafePointer<T>?, eps: Double, y: UnsafeMutablePointer<T>,
                                       mean: UnsafeMutablePointer<T>, variance: UnsafeMutablePointer<T>) {
    if s == 1 { return forwardRows(x, n: n, c: c, weight: weight, bias: bias, eps: eps, y: y, mean: mean, variance: variance) }
    nonisolated(unsafe) let (x, y, mean, variance, weight, bias) = (x, y, mean, variance, weight, bias)
    let count = Double(n * s)
    overChannels(c, elements: n * c * s) { c0, c1 in
      for ch in c0..<c1 {
        let pivot = Double(x[ch * s])
        var sum = 0.0, squares = 0.0
        for b in 0..<n {
          let (s1, s2) = laneMoments(x + (b * c + ch) * s, s, pivot: pivot)
          sum += s1; squares += s2
        }
        let (m, v) = moments(sum: sum, squares: squares, pivot: pivot, count: count)
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

  /// `forward` for S = 1: x is `[N, C]` row-major, so each pass walks the rows and updates every
  /// channel's sums side by side (contiguous, vectorisable), instead of striding down columns.
  /// Small enough to stay on one thread.
  static func forwardRows<T: FloatElement>(_ x: UnsafePointer<T>, n: Int, c: Int, weight: UnsafePointer<T>?,
                                           bias: UnsafePointer<T>?, eps: Double, y: UnsafeMutablePointer<T>,
                                           mean: UnsafeMutablePointer<T>, variance: UnsafeMutablePointer<T>) {
    let work = UnsafeMutablePointer<Double>.allocate(capacity: 3 * c)
    defer { work.deallocate() }
    let (pivot, sum, squares) = (work, work + c, work + 2 * c)
    for ch in 0..<c { pivot[ch] = Double(x[ch]); sum[ch] = 0; squares[ch] = 0 }
    for b in 0..<n {
      let row = x + b * c
      for ch in 0..<c { let d = Double(row[ch]) - pivot[ch]; sum[ch] += d; squares[ch] += d * d }
    }
    let a = UnsafeMutablePointer<T>.allocate(capacity: 2 * c)
    defer { a.deallocate() }
    let t = a + c
    for ch in 0..<c {
      let (m, v) = moments(sum: sum[ch], squares: squares[ch], pivot: pivot[ch], count: Double(n))
      let scale = (weight.map { Double($0[ch]) } ?? 1) / (v + eps).squareRoot()
      a[ch] = T(scale)
      t[ch] = T((bias.map { Double($0[ch]) } ?? 0) - m * scale)
      mean[ch] = T(m)
      variance[ch] = T(v)
    }
    for b in 0..<n {
      let p = x + b * c, q = y + b * c
      for ch in 0..<c { q[ch] = p[ch] * a[ch] + t[ch] }
    }
  }

  /// Given ∂L/∂y = g: with x̂ = (x − μ)/σ and M = N·S values per channel,
  /// ∂L/∂β = Σg, ∂L/∂γ = Σg·x̂, ∂L/∂x = (γ/σ)·(g − Σg/M − x̂·Σg·x̂/M).
  static func backward<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, n: Int, c: Int, s: Int,
                                        mean: UnsafePointer<T>, variance: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                        eps: Double, dx: UnsafeMutablePointer<T>, dWeight: UnsafeMutablePointer<T>,
                                        dBias: UnsafeMutablePointer<T>) {
    if s == 1 {
      return backwardRows(g, x, n: n, c: c, mean: mean, variance: variance, weight: weight, eps: eps,
                          dx: dx, dWeight: dWeight, dBias: dBias)
    }
    nonisolated(unsafe) let (g, x, mean, variance, weight, dx, dWeight, dBias) = (g, x, mean, variance, weight, dx, dWeight, dBias)
    let count = Double(n * s)
    overChannels(c, elements: n * c * s) { c0, c1 in
      for ch in c0..<c1 {
        let m = Double(mean[ch]), inv = 1 / (Double(variance[ch]) + eps).squareRoot()
        var sumG = 0.0, sumGX = 0.0
        for b in 0..<n {
          let (sg, sgx) = laneSums(g + (b * c + ch) * s, x + (b * c + ch) * s, s, minus: m)
          sumG += sg; sumGX += sgx
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

  /// `backward` for S = 1, along the rows like `forwardRows`: one pass for every channel's two
  /// sums, then dx = k·g + a·x + b with per-channel k, a, b.
  static func backwardRows<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, n: Int, c: Int,
                                            mean: UnsafePointer<T>, variance: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                            eps: Double, dx: UnsafeMutablePointer<T>, dWeight: UnsafeMutablePointer<T>,
                                            dBias: UnsafeMutablePointer<T>) {
    let work = UnsafeMutablePointer<Double>.allocate(capacity: 3 * c)
    defer { work.deallocate() }
    let (m, sumG, sumGX) = (work, work + c, work + 2 * c)
    for ch in 0..<c { m[ch] = Double(mean[ch]); sumG[ch] = 0; sumGX[ch] = 0 }
    for b in 0..<n {
      let gr = g + b * c, xr = x + b * c
      for ch in 0..<c { let gi = Double(gr[ch]); sumG[ch] += gi; sumGX[ch] += gi * (Double(xr[ch]) - m[ch]) }
    }
    let k = UnsafeMutablePointer<T>.allocate(capacity: 3 * c)
    defer { k.deallocate() }
    let (a, b0) = (k + c, k + 2 * c)
    let count = Double(n)
    for ch in 0..<c {
      let inv = 1 / (Double(variance[ch]) + eps).squareRoot()
      dBias[ch] = T(sumG[ch])
      dWeight[ch] = T(sumGX[ch] * inv)
      let kc = (weight.map { Double($0[ch]) } ?? 1) * inv
      let ac = -kc * inv * inv * sumGX[ch] / count
      k[ch] = T(kc); a[ch] = T(ac); b0[ch] = T(-kc * sumG[ch] / count - ac * m[ch])
    }
    for b in 0..<n {
      let gr = g + b * c, xr = x + b * c, dr = dx + b * c
      for ch in 0..<c { dr[ch] = k[ch] * gr[ch] + a[ch] * xr[ch] + b0[ch] }
    }
  }
}
