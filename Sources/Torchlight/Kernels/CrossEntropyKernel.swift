/// Cross-entropy of class scores against class indices, row by row, in one pass each way.
///
/// Forward, for row i with target t: ℓᵢ = logsumexp(xᵢ) − xᵢₜ, where
/// logsumexp(x) = m + log Σⱼ e^{xⱼ−m} with m the row's largest finite value, so nothing overflows.
/// Backward: ∂ℓᵢ/∂xᵢⱼ = softmax(xᵢ)ⱼ − [j = t] = e^{xᵢⱼ − logsumexp(xᵢ)} − [j = t].
/// Rows whose target is `ignoreIndex` count for nothing, forward and backward.
enum CrossEntropyKernel {
  /// Fills `losses[i]` = ℓᵢ (0 for ignored rows) and `logSumExp[i]`; returns how many rows
  /// counted and the sum of their losses, added in Double in row order.
  static func forward<T: FloatElement>(_ x: UnsafePointer<T>, _ targets: UnsafePointer<Int64>, rows: Int, classes: Int,
                                       ignoreIndex: Int64, losses: UnsafeMutablePointer<T>,
                                       logSumExp: UnsafeMutablePointer<T>) -> (counted: Int, total: Double) {
    var counted = 0, total = 0.0
    for i in 0..<rows {
      let row = x + i * classes
      var m = row[0]
      for j in 1..<classes where row[j] > m { m = row[j] }
      if !m.isFinite { m = 0 }                 // all −∞ (or +∞ present): shifting by 0 is as good
      var s: T = 0
      for j in 0..<classes { s += T.exp(row[j] - m) }
      let lse = m + T.log(s)
      logSumExp[i] = lse
      let t = targets[i]
      if t == ignoreIndex { losses[i] = 0; continue }
      precondition(t >= 0 && t < Int64(classes), "crossEntropy: target \(t) is outside 0..<\(classes) (and is not ignoreIndex \(ignoreIndex))")
      losses[i] = lse - row[Int(t)]
      counted += 1
      total += losses[i].doubleValue
    }
    return (counted, total)
  }

  /// dx[i, j] = gᵢ·(e^{x[i,j] − logSumExp[i]} − [j = tᵢ]) with gᵢ = `g[i * gStride] * scale`
  /// (gStride 0 for one upstream value shared by every row); 0 on ignored rows.
  static func backward<T: FloatElement>(_ x: UnsafePointer<T>, _ targets: UnsafePointer<Int64>, rows: Int, classes: Int,
                                        ignoreIndex: Int64, logSumExp: UnsafePointer<T>, g: UnsafePointer<T>, gStride: Int,
                                        scale: T, dx: UnsafeMutablePointer<T>) {
    for i in 0..<rows {
      let row = x + i * classes, out = dx + i * classes
      let t = targets[i]
      if t == ignoreIndex {
        out.update(repeating: 0, count: classes)
        continue
      }
      let gi = g[i * gStride] * scale, lse = logSumExp[i]
      for j in 0..<classes { out[j] = gi * T.exp(row[j] - lse) }
      out[Int(t)] -= gi
    }
  }
}
