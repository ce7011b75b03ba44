/// Reductions over raw buffers.
///
/// `accumulate` folds the input into an output that has size 1 along the reduced axes. The output
/// is read with stride 0 along those axes, so one `StridedLoop` over the *input* shape visits
/// every (output, input) pair: runs along a kept axis become vectorisable `out[j] ⊕= x[j]` loops,
/// runs along a reduced axis become a fold into one accumulator.
enum Reduce {
  @inline(__always)
  static func accumulate<T: TensorElement, U: TensorElement>(
    _ x: Tensor, _: T.Type, into out: Tensor, _: U.Type,
    _ combine: (U, T) -> U, fold: (UnsafePointer<T>, Int, Int, U) -> U
  ) {
    let outStrides = zip(out.shape, out.strides).map { $0 == 1 ? 0 : $1 }
    let px = x.base(T.self), po = out.base(U.self)
    StridedLoop(shape: x.shape, strides: [outStrides, x.strides]).forEachRun { off, n, st in
      let o = po + off[0], s = px + off[1]
      if st[0] == 0 {
        o[0] = fold(s, n, st[1], o[0])
      } else if st[0] == 1 && st[1] == 1 {
        for i in 0..<n { o[i] = combine(o[i], s[i]) }
      } else {
        for i in 0..<n { o[i * st[0]] = combine(o[i * st[0]], s[i * st[1]]) }
      }
    }
  }

  /// Σ of `n` elements at `p` with `stride`, added to `start`. Eight independent partial sums let
  /// the CPU pipeline the additions (and vectorise them when contiguous) and halve rounding error.
  @inline(__always)
  static func sumRun<T: NumericElement>(_ p: UnsafePointer<T>, _ n: Int, _ stride: Int, _ start: T) -> T {
    var a0 = T.zero, a1 = T.zero, a2 = T.zero, a3 = T.zero, a4 = T.zero, a5 = T.zero, a6 = T.zero, a7 = T.zero
    var i = 0
    if stride == 1 {
      while i + 8 <= n {
        a0 += p[i]; a1 += p[i + 1]; a2 += p[i + 2]; a3 += p[i + 3]
        a4 += p[i + 4]; a5 += p[i + 5]; a6 += p[i + 6]; a7 += p[i + 7]
        i += 8
      }
    }
    var tail = T.zero
    while i < n { tail += p[i * stride]; i += 1 }
    return start + (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + tail)
  }

  /// Σ in blocks: each block of 256 is summed in `T` (8 partial sums of 32 values), the block
  /// sums in Double, so a sum of ten million float32 values keeps about seven correct digits.
  @inline(__always)
  static func blockedSum<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int, _ stride: Int, _ start: T) -> T {
    if n <= 256 { return sumRun(p, n, stride, start) }
    var total = Double(start)
    var i = 0
    while i < n {
      let m = Swift.min(256, n - i)
      total += Double(sumRun(p + i * stride, m, stride, T.zero))
      i += m
    }
    return T(total)
  }

  /// For each output position, the best element along `axis` and its index (first one on ties;
  /// NaN counts as best, as PyTorch propagates it). `better(a, b)` is true when a beats b.
  @inline(__always)
  static func argBest<T: NumericElement>(
    _ x: Tensor, _: T.Type, axis: Int, _ better: (T, T) -> Bool
  ) -> (values: Tensor, indices: Tensor) {
    var outShape = x.shape
    let k = outShape.remove(at: axis)
    var inStrides = x.strides
    let step = inStrides.remove(at: axis)
    let values = Tensor(zeros: outShape, dtype: T.dtype)
    let indices = Tensor(zeros: outShape, dtype: .int64)
    let px = x.base(T.self), pv = values.base(T.self), pi = indices.base(Int64.self)
    StridedLoop(shape: outShape, strides: [values.strides, inStrides]).forEachRun { off, n, st in
      for j in 0..<n {
        let row = px + off[1] + j * st[1]
        var best = row[0], bestIndex = 0
        for i in 1..<Swift.max(k, 1) {
          let v = row[i * step]
          if best == best && (v != v || better(v, best)) { best = v; bestIndex = i }
        }
        pv[off[0] + j * st[0]] = best
        pi[off[0] + j * st[0]] = Int64(bestIndex)
      }
    }
    return (values, indices)
  }
}
