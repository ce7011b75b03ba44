/// Group normalization over raw buffers, with its per-channel affine map and, optionally, the
/// SiLU that follows it in a U-Net block, all in one pass. The input is contiguous `[N, C, S]`
/// (S positions per channel); its C channels form G groups of `C/G`. Row r = (n, group) is the
/// `(C/G)·S` values of one example's group, standardised with its own mean μ and
/// r = 1/√(var + ε) (biased variance), then scaled and shifted per channel c:
///
///     a = γ_c·(x − μ)·r + β_c,     y = a            (group norm)
///                                  y = a·σ(a)       (group norm, then SiLU)
///
/// Backward first takes the gradient through the SiLU, dA = ∂L/∂y · σ(a)(1 + a(1 − σ(a))) (a is
/// recomputed from x, nothing extra is saved), then through the normalization, as for layer
/// norm with ĝ = γ_c·dA over the row:
///
///     ∂L/∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)),   ∂L/∂γ_c = Σ dA·x̂,   ∂L/∂β_c = Σ dA
///
/// the last two summed over the examples and the channel's positions. Rows are split across
/// threads; γ and β sums go to one partial buffer per thread, added in a fixed order, so results
/// do not depend on scheduling.
enum GroupNormKernel {
  static let parallelElements = 1 << 15

  /// The sizes of one call: `rows = n·groups` rows of `channels` channels of `positions` values.
  struct Shape {
    var n, c, groups, positions: Int
    var channelsPerGroup: Int { c / groups }
    var rows: Int { n * groups }
    var rowCount: Int { channelsPerGroup * positions }
  }

  static func forward<T: FloatElement>(_ x: UnsafePointer<T>, _ s: Shape, weight: UnsafePointer<T>?, bias: UnsafePointer<T>?,
                                       eps: Double, silu: Bool, y: UnsafeMutablePointer<T>,
                                       mean: UnsafeMutablePointer<T>, rstd: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let (x, y, mean, rstd, weight, bias) = (x, y, mean, rstd, weight, bias)
    let len = s.rowCount, cg = s.channelsPerGroup, S = s.positions
    Threads.splitRange(s.rows, parallel: s.rows * len >= parallelElements) { r0, r1 in
      for r in r0..<r1 {
        let p = x + r * len, q = y + r * len
        let m = RowSums.sum(p, len) / T(len)
        let inv = 1 / (RowSums.squaredDeviations(p, len, from: m) / T(len) + T(eps)).squareRoot()
        mean[r] = m; rstd[r] = inv
        let c0 = (r % s.groups) * cg
        for j in 0..<cg {
          // a = x·scale + shift with scale = γ·r and shift = β − μ·scale.
          let scale = inv * (weight?[c0 + j] ?? 1), shift = (bias?[c0 + j] ?? 0) - m * scale
          let pc = p + j * S, qc = q + j * S
          if silu {
            for i in 0..<S { let a = pc[i] * scale + shift; qc[i] = a * T.sigmoid(a) }
          } else {
            for i in 0..<S { qc[i] = pc[i] * scale + shift }
          }
        }
      }
    }
  }

  /// ∂L/∂x into `dx`; ∂L/∂γ and ∂L/∂β ([C]) into `dWeight`, `dBias` when given.
  static func backward<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ s: Shape,
                                        mean: UnsafePointer<T>, rstd: UnsafePointer<T>, weight: UnsafePointer<T>?,
                                        bias: UnsafePointer<T>?, silu: Bool, dx: UnsafeMutablePointer<T>?,
                                        dWeight: UnsafeMutablePointer<T>?, dBias: UnsafeMutablePointer<T>?) {
    let len = s.rowCount, cg = s.channelsPerGroup, S = s.positions, C = s.c
    let chunks = s.rows * len >= parallelElements && Threads.count > 1 && s.rows > 1 ? Swift.min(Threads.count, s.rows) : 1
    // Per chunk: its share of Σ dA·x̂ and Σ dA per channel [2C], and one row of dA.
    let partials = (0..<chunks).map { _ in Workspace<T>(2 * C + len) }
    defer { for p in partials { p.free() } }
    nonisolated(unsafe) let (g, x, mean, rstd, weight, bias, dx) = (g, x, mean, rstd, weight, bias, dx)
    nonisolated(unsafe) let targets = partials.map(\.p)
    Threads.parallelFor(chunks) { chunk in
      let r0 = s.rows * chunk / chunks, r1 = s.rows * (chunk + 1) / chunks
      let sumAX = targets[chunk], sumA = sumAX + C, dA = sumAX + 2 * C
      sumAX.update(repeating: 0, count: 2 * C)
      for r in r0..<r1 {
        let gp = g + r * len, xp = x + r * len
        let m = mean[r], inv = rstd[r], c0 = (r % s.groups) * cg
        // dA for the row, and per channel Σ dA and Σ dA·(x − μ); mean(ĝ), mean(ĝ ⊙ x̂) from them.
        var meanG: T = 0, meanGX: T = 0
        for j in 0..<cg {
          let gc = gp + j * S, xc = xp + j * S, dc = dA + j * S
          let w = weight?[c0 + j] ?? 1
          if silu {
            let scale = inv * w, shift = (bias?[c0 + j] ?? 0) - m * scale
            for i in 0..<S {
              let a = xc[i] * scale + shift, sg = T.sigmoid(a)
              dc[i] = gc[i] * sg * (1 + a * (1 - sg))
            }
          } else {
            dc.update(from: gc, count: S)
          }
          let (sa, sax) = RowSums.sumAndMoment(UnsafePointer(dc), xc, S, around: m)
          sumA[c0 + j] += sa
          sumAX[c0 + j] += sax * inv
          meanG += w * sa
          meanGX += w * sax * inv
        }
        guard let dx else { continue }
        meanG /= T(len); meanGX /= T(len)
        let dp = dx + r * len
        for j in 0..<cg {
          let w = weight?[c0 + j] ?? 1
          let xc = xp + j * S, dc = dA + j * S, out = dp + j * S
          // r·(γ·dA − mean(ĝ) − (x − μ)·r·mean(ĝ x̂)), written as a·dA + b·x + c.
          let a = inv * w, b = -inv * inv * meanGX, c = -inv * meanG + inv * inv * meanGX * m
          for i in 0..<S { out[i] = a * dc[i] + b * xc[i] + c }
        }
      }
    }
    for i in 0..<C {
      var dw: T = 0, db: T = 0
      for p in targets { dw += p[i]; db += p[C + i] }
      dWeight?[i] = dw
      dBias?[i] = db
    }
  }
}
