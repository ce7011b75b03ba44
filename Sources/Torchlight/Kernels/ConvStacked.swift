/// Stride-1 convolution as a sum of shifted GEMMs over a whole slice of the batch, with no
/// unfolded matrix (an "implicit GEMM").
///
/// The images of a slice are stacked on one tall grid per input channel, one shared run of zero
/// rows (the padding) between neighbours, and each grid row `w + pw` wide so that the right
/// padding of one row is the left padding of the next. On that grid, output pixel q reads kernel
/// tap (i, j) at the fixed offset `s = i·dh·(w + pw) + j·dw`, for every image at once. So, with
/// `W_t` the `[o, c]` weights of tap t and `X` the `[c, positions]` stacked input,
///
///     Y = Σ_t W_t · X[:, s_t ..< s_t + columns]        (one gemm per tap, k = c)
///     dX[:, s_t ..< s_t + columns] += W_tᵀ · G         (the input gradient, also per tap)
///     dW_t = G · X[:, s_t ..< s_t + columns]ᵀ           (the weight gradient, k = columns)
///
/// where each shifted slice is an ordinary matrix whose rows are `plane` apart: OpenBLAS reads it
/// in place. The unfolded matrix of im2col (9× the input for a 3×3 kernel) is never written or
/// read back, and the input gradient needs no col2im. The grid positions that are padding, not
/// output pixels, are computed and dropped (G is zero there, so they add nothing back):
/// `(h + ph)(w + pw)/(oh·ow)` of the work, ≤ 1.35 by `prefersStacked`.
extension Conv {
  /// The stacked-grid layout of one convolution.
  struct StackedGrid {
    /// Grid row width, and grid rows per image (the image and one shared padding band).
    let width: Int, rowsPerImage: Int
    let ph: Int, pw: Int
    /// For each kernel tap (row-major), its offset on the grid.
    let offsets: [Int]
    var imageStride: Int { rowsPerImage * width }

    init(_ g: ConvGeometry) {
      width = g.w + g.pw
      rowsPerImage = g.h + g.ph
      ph = g.ph; pw = g.pw
      var taps: [Int] = []
      for i in 0..<g.kh { for j in 0..<g.kw { taps.append(i * g.dh * (g.w + g.pw) + j * g.dw) } }
      offsets = taps
    }

    /// Values of one channel's grid for `images` images: the bands, plus the reach of the last tap.
    func plane(images: Int) -> Int { (images * rowsPerImage + ph) * width + pw }
    /// Output positions a gemm computes for `images` images (up to the last real output pixel).
    func columns(images: Int, _ g: ConvGeometry) -> Int { ((images - 1) * rowsPerImage + g.oh - 1) * width + g.ow }
    /// Grid position of input pixel (0, 0) of image 0.
    var lead: Int { ph * width + pw }

    /// Copies `channels` channels (from `channel0`) of images `n ..< n + count` onto zeroed grids.
    @inline(__always)
    func stack<T: FloatElement>(_ x: UnsafePointer<T>, n: Int, count: Int, channel0: Int, channels: Int, _ g: ConvGeometry,
                                into grid: UnsafeMutablePointer<T>) {
      let p = plane(images: count)
      grid.update(repeating: 0, count: channels * p)
      for c in 0..<channels {
        for j in 0..<count {
          let src = x + ((n + j) * g.c + channel0 + c) * g.h * g.w, dst = grid + c * p + lead + j * imageStride
          for r in 0..<g.h { (dst + r * width).update(from: src + r * g.w, count: g.w) }
        }
      }
    }

    /// The reverse of `stack`: the image pixels of each grid, written to `x`.
    @inline(__always)
    func unstack<T: FloatElement>(_ grid: UnsafePointer<T>, n: Int, count: Int, channel0: Int, channels: Int, _ g: ConvGeometry,
                                  into x: UnsafeMutablePointer<T>) {
      let p = plane(images: count)
      for c in 0..<channels {
        for j in 0..<count {
          let src = grid + c * p + lead + j * imageStride, dst = x + ((n + j) * g.c + channel0 + c) * g.h * g.w
          for r in 0..<g.h { (dst + r * g.w).update(from: src + r * width, count: g.w) }
        }
      }
    }

