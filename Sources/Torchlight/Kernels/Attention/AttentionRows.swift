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

  /// Softmax of the first `visible` scores of a row in place, the rest of its `width` set to 0;
  /// returns the row's log Σⱼ e^(sⱼ), the logsumexp that backward recomputes the weights from.
  /// With m the largest score, wⱼ = e^(sⱼ − m) / Σ e^(sₖ − m) and logsumexp = m + log Σ e^(sₖ − m).
  /// A row with no visible key, or only −∞ scores, gets weights 0 and logsumexp −∞.
  @inline(__always)
  static func softmax<T: FloatElement>(_ p: UnsafeMutablePointer<T>, visible: Int, width: Int) -> T {
    (p + visible).update(repeating: 0, count: width - visible)
    let m = RowSums.max(p, visible)
    guard m > -T.infinity else {
      p.update(repeating: 0, count: visible)
      return -T.infinity
    }
    for j in 0..<visible { p[j] = exp(p[j] - m) }
    let total = RowSums.sum(p, visible), inverse = 1 / total
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
    let d = RowSums.sumAndMoment(w, dp, n, around: 0).1
    for j in 0..<n { dp[j] = w[j] * (dp[j] - d) }
  }
}
