import COpenBLAS

/// Fused scaled dot-product attention over raw buffers, one batch×head matrix at a time:
///
///     S = s·Q Kᵀ + M,   W = softmax(S) row by row,   O = W V
///
/// for Q [L, E], K [S, E], V [S, Eᵥ] and an additive mask M (or the causal triangle). Query rows
/// go in blocks of `blockRows`, so a block's scores (blockRows × S) stay in cache between the
/// two products; each product is one OpenBLAS call. Only O and each row's logsumexp are kept.
///
/// Backward recomputes W from the saved logsumexp (W = e^(S − logsumexp): one more Q Kᵀ
/// product, cheaper than storing L×S weights per head and reading them back), then
///
///     ∂V = Wᵀ ∂O,   ∂W = ∂O Vᵀ,   ∂S = W ⊙ (∂W − rowsum(W ⊙ ∂W)),   ∂Q = s·∂S K,   ∂K = s·∂Sᵀ Q,
///
/// with ∂M = ∂S. Matrices are independent, so they are split across threads; each result is
/// the same for any thread count.
enum AttentionKernel {
  static let blockRows = 64
  static let parallelWork = 1 << 18

  struct Dims {
    /// Number of batch×head matrices, queries L, keys S, features E (queries, keys), Eᵥ (values).
    let matrices: Int, queries: Int, keys: Int, features: Int, valueFeatures: Int
    let causal: Bool
    let scale: Double

    /// Keys query row i may see: all of them, or 0…i when causal (the top-left triangle).
    @inline(__always) func visible(_ i: Int) -> Int { causal ? Swift.min(keys, i + 1) : keys }
  }

  /// One batched operand as BLAS reads it: matrix b starts at `base + offsets[b]`, a row further
  /// is `rowStride` on, and (transpose flag, leading dimension) describe the rest.
  struct Operand<T: FloatElement> {
    let base: UnsafePointer<T>
    let offsets: [Int]
    let trans: CBLAS_TRANSPOSE
    let ld: Int
    let rowStride: Int

    @inline(__always) func rows(_ b: Int, from i: Int) -> UnsafePointer<T> { base + offsets[b] + i * rowStride }
  }

  /// The additive mask, read through strides (0 along broadcast axes).
  struct Bias<T: FloatElement> {
    let base: UnsafePointer<T>
    let offsets: [Int]
    let rowStride: Int, colStride: Int
  }