    /// Output channels `o0 ..< o0 + channels` of images `n ..< n + count` (`[N, o, oh, ow]`) laid
    /// on the output grid `[channels, columns]`, zero at the positions that are not output pixels.
    @inline(__always)
    func spread<T: FloatElement>(_ y: UnsafePointer<T>, n: Int, count: Int, channel0: Int, channels: Int, _ g: ConvGeometry,
                                 into grid: UnsafeMutablePointer<T>) {
      let cols = columns(images: count, g)
      grid.update(repeating: 0, count: channels * cols)
      for c in 0..<channels {
        for j in 0..<count {
          let src = y + ((n + j) * g.o + channel0 + c) * g.l, dst = grid + c * cols + j * imageStride
          for r in 0..<g.oh { (dst + r * width).update(from: src + r * g.ow, count: g.ow) }
        }
      }
    }
  }

  /// Stride 1, a real kernel, enough input channels per group for the per-tap gemms (k = c/groups),
  /// padding no wider than the kernel's reach (so one shared band pads both neighbours), and
  /// little wasted work on the grid.
  static func prefersStacked(_ g: ConvGeometry) -> Bool {
    guard g.sh == 1 && g.sw == 1 && !isPointwise(g) && g.cg >= 8 && g.l > 0 else { return false }
    guard g.ph <= g.dh * (g.kh - 1) && g.pw <= g.dw * (g.kw - 1) else { return false }
    return 100 * (g.h + g.ph) * (g.w + g.pw) <= 135 * g.l
  }

  /// Images per gemm: about `targetColumns` output positions, and the stacked input of one group
  /// at most 1 MB (it is read once per tap, so it should stay in the L2 cache).
  static func stackedImagesPerGemm(_ grid: StackedGrid, _ g: ConvGeometry, available: Int) -> Int {
    let byColumns = targetColumns / Swift.max(grid.imageStride, 1)
    let byCache = (1 << 18) / Swift.max(g.cg * grid.imageStride, 1)
    return Swift.max(1, Swift.min(available, byColumns, byCache))
  }

  /// The weights of group `grp` regrouped by tap: `[taps, og, cg]`, so `W_t` is a plain matrix.
  @inline(__always)
  static func weightsByTap<T: FloatElement>(_ weight: UnsafePointer<T>, group grp: Int, _ g: ConvGeometry,
                                            into dst: UnsafeMutablePointer<T>) {
    let taps = g.kh * g.kw
    for o in 0..<g.og {
      for c in 0..<g.cg {
        let src = weight + ((grp * g.og + o) * g.cg + c) * taps
        for t in 0..<taps { dst[(t * g.og + o) * g.cg + c] = src[t] }
      }
    }
  }

