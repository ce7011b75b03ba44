/// Layer normalization over raw buffers of a contiguous input seen as [R, N]: each of the R rows
/// (one per example and position) is standardised over its N values, then scaled by γ and
/// shifted by β elementwise:
///
///     y = γ ⊙ x̂ + β,   x̂ = (x − μ)·r,   μ = mean(x),   r = 1/√(var(x) + ε)   (biased variance).
///
/// Forward keeps μ and r per row. Backward, with ĝ = γ ⊙ ∂L/∂y (μ and r depend on every x of the
/// row, which gives the two mean terms):
///
///     ∂L/∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),   ∂L/∂γ = Σ_rows ∂L/∂y ⊙ x̂,   ∂L/∂β = Σ_rows ∂L/∂y.
///
/// Rows are split across threads; the γ, β sums go to one partial buffer per thread, added in
/// a fixed order, so results do not depend on scheduling. Row sums run eight lanes at a time
/// for float32 (`RowSums`).
enum LayerNormKernel {
  static let parallelElements = 1 << 16

  static func forward<T: FloatElement>(_ x: UnsafePointer<T>, rows: Int, n: Int, weight: UnsafePointer<T>?,
                                       bias: UnsafePointer<T>?, eps: Double, y: UnsafeMutablePointer<T>,
                                       mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let (x, y, mean, rstd, weight, bias) = (x, y, mean, rstd, weight, bias)
    Threads.splitRange(rows, parallel: rows * n >= parallelElements) { r0, r1 in
      for r in r0..<r1 {
        let p = x + r * n, q = y + r * n
        let mt = RowSums.sum(p, n) / T(n)
        let it = 1 / (RowSums.squaredDeviations(p, n, from: mt) / T(n) + T(eps)).squareRoot()
        mean[r] = mt; rstd[r] = it
        switch (weight, bias) {
        case let (w?, b?): for i in 0..<n { q[i] = (p[i] - mt) * it * w[i] + b[i] }
        case let (w?, nil): for i in 0..<n { q[i] = (p[i] - mt) * it * w[i] }
        case let (nil, b?): for i in 0..<n { q[i] = (p[i] - mt) * it + b[i] }
        case (nil, nil): for i in 0..<n { q[i] = (p[i] - mt) * it }
        }
      }
    }
  }

  /// ∂L/∂x into `dx`; ∂L/∂γ and ∂L/∂β into `dWeight`, `dBias` when given.
  static func backward<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, rows: Int, n: Int,
                                        mean: UnsafePointer<T>, rstd: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                        dx: UnsafeMutablePointer<T>?, dWeight: UnsafeMutablePointer<T>?,
                                        dBias: UnsafeMutablePointer<T>?) {
    let parallel = rows * n >= parallelElements && Threads.count > 1 && rows > 1
    let chunks = parallel ? Swift.min(Threads.count, rows) : 1
    // One [3, N] buffer per chunk: its share of Σ g·x̂ and Σ g, and room for one row of γ ⊙ g.
    let partials = (0..<chunks).map { _ in Workspace<T>(3 * n) }
    defer { for p in partials { p.free() } }
    nonisolated(unsafe) let (g, x, mean, rstd, weight, dx) = (g, x, mean, rstd, weight, dx)
    nonisolated(unsafe) let targets = partials.map(\.p)
    let wantSums = dWeight != nil || dBias != nil
    Threads.parallelFor(chunks) { c in
      let r0 = rows * c / chunks, r1 = rows * (c + 1) / chunks
      let sums = targets[c]
      if wantSums { sums.update(repeating: 0, count: 2 * n) }
      for r in r0..<r1 {
        let gp = g + r * n, xp = x + r * n
        let m = mean[r], inv = rstd[r]
        if wantSums {
          let sumGX = sums, sumG = sums + n   // separate pointers: no index arithmetic in the loop
          for i in 0..<n { sumGX[i] += gp[i] * (xp[i] - m) * inv }
          for i in 0..<n { sumG[i] += gp[i] }
        }
        guard let dx else { continue }
        // mean(ĝ) and mean(ĝ ⊙ x̂), with ĝ = γ ⊙ g (ĝ in the row's scratch, after the sums).
        let gh: UnsafePointer<T>
        if let w = weight {
          let scratch = sums + 2 * n
          for i in 0..<n { scratch[i] = gp[i] * w[i] }
          gh = UnsafePointer(scratch)
        } else {
          gh = gp
        }
        let (sumG, sumGX) = RowSums.sumAndMoment(gh, xp, n, around: m)
        let a = sumG / T(n), b = sumGX * inv / T(n)
        let dp = dx + r * n
        for i in 0..<n { dp[i] = inv * (gh[i] - a - (xp[i] - m) * inv * b) }
      }
    }
    guard wantSums else { return }
    for i in 0..<n {
      var dw: T = 0, db: T = 0
      for p in targets { dw += p[i]; db += p[n + i] }
      dWeight?[i] = dw
      dBias?[i] = db
    }
  }
}
