/// The route that works for every shape: unfold, multiply, fold back (im2col + gemm).
///
/// For one image and one group, with `col = im2col(x)` of shape `[k, l]` (one column per output
/// position, one row per weight of an output channel):
/// - forward: `y = W · col` (`[og, k] · [k, l]`)
/// - input gradient (= transposed convolution): `col = Wᵀ · g`, then `col2im` adds every column
///   back onto the pixels it was read from
/// - weight gradient: `dW += g · colᵀ`
///
/// Several images are unfolded side by side (`[k, nb·l]`) when one image gives too few columns
/// for an efficient gemm. A pointwise layer (1×1, stride 1, no padding) skips the unfolding: the
/// image is its own `col`.
extension Conv {
  // MARK: Unfold and fold

  /// Writes the receptive fields of `channels` planes of one image at `x` into rows of `col`
  /// (row stride `ld`): row `(c·kh + i)·kw + j` holds, for each output position, the input pixel
  /// under kernel tap (i, j) of channel c, or 0 where that tap falls in the padding.
  @inline(__always)
  static func im2col<T: FloatElement>(_ x: UnsafePointer<T>, channels: Int, _ g: ConvGeometry,
                                      into col: UnsafeMutablePointer<T>, ld: Int) {
    let H = g.h, W = g.w, OH = g.oh, OW = g.ow, sw = g.sw
    var row = 0
    for c in 0..<channels {
      let plane = x + c * H * W
      for ki in 0..<g.kh {
        for kj in 0..<g.kw {
          let dst = col + row * ld
          let xoff = kj * g.dw - g.pw
          let (lo, hi) = validRange(offset: xoff, stride: sw, size: W, count: OW)
          for oy in 0..<OH {
            let iy = oy * g.sh - g.ph + ki * g.dh
            let d = dst + oy * OW
            // Rows are short (7 to 28 values): plain stores beat a call to memset or memcpy,
            // and a pointer stepped by the stride avoids a checked multiply per value.
            if iy < 0 || iy >= H { for ox in 0..<OW { d[ox] = 0 }; continue }
            for ox in 0..<lo { d[ox] = 0 }
            var src = plane + iy * W + xoff + lo * sw
            if sw == 1 {
              for ox in lo..<hi { d[ox] = src[ox - lo] }
            } else {
              for ox in lo..<hi { d[ox] = src.pointee; src += sw }
            }
            for ox in hi..<OW { d[ox] = 0 }
          }
          row += 1
        }
      }
    }
  }

  /// The reverse of `im2col`: adds each entry of `col` onto the input pixel it was read from.
  /// Entries that came from the padding are dropped. `x` must be zeroed (or hold a partial sum).
  @inline(__always)
  static func col2im<T: FloatElement>(_ col: UnsafePointer<T>, ld: Int, channels: Int, _ g: ConvGeometry,
                                      into x: UnsafeMutablePointer<T>) {
    let H = g.h, W = g.w, OH = g.oh, OW = g.ow, sw = g.sw
    var row = 0
    for c in 0..<channels {
      let plane = x + c * H * W
      for ki in 0..<g.kh {
        for kj in 0..<g.kw {
          let src = col + row * ld
          let xoff = kj * g.dw - g.pw
          let (lo, hi) = validRange(offset: xoff, stride: sw, size: W, count: OW)
          for oy in 0..<OH {
            let iy = oy * g.sh - g.ph + ki * g.dh
            if iy < 0 || iy >= H { continue }
            let s = src + oy * OW
            var d = plane + iy * W + xoff + lo * sw
            if sw == 1 {
              for ox in lo..<hi { d[ox - lo] += s[ox] }
            } else {
              for ox in lo..<hi { d.pointee += s[ox]; d += sw }
            }
          }
          row += 1
        }
      }
    }
  }