  static func stackedForward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                              out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, weight = weight, bias = bias, out = out
    let grid = StackedGrid(g), taps = g.kh * g.kw
    overBatch(g) { n0, n1 in
      let nb = stackedImagesPerGemm(grid, g, available: n1 - n0)
      let xs = Workspace<T>(g.cg * grid.plane(images: nb)), ys = Workspace<T>(g.og * grid.columns(images: nb, g))
      let wt = Workspace<T>(taps * g.og * g.cg)
      defer { xs.free(); ys.free(); wt.free() }
      for grp in 0..<g.groups {
        weightsByTap(weight, group: grp, g, into: wt.p)
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), plane = grid.plane(images: count), cols = grid.columns(images: count, g)
          grid.stack(x, n: n, count: count, channel0: grp * g.cg, channels: g.cg, g, into: xs.p)
          for t in 0..<taps {
            gemm(false, false, m: g.og, n: cols, k: g.cg, UnsafePointer(wt.p + t * g.og * g.cg), lda: g.cg,
                 UnsafePointer(xs.p + grid.offsets[t]), ldb: plane, beta: t == 0 ? 0 : 1, ys.p, ldc: cols)
          }
          // The output pixels of each image, plus the bias.
          for oc in 0..<g.og {
            let bv = bias?[grp * g.og + oc] ?? 0
            for j in 0..<count {
              let src = ys.p + oc * cols + j * grid.imageStride, dst = out + ((n + j) * g.o + grp * g.og + oc) * g.l
              for r in 0..<g.oh {
                let s = src + r * grid.width, d = dst + r * g.ow
                for i in 0..<g.ow { d[i] = s[i] + bv }
              }
            }
          }
          n += count
        }
      }
    }
  }

  static func stackedInputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                    dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let gy = gy, weight = weight, dx = dx
    let grid = StackedGrid(g), taps = g.kh * g.kw
    overBatch(g) { n0, n1 in
      let nb = stackedImagesPerGemm(grid, g, available: n1 - n0)
      let dxs = Workspace<T>(g.cg * grid.plane(images: nb)), gs = Workspace<T>(g.og * grid.columns(images: nb, g))
      let wt = Workspace<T>(taps * g.og * g.cg)
      defer { dxs.free(); gs.free(); wt.free() }
      for grp in 0..<g.groups {
        weightsByTap(weight, group: grp, g, into: wt.p)
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), plane = grid.plane(images: count), cols = grid.columns(images: count, g)
          grid.spread(gy, n: n, count: count, channel0: grp * g.og, channels: g.og, g, into: gs.p)
          dxs.p.update(repeating: 0, count: g.cg * plane)
          for t in 0..<taps {
            gemm(true, false, m: g.cg, n: cols, k: g.og, UnsafePointer(wt.p + t * g.og * g.cg), lda: g.cg,
                 UnsafePointer(gs.p), ldb: cols, beta: 1, dxs.p + grid.offsets[t], ldc: plane)
          }
          grid.unstack(UnsafePointer(dxs.p), n: n, count: count, channel0: grp * g.cg, channels: g.cg, g, into: dx)
          n += count
        }
      }
    }
  }

  static func stackedWeightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                     dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, gy = gy
    let grid = StackedGrid(g), taps = g.kh * g.kw
    overBatchSummed(g, into: dw) { n0, n1, target in
      let nb = stackedImagesPerGemm(grid, g, available: n1 - n0)
      let xs = Workspace<T>(g.cg * grid.plane(images: nb)), gs = Workspace<T>(g.og * grid.columns(images: nb, g))
      let dwt = Workspace<T>(taps * g.og * g.cg)
      defer { xs.free(); gs.free(); dwt.free() }
      for grp in 0..<g.groups {
        dwt.p.update(repeating: 0, count: taps * g.og * g.cg)
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), plane = grid.plane(images: count), cols = grid.columns(images: count, g)
          grid.stack(x, n: n, count: count, channel0: grp * g.cg, channels: g.cg, g, into: xs.p)
          grid.spread(gy, n: n, count: count, channel0: grp * g.og, channels: g.og, g, into: gs.p)
          for t in 0..<taps {
            gemm(false, true, m: g.og, n: g.cg, k: cols, UnsafePointer(gs.p), lda: cols,
                 UnsafePointer(xs.p + grid.offsets[t]), ldb: plane, beta: 1, dwt.p + t * g.og * g.cg, ldc: g.cg)
          }
          n += count
        }
        // Back to the weight's own layout [og, cg, taps].
        for o in 0..<g.og {
          for c in 0..<g.cg {
            let d = target + ((grp * g.og + o) * g.cg + c) * taps
            for t in 0..<taps { d[t] += dwt.p[(t * g.og + o) * g.cg + c] }
          }
        }
      }
    }
  }
}
