/// Elementwise kernels over raw buffers. Each has a contiguous fast path (one tight loop the
/// compiler vectorises) and a strided path through `StridedLoop`. They are `@inline(__always)` so
/// the closure given at the call site is inlined into the loop: no call per element.
enum Elementwise {
  /// `out[i] = f(x[i])` for every index; `out` is freshly allocated and contiguous.
  @inline(__always)
  static func map<T: TensorElement, U: TensorElement>(
    _ x: Tensor, _: T.Type, to: U.Type, _ f: (T) -> U
  ) -> Tensor {
    let out = Tensor(zeros: x.shape, dtype: U.dtype)
    let src = x.base(T.self), dst = out.base(U.self)
    if x.isContiguous {
      for i in 0..<x.count { dst[i] = f(src[i]) }
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
    let out = Tensor(zeros: shape, dtype: U.dtype)
    let pa = a.base(A.self), pb = b.base(B.self), dst = out.base(U.self)
    if a.shape == b.shape && a.isContiguous && b.isContiguous {
      for i in 0..<out.count { dst[i] = f(pa[i], pb[i]) }
      return out
    }
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