  /// The output columns `lo..<hi` whose input column `ox·stride + offset` lies inside `0..<size`.
  @inline(__always)
  static func validRange(offset: Int, stride: Int, size: Int, count: Int) -> (Int, Int) {
    let lo = Swift.min(count, offset >= 0 ? 0 : (-offset + stride - 1) / stride)
    let last = size - 1 - offset
    let hi = last < 0 ? 0 : Swift.min(count, last / stride + 1)
    return (lo, Swift.max(lo, hi))
  }

  // MARK: The three products

  /// `out = conv(x, w) + bias`. All buffers contiguous: x `[n, c, h, w]`, w `[o, c/g, kh, kw]`,
  /// out `[n, o, oh, ow]` (fully overwritten).
  static func unfoldedForward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                       out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, weight = weight, bias = bias, out = out
    let pointwise = isPointwise(g)
    overBatch(g) { n0, n1 in
      let nb = pointwise ? 1 : imagesPerGemm(g, available: n1 - n0)
      let col = pointwise ? nil : Workspace<T>(g.k * nb * g.l)
      let transposed = !pointwise && prefersTransposedProduct(g)
      let tmp = nb > 1 || transposed ? Workspace<T>(g.og * nb * g.l) : nil
      defer { col?.free(); tmp?.free() }
      var n = n0
      while n < n1 {
        let count = Swift.min(nb, n1 - n)
        let cols = count * g.l
        for grp in 0..<g.groups {
          let wg = weight + grp * g.og * g.k
          // B: the unfolded images, or for a 1×1 kernel the image itself.
          let b: UnsafePointer<T>
          if let col {
            for j in 0..<count {
              im2col(x + ((n + j) * g.c + grp * g.cg) * g.h * g.w, channels: g.cg, g, into: col.p + j * g.l, ld: cols)
            }
            b = UnsafePointer(col.p)
          } else {
            b = x + (n * g.c + grp * g.cg) * g.h * g.w
          }
          if let tmp, transposed {
            // yᵀ = colᵀ · Wᵀ, [cols, og], then each output channel read out with stride og.
            gemm(true, true, m: cols, n: g.og, k: g.k, b, lda: cols, UnsafePointer(wg), ldb: g.k, beta: 0, tmp.p, ldc: g.og)
            for j in 0..<count {
              for oc in 0..<g.og {
                let d = out + ((n + j) * g.o + grp * g.og + oc) * g.l, s = tmp.p + j * g.l * g.og + oc
                let bv = bias?[grp * g.og + oc] ?? 0
                for i in 0..<g.l { d[i] = s[i * g.og] + bv }
              }
            }
          } else if let tmp {
            gemm(false, false, m: g.og, n: cols, k: g.k, UnsafePointer(wg), lda: g.k, b, ldb: cols, beta: 0, tmp.p, ldc: cols)
            for j in 0..<count {
              for oc in 0..<g.og {
                let d = out + ((n + j) * g.o + grp * g.og + oc) * g.l, s = tmp.p + oc * cols + j * g.l
                let bv = bias?[grp * g.og + oc] ?? 0
                for i in 0..<g.l { d[i] = s[i] + bv }
              }
            }
          } else {
            let d = out + (n * g.o + grp * g.og) * g.l
            if let bias {
              for oc in 0..<g.og { (d + oc * g.l).update(repeating: bias[grp * g.og + oc], count: g.l) }
            }
            gemm(false, false, m: g.og, n: g.l, k: g.k, UnsafePointer(wg), lda: g.k, b, ldb: g.l,
                 beta: bias == nil ? 0 : 1, d, ldc: g.l)
          }
        }
        n += count
      }
    }
  }

  /// `dx = convᵀ(gy, w)`: the gradient of the convolution with respect to its input, which is
  /// also the transposed convolution of `gy`. gy `[n, o, oh, ow]`, dx `[n, c, h, w]` (overwritten).
  static func unfoldedInputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                             dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let gy = gy, weight = weight, dx = dx
    let pointwise = isPointwise(g)
    overBatch(g) { n0, n1 in
      let nb = pointwise ? 1 : imagesPerGemm(g, available: n1 - n0)
      let col = pointwise ? nil : Workspace<T>(g.k * nb * g.l)
      let gT = nb > 1 ? Workspace<T>(g.og * nb * g.l) : nil
      defer { col?.free(); gT?.free() }
      var n = n0
      while n < n1 {
        let count = Swift.min(nb, n1 - n)
        let cols = count * g.l
        for grp in 0..<g.groups {
          let wg = weight + grp * g.og * g.k
          let b: UnsafePointer<T>
          if let gT {
            gatherChannels(gy, n: n, count: count, channel0: grp * g.og, channels: g.og, planes: g.o, g.l, into: gT.p)
            b = UnsafePointer(gT.p)
          } else {
            b = gy + (n * g.o + grp * g.og) * g.l
          }
          let image = dx + (n * g.c + grp * g.cg) * g.h * g.w
          if let col {
            gemm(true, false, m: g.k, n: cols, k: g.og, wg, lda: g.k, b, ldb: cols, beta: 0, col.p, ldc: cols)
            for j in 0..<count {
              let xj = dx + ((n + j) * g.c + grp * g.cg) * g.h * g.w
              xj.update(repeating: 0, count: g.cg * g.h * g.w)
              col2im(UnsafePointer(col.p + j * g.l), ld: cols, channels: g.cg, g, into: xj)
            }
          } else {
            gemm(true, false, m: g.k, n: g.l, k: g.og, wg, lda: g.k, b, ldb: g.l, beta: 0, image, ldc: g.l)
          }
        }
        n += count
      }
    }
  }

  /// `dw = Σₙ gyₙ · im2col(xₙ)ᵀ`: the gradient of the convolution with respect to its weight.
  /// x `[n, c, h, w]`, gy `[n, o, oh, ow]`, dw `[o, c/g, kh, kw]` (overwritten).
  static func unfoldedWeightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                              dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, gy = gy
    let pointwise = isPointwise(g), transposed = prefersTransposedProduct(g)
    overBatchSummed(g, into: dw) { n0, n1, target in
      let nb = pointwise ? 1 : imagesPerGemm(g, available: n1 - n0)
      let col = pointwise ? nil : Workspace<T>(g.k * nb * g.l)
      let gT = nb > 1 ? Workspace<T>(g.og * nb * g.l) : nil
      let dwT = transposed ? TransposedWeightGradient<T>(g) : nil
      defer { col?.free(); gT?.free() }
      var n = n0
      while n < n1 {
        let count = Swift.min(nb, n1 - n)
        let cols = count * g.l
        for grp in 0..<g.groups {
          let a: UnsafePointer<T>
          if let gT {
            gatherChannels(gy, n: n, count: count, channel0: grp * g.og, channels: g.og, planes: g.o, g.l, into: gT.p)
            a = UnsafePointer(gT.p)
          } else {
            a = gy + (n * g.o + grp * g.og) * g.l
          }
          let b: UnsafePointer<T>
          if let col {
            for j in 0..<count {
              im2col(x + ((n + j) * g.c + grp * g.cg) * g.h * g.w, channels: g.cg, g, into: col.p + j * g.l, ld: cols)
            }
            b = UnsafePointer(col.p)
          } else {
            b = x + (n * g.c + grp * g.cg) * g.h * g.w
          }
          if let dwT {
            gemm(false, true, m: g.k, n: g.og, k: cols, b, lda: cols, a, ldb: cols, beta: 1, dwT.group(grp), ldc: g.og)
          } else {
            gemm(false, true, m: g.og, n: g.k, k: cols, a, lda: cols, b, ldb: cols,
                 beta: 1, target + grp * g.og * g.k, ldc: g.k)
          }
        }
        n += count
      }
      dwT?.add(into: target)  // the slice's dWᵀ, turned into [o, k]
    }
  }

  // MARK: Helpers

  /// The unfolded forward product `W · col` has only `o/groups` rows, and OpenBLAS runs such a
  /// short, wide product at well under half its speed when the inner dimension is long (a
  /// stride-2 layer with 32 output channels and k = 288: 13 against 31 GFLOP/s). Its transpose
  /// `colᵀ · Wᵀ` is the same product with the long side first, which the kernels handle at full
  /// speed; reading the result out by output channel costs one small transpose. The weight
  /// gradient `gy · colᵀ` has the same short side, and `col · gyᵀ = dWᵀ` runs up to twice as
  /// fast (16 output channels, k = 150: 14 against 27 GFLOP/s; see `TransposedWeightGradient`).
  static func prefersTransposedProduct(_ g: ConvGeometry) -> Bool {
    16 <= g.og && g.og <= 64 && g.k >= 128
  }

  /// A 1×1 kernel with stride 1 and no padding reads the image as it is: no unfolding needed.
  static func isPointwise(_ g: ConvGeometry) -> Bool {
    g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.oh == g.h && g.ow == g.w
  }

  /// Values of the unfolded matrix one gemm may use. It is written and read straight back, so
  /// it should stay in the L2 cache (256 KB here): a DCGAN layer with k = 512 and 4096 columns wrote 8 MB per
  /// gemm and spent most of its unfolding waiting on memory.
  static let columnValues = 1 << 16

  /// How many images to unfold side by side so the gemm has about `targetColumns` columns, and
  /// the unfolded matrix at most `columnValues` values.
  static func imagesPerGemm(_ g: ConvGeometry, available: Int) -> Int {
    let columns = Swift.min(targetColumns, columnValues / Swift.max(g.k, 1))
    return Swift.max(1, Swift.min(available, columns / Swift.max(g.l, 1)))
  }

  /// Copies channels `channel0..<channel0+channels` of images `n..<n+count` of a `[N, planes, l]`
  /// buffer into `[channels, count·l]`: the layout in which several images form one gemm operand.
  @inline(__always)
  static func gatherChannels<T: FloatElement>(_ src: UnsafePointer<T>, n: Int, count: Int, channel0: Int, channels: Int,
                                              planes: Int, _ l: Int, into dst: UnsafeMutablePointer<T>) {
    for ch in 0..<channels {
      for j in 0..<count {
        (dst + ch * count * l + j * l).update(from: src + ((n + j) * planes + channel0 + ch) * l, count: l)
      }
    }
  }
}

