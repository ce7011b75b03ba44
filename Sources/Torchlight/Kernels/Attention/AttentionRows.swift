/// The row-wise part of fused attention: turning one query's scores into weights. Float32 runs
/// `vectorExp` (branch-free, so eight lanes at a time); float64, for gradient checks, the exact
/// `exp`. A score of −∞ (a masked key) gives weight exactly 0 either way.
enum AttentionRows {
  /// eˣ for one score, with e^(−∞) = 0 exactly (`vectorExp` would clamp it to e^(−87.3)).
  @inline(__always)
  static func exp<T: FloatElement>(_ x: T) -> T {
    if T.self == Float.self {
      let f = unsafeBitCast(x, to: Float.self)
      return unsafeBitCast(f == -.infinity ? 0 : vectorExp(f), to: T.self)
    }
    return T.exp(x)
  }

  /// Σ p[0..<n], with eight partial sums for float32 so the loop vectorises.
  @inline(__always)
  static func sum<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    if T.self == Float.self {
      let f = UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
      var acc = SIMD8<Float>(), j = 0
      while j + 8 <= n { acc += UnsafeRawPointer(f + j).loadUnaligned(as: SIMD8<Float>.self); j += 8 }
      var total = acc.sum()
      while j < n { total += f[j]; j += 1 }
      return unsafeBitCast(total, to: T.self)
    }
    var total: T = 0
    for j in 0..<n { total += p[j] }
    return total
  }

  /// Softmax of the first `visible` scores of a row in place, the rest of its `width` set to 0;
  /// returns the row's log Σⱼ e^(sⱼ), the logsumexp that backward recomputes the weights from.
  /// With m the largest score, wⱼ = e^(sⱼ − m) / Σ e^(sₖ − m) and logsumexp = m + log Σ e^(sₖ − m).
  /// A row with no visible key, or only −∞ scores, gets weights 0 and logsumexp −∞.
  @inline(__always)
  static func softmax<T: FloatElement>(_ p: UnsafeMutablePointer<T>, visible: Int, width: Int) -> T {
    (p + visible).update(repeating: 0, count: width - visible)
    var m = -T.infinity
    for j in 0..<visible { m = Swift.max(m, p[j]) }
    guard m > -T.infinity else {
      p.update(repeating: 0, count: visible)
      return -T.infinity
    }
    for j in 0..<visible { p[j] = exp(p[j] - m) }
    let total = sum(p, visible), inverse = 1 / total
    for j in 0..<visible { p[j] *= inverse }
    return m + T.log(total)
  }

  /// The weights again from the scores and the saved logsumexp: wⱼ = e^(sⱼ − logsumexp), in
  /// place over the first `visible` scores, 0 for the rest of `width`.
  @inline(__always)
  static func weights<T: FloatElement>(_ p: UnsafeMutablePointer<T>, visible: Int, width: Int, logSumExp: T) {
    guard logSumExp > -T.infinity else { p.update(repeating: 0, count: width); return }
    for j in 0..<visible { p[j] = exp(p[j] - logSumExp) }
    (p + visible).update(repeating: 0, count: width - visible)
  }

  /// Softmax backward for one row, in place in `dp`: with D = Σⱼ wⱼ·∂L/∂wⱼ (the weights sum to
  /// 1, so moving one weight moves the others), ∂L/∂sⱼ = wⱼ·(∂L/∂wⱼ − D).
  @inline(__always)
  static func softmaxBackward<T: FloatElement>(_ w: UnsafePointer<T>, _ dp: UnsafeMutablePointer<T>, _ n: Int) {
    var d: T = 0
    for j in 0..<n { d += w[j] * dp[j] }
    for j in 0..<n { dp[j] = w[j] * (dp[j] - d) }
  }
}