  /// `body(first, end)` over slices of the matrices, in parallel when the work pays for it;
  /// OpenBLAS runs single-threaded meanwhile.
  static func overMatrices(_ d: Dims, _ body: (Int, Int) -> Void) {
    let work = d.matrices * d.queries * d.keys * (d.features + d.valueFeatures)
    let chunks = Threads.count > 1 && work >= parallelWork ? Swift.min(Threads.count, d.matrices) : 1
    if chunks <= 1 { body(0, d.matrices); return }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(Threads.count)) }
    Threads.parallelFor(chunks) { c in body(d.matrices * c / chunks, d.matrices * (c + 1) / chunks) }
  }

  /// Scores s·Q Kᵀ + M of query rows i0..<i1 of matrix b, first `width` keys, into `out`
  /// (row-major, `ld` apart).
  @inline(__always)
  static func scores<T: FloatElement>(_ d: Dims, _ b: Int, _ i0: Int, _ i1: Int, width: Int, _ q: Operand<T>,
                                      _ k: Operand<T>, _ bias: Bias<T>?, _ out: UnsafeMutablePointer<T>, ld: Int) {
    ScaledGemm.run(q.trans, q.rows(b, from: i0), q.ld, flipped(k.trans), k.rows(b, from: 0), k.ld, out, ld,
                   m: i1 - i0, n: width, k: d.features, alpha: d.scale, beta: 0)
    guard let bias else { return }
    for r in 0..<(i1 - i0) {
      let m = bias.base + bias.offsets[b] + (i0 + r) * bias.rowStride, s = out + r * ld
      let n = Swift.min(width, d.visible(i0 + r))
      if bias.colStride == 1 {
        for j in 0..<n { s[j] += m[j] }
      } else {
        for j in 0..<n { s[j] += m[j * bias.colStride] }
      }
    }
  }

  /// Writes O [matrices, L, Eᵥ] and each query row's logsumexp [matrices, L].
  static func forward<T: FloatElement>(_ d: Dims, q: Operand<T>, k: Operand<T>, v: Operand<T>, bias: Bias<T>?,
                                       output: UnsafeMutablePointer<T>, logSumExp: UnsafeMutablePointer<T>) {
    nonisolated(unsafe) let (output, logSumExp) = (output, logSumExp)
    let (l, s, ev) = (d.queries, d.keys, d.valueFeatures)
    overMatrices(d) { b0, b1 in
      let w = Workspace<T>(blockRows * s)
      defer { w.free() }
      for b in b0..<b1 {
        for i0 in stride(from: 0, to: l, by: blockRows) {
          let i1 = Swift.min(l, i0 + blockRows)
          let width = d.visible(i1 - 1)  // keys any row of the block sees
          scores(d, b, i0, i1, width: width, q, k, bias, w.p, ld: s)
          for r in 0..<(i1 - i0) {
            logSumExp[b * l + i0 + r] = AttentionRows.softmax(w.p + r * s, visible: d.visible(i0 + r), width: width)
          }
          ScaledGemm.run(CblasNoTrans, w.p, s, v.trans, v.rows(b, from: 0), v.ld, output + (b * l + i0) * ev, ev,
                         m: i1 - i0, n: ev, k: width, alpha: 1, beta: 0)
        }
      }
    }
  }

  /// Given ∂L/∂O, writes ∂Q [matrices, L, E], ∂K [matrices, S, E], ∂V [matrices, S, Eᵥ] and,
  /// when asked, ∂M [matrices, L, S].
  static func backward<T: FloatElement>(_ d: Dims, q: Operand<T>, k: Operand<T>, v: Operand<T>, bias: Bias<T>?,
                                        logSumExp: UnsafePointer<T>, dOutput g: Operand<T>,
                                        dQuery: UnsafeMutablePointer<T>, dKey: UnsafeMutablePointer<T>,
                                        dValue: UnsafeMutablePointer<T>, dBias: UnsafeMutablePointer<T>?) {
    nonisolated(unsafe) let (logSumExp, dQuery, dKey, dValue, dBias) = (logSumExp, dQuery, dKey, dValue, dBias)
    let (l, s, e, ev) = (d.queries, d.keys, d.features, d.valueFeatures)
    overMatrices(d) { b0, b1 in
      let w = Workspace<T>(blockRows * s), dw = Workspace<T>(blockRows * s)
      defer { w.free(); dw.free() }
      for b in b0..<b1 {
        let dk = dKey + b * s * e, dv = dValue + b * s * ev
        dk.update(repeating: 0, count: s * e)
        dv.update(repeating: 0, count: s * ev)
        for i0 in stride(from: 0, to: l, by: blockRows) {
          let i1 = Swift.min(l, i0 + blockRows), rows = i1 - i0
          let width = d.visible(i1 - 1)
          // W again, from the scores and the logsumexp.
          scores(d, b, i0, i1, width: width, q, k, bias, w.p, ld: s)
          for r in 0..<rows {
            AttentionRows.weights(w.p + r * s, visible: d.visible(i0 + r), width: width, logSumExp: logSumExp[b * l + i0 + r])
          }
          // ∂W = ∂O Vᵀ, then ∂S = W ⊙ (∂W − rowsum(W ⊙ ∂W)) in its place.
          ScaledGemm.run(g.trans, g.rows(b, from: i0), g.ld, flipped(v.trans), v.rows(b, from: 0), v.ld, dw.p, s,
                         m: rows, n: width, k: ev, alpha: 1, beta: 0)
          for r in 0..<rows { AttentionRows.softmaxBackward(w.p + r * s, dw.p + r * s, width) }
          if let dBias {
            for r in 0..<rows {
              let out = dBias + (b * l + i0 + r) * s
              out.update(from: dw.p + r * s, count: width)
              (out + width).update(repeating: 0, count: s - width)
            }
          }
          // ∂V += Wᵀ ∂O, ∂Q = s·∂S K, ∂K += s·∂Sᵀ Q (only the keys this block sees).
          ScaledGemm.run(CblasTrans, w.p, s, g.trans, g.rows(b, from: i0), g.ld, dv, ev,
                         m: width, n: ev, k: rows, alpha: 1, beta: 1)
          ScaledGemm.run(CblasNoTrans, dw.p, s, k.trans, k.rows(b, from: 0), k.ld, dQuery + (b * l + i0) * e, e,
                         m: rows, n: e, k: width, alpha: d.scale, beta: 0)
          ScaledGemm.run(CblasTrans, dw.p, s, q.trans, q.rows(b, from: i0), q.ld, dk, e,
                         m: width, n: e, k: rows, alpha: d.scale, beta: 1)
        }
      }
    }
  }
}