/// The weight gradient computed transposed, `dWᵀ = col · gyᵀ` (`[k, og]` per group), summed over a
/// slice of the batch in a zeroed scratch buffer and added, turned the right way, into the
/// slice's `[o, k]` target at the end (`Conv.prefersTransposedProduct` says when).
struct TransposedWeightGradient<T: FloatElement> {
  let buffer: Workspace<T>
  let groups: Int, k: Int, og: Int

  init(_ g: ConvGeometry) {
    (groups, k, og) = (g.groups, g.k, g.og)
    buffer = Workspace<T>(g.groups * g.k * g.og)
    buffer.p.update(repeating: 0, count: g.groups * g.k * g.og)
  }

  /// Where group `grp`'s `[k, og]` block starts.
  func group(_ grp: Int) -> UnsafeMutablePointer<T> { buffer.p + grp * k * og }

  /// `target[grp][oc][kk] += dWᵀ[grp][kk][oc]`, then the scratch buffer goes back to the pool.
  func add(into target: UnsafeMutablePointer<T>) {
    for grp in 0..<groups {
      let s = group(grp), d = target + grp * og * k
      for oc in 0..<og {
        for kk in 0..<k { d[oc * k + kk] += s[kk * og + oc] }
      }
    }
    buffer.free()
  }
}
