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
  /// The hidden scores up to the next multiple of 8 are set to −∞ and go through the same loops
  /// (their weight is e^(−∞) = 0): causal rows of every length then run in whole vectors.
  @inline(__always)
  static func softmax<T: FloatElement>(_ p: UnsafeMutablePointer<T>, visible: Int, width: Int) -> T {
    let run = padded(visible, width)
    (p + visible).update(repeating: -T.infinity, count: run - visible)
    (p + run).update(repeating: 0, count: width - run)
    let m = RowSums.max(p, run)
    guard m > -T.infinity else {
      p.update(repeating: 0, count: run)
      return -T.infinity
    }
    for j in 0..<run { p[j] = exp(p[j] - m) }
    let total = RowSums.sum(p, run), inverse = 1 / total
    for j in 0..<run { p[j] *= inverse }
    return m + T.log(total)
  }

  /// The weights again from the scores and the saved logsumexp: wⱼ = e^(sⱼ − logsumexp), in
  /// place over the first `visible` scores, 0 for the rest of `width`.
  @inline(__always)
  static func weights<T: FloatElement>(_ p: UnsafeMutablePointer<T>, visible: Int, width: Int, logSumExp: T) {
    guard logSumExp > -T.infinity else { p.update(repeating: 0, count: width); return }
    let run = padded(visible, width)
    (p + visible).update(repeating: -T.infinity, count: run - visible)
    for j in 0..<run { p[j] = exp(p[j] - logSumExp) }
    (p + run).update(repeating: 0, count: width - run)
  }

  /// `visible` rounded up to a multiple of 8, at most `width`.
  @inline(__always)
  static func padded(_ visible: Int, _ width: Int) -> Int { Swift.min(width, (visible + 7) & ~7) }

  /// Softmax backward for one row, in place in `dp`: with D = Σⱼ wⱼ·∂L/∂wⱼ (the weights sum to
  /// 1, so moving one weight moves the others), ∂L/∂sⱼ = wⱼ·(∂L/∂wⱼ − D).
  @inline(__always)
  static func softmaxBackward<T: FloatElement>(_ w: UnsafePointer<T>, _ dp: UnsafeMutablePointer<T>, _ n: Int) {
    let d = RowSums.sumAndMoment(w, dp, n, around: 0).1
    for j in 0..<n { dp[j] = w[j] * (dp[j] - d) }
  }
}
