/// Elementwise kernels over raw buffers. Each has a dense fast path (one tight loop the compiler
/// vectorises) and a strided path through `StridedLoop`. They are `@inline(__always)` so the
/// closure given at the call site is inlined into the loop: no call per element.
///
/// Like PyTorch, an op on dense inputs that share one layout (say, two transposed matrices) runs
/// straight over their memory and gives its result that same layout, rather than gathering
/// elements in row-major order. Other inputs produce a contiguous result.
enum Elementwise {
  /// Tensors at least this large are split across threads by kernels marked `parallel`.
  static let parallelThreshold = 1 << 15

  /// `body(start, end)` over 0..<n: on one thread, or in `Threads.count` slices when
  /// `parallel` and n is large. Only for work that costs more than memory traffic (exp, tanh):
  /// for a plain add, a second thread measured slower.
  @inline(__always)
  static func chunked(_ n: Int, parallel: Bool, _ body: (Int, Int) -> Void) {
    Threads.splitRange(n, parallel: parallel && n >= parallelThreshold, body)
  }

  /// `out[i] = f(x[i])` for every index, into a fresh tensor.
  @inline(__always)
  static func map<T: TensorElement, U: TensorElement>(
    _ x: Tensor, _: T.Type, to: U.Type, parallel: Bool = false, _ f: (T) -> U
  ) -> Tensor {
    let dense = Layout.isDense(shape: x.shape, strides: x.strides)
    let out = Tensor(uninitialized: x.shape, dtype: U.dtype, strides: dense ? x.strides : nil)
    let src = x.base(T.self), dst = out.base(U.self)
    if dense {
      chunked(x.count, parallel: parallel) { start, end in
        for i in start..<end { dst[i] = f(src[i]) }
      }
    } else {
      StridedLoop(shape: x.shape, strides: [out.strides, x.strides]).forEachRun { off, n, st in
        let d = dst + off[0], s = src + off[1], ss = st[1]
        for i in 0..<n { d[i] = f(s[i * ss]) }
      }
    }
    return out
  }

  /// `out[i] = f(a[i], b[i])` with `a` and `b` broadcast to a common shape.
  @inline(__always)
  static func zip<A: TensorElement, B: TensorElement, U: TensorElement>(
    _ a: Tensor, _: A.Type, _ b: Tensor, _: B.Type, to: U.Type, op: String, _ f: (A, B) -> U
  ) -> Tensor {
    let shape = a.shape == b.shape ? a.shape : Layout.broadcastShapes(a.shape, b.shape, op: op)
    if a.shape == b.shape && a.strides == b.strides && Layout.isDense(shape: a.shape, strides: a.strides) {
      let out = Tensor(uninitialized: shape, dtype: U.dtype, strides: a.strides)
      let pa = a.base(A.self), pb = b.base(B.self), dst = out.base(U.self)
      for i in 0..<out.count { dst[i] = f(pa[i], pb[i]) }
      return out
    }
    let out = Tensor(uninitialized: shape, dtype: U.dtype)
    let pa = a.base(A.self), pb = b.base(B.self), dst = out.base(U.self)
    let sa = Layout.broadcastStrides(shape: a.shape, strides: a.strides, to: shape)
    let sb = Layout.broadcastStrides(shape: b.shape, strides: b.strides, to: shape)
    StridedLoop(shape: shape, strides: [out.strides, sa, sb]).forEachRun { off, n, st in
      let d = dst + off[0], x = pa + off[1], y = pb + off[2]
      let sx = st[1], sy = st[2]
      if sx == 1 && sy == 1 {
        for i in 0..<n { d[i] = f(x[i], y[i]) }
      } else if sy == 0 {
        let v = y[0]
        for i in 0..<n { d[i] = f(x[i * sx], v) }
      } else if sx == 0 {
        let v = x[0]
        for i in 0..<n { d[i] = f(v, y[i * sy]) }
      } else {
        for i in 0..<n { d[i] = f(x[i * sx], y[i * sy]) }
      }
    }
    return out
  }

  /// `dst[i] = f(dst[i], src[i])` in place, `src` broadcast to `dst`'s shape; `dst` may be any view.
  @inline(__always)
  static func update<T: TensorElement, S: TensorElement>(
    _ dst: Tensor, _: T.Type, with src: Tensor, _: S.Type, op: String, _ f: (T, S) -> T
  ) {
    let shape = Layout.broadcastShapes(dst.shape, src.shape, op: op)
    guard shape == dst.shape else {
      fatalError("\(op): cannot write a result of shape \(shape) into a tensor of shape \(dst.shape) in place")
    }
    let pd = dst.base(T.self), ps = src.base(S.self)
    let ss = Layout.broadcastStrides(shape: src.shape, strides: src.strides, to: shape)
    StridedLoop(shape: shape, strides: [dst.strides, ss]).forEachRun { off, n, st in
      let d = pd + off[0], s = ps + off[1], sd = st[0], sss = st[1]
      if sd == 1 && sss == 1 {
        for i in 0..<n { d[i] = f(d[i], s[i]) }
      } else {
        for i in 0..<n { d[i * sd] = f(d[i * sd], s[i * sss]) }
      }
    }
  }
}
