/// im2col + gemm for stride-1 convolutions on the padded-plane layout of `ConvDirect.swift`.
///
/// The plain unfolding copies one output row at a time; for small images (LeNet's second layer
/// has rows of 10) those loops are too short to vectorise and cost more than the gemm. On the
/// padded-width grid, the row of the unfolded matrix for tap (c, i, j) is one contiguous run of
/// the padded plane, `xpad[c][s ..< s + span]`, copied in one go. The gemm then also computes
/// the dropped columns `ow ..< wp` of each output row (span/l ≤ 1.5 extra work, checked by
/// `prefersFlat`), which are skipped when the result is copied out.
extension Conv {
  /// Stride 1, a real kernel (1×1 needs no unfolding at all), and not too much wasted width.
  static func prefersFlat(_ g: ConvGeometry) -> Bool {
    g.sh == 1 && g.sw == 1 && !isPointwise(g) && 2 * FlatPlane(g).span <= 3 * g.l
  }

  /// Images per gemm on the flat layout, so the product has about `columns` columns.
  static func flatImagesPerGemm(_ flat: FlatPlane, available: Int, columns: Int = targetColumns) -> Int {
    Swift.max(1, Swift.min(available, columns / Swift.max(flat.span, 1)))
  }

  /// Bytes of the unfolded gradient (`[k, columns]`) the input gradient produces per gemm. It is
  /// written by the gemm and read straight back by the fold, so it should stay in the L2 cache:
  /// with 4096 columns LeNet's second layer wrote 2.4 MB per gemm and spent most of its input
  /// gradient waiting on memory.
  static let foldBytes = 1 << 18

  /// Pads the channels of group `grp` of images `n ..< n + count` into `xpad` and fills `col`
  /// (`[k, count·span]`) with their shifted runs: the unfolded input of one gemm.
  @inline(__always)
  static func flatUnfold<T: FloatElement>(_ x: UnsafePointer<T>, n: Int, count: Int, group grp: Int, _ g: ConvGeometry,
                                          _ flat: FlatPlane, offsets: UnsafeBufferPointer<Int>,
                                          xpad: UnsafeMutablePointer<T>, into col: UnsafeMutablePointer<T>) {
    let taps = g.kh * g.kw, cols = count * flat.span
    for j in 0..<count {
      flat.pad(x + ((n + j) * g.c + grp * g.cg) * g.h * g.w, channels: g.cg, g, into: xpad + j * g.cg * flat.size)
      for c in 0..<g.cg {
        let plane = xpad + (j * g.cg + c) * flat.size
        for t in 0..<taps {
          (col + (c * taps + t) * cols + j * flat.span).update(from: plane + offsets[t], count: flat.span)
        }
      }
    }
  }

  /// Images per gemm of the forward pass and the weight gradient: about `targetColumns` columns,
  /// with the unfolded matrix (`k` rows) at most `columnValues` values, so it is still in the L2
  /// cache when the gemm reads it (LeNet's second layer, k = 150: three images, not thirty).
  static func flatUnfoldedImages(_ flat: FlatPlane, _ g: ConvGeometry, available: Int) -> Int {
    flatImagesPerGemm(flat, available: available, columns: Swift.min(targetColumns, columnValues / Swift.max(g.k, 1)))
  }

  static func flatForward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                           out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, weight = weight, bias = bias, out = out
    let flat = FlatPlane(g), span = flat.span, transposed = prefersTransposedProduct(g)
    overBatch(g) { n0, n1 in
      let nb = flatUnfoldedImages(flat, g, available: n1 - n0)
      let xpad = Workspace<T>(nb * g.cg * flat.size), col = Workspace<T>(g.k * nb * span)
      let tmp = Workspace<T>(g.og * nb * span)
      defer { xpad.free(); col.free(); tmp.free() }
      flat.offsets.withUnsafeBufferPointer { offsets in
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), cols = count * span
          for grp in 0..<g.groups {
            flatUnfold(x, n: n, count: count, group: grp, g, flat, offsets: offsets, xpad: xpad.p, into: col.p)
            let wg = weight + grp * g.og * g.k
            // y = W · col, [og, cols]; or, for few output channels and a long inner dimension,
            // its transpose colᵀ · Wᵀ, [cols, og], which OpenBLAS runs about twice as fast.
            let (channelStep, positionStep) = transposed ? (1, g.og) : (cols, 1)
            if transposed {
              gemm(true, true, m: cols, n: g.og, k: g.k, UnsafePointer(col.p), lda: cols, wg, ldb: g.k, beta: 0, tmp.p, ldc: g.og)
            } else {
              gemm(false, false, m: g.og, n: cols, k: g.k, wg, lda: g.k, UnsafePointer(col.p), ldb: cols, beta: 0, tmp.p, ldc: cols)
            }
            // Copy the grid out, dropping the extra columns and adding the bias.
            for j in 0..<count {
              for oc in 0..<g.og {
                let o = grp * g.og + oc, bv = bias?[o] ?? 0
                let s = tmp.p + oc * channelStep + j * span * positionStep, d = out + ((n + j) * g.o + o) * g.l
                for r in 0..<g.oh {
                  let sr = s + r * flat.wp * positionStep, dr = d + r * g.ow
                  if positionStep == 1 {
                    for i in 0..<g.ow { dr[i] = sr[i] + bv }
                  } else {
                    for i in 0..<g.ow { dr[i] = sr[i * positionStep] + bv }
                  }
                }
              }
            }
          }
          n += count
        }
      }
    }
  }

  /// Spreads the output gradient of images `n ..< n + count`, channels of group `grp`, into
  /// `[og, count·span]` on the padded-width grid (zeros in the dropped columns).
  @inline(__always)
  static func flatSpread<T: FloatElement>(_ gy: UnsafePointer<T>, n: Int, count: Int, group grp: Int, _ g: ConvGeometry,
                                          _ flat: FlatPlane, into dst: UnsafeMutablePointer<T>) {
    let cols = count * flat.span
    for oc in 0..<g.og {
      for j in 0..<count {
        let d = dst + oc * cols + j * flat.span, s = gy + ((n + j) * g.o + grp * g.og + oc) * g.l
        d.update(repeating: 0, count: flat.span)
        for r in 0..<g.oh { (d + r * flat.wp).update(from: s + r * g.ow, count: g.ow) }
      }
    }
  }

  static func flatInputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                 dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let gy = gy, weight = weight, dx = dx
    let flat = FlatPlane(g), span = flat.span, taps = g.kh * g.kw
    let columns = foldBytes / (g.k * MemoryLayout<T>.stride)
    overBatch(g) { n0, n1 in
      let nb = flatImagesPerGemm(flat, available: n1 - n0, columns: columns)
      let gflat = Workspace<T>(g.og * nb * span), col = Workspace<T>(g.k * nb * span)
      let dxpad = Workspace<T>(g.cg * flat.size)
      defer { gflat.free(); col.free(); dxpad.free() }
      flat.offsets.withUnsafeBufferPointer { offsets in
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), cols = count * span
          for grp in 0..<g.groups {
            flatSpread(gy, n: n, count: count, group: grp, g, flat, into: gflat.p)
            gemm(true, false, m: g.k, n: cols, k: g.og, weight + grp * g.og * g.k, lda: g.k,
                 UnsafePointer(gflat.p), ldb: cols, beta: 0, col.p, ldc: cols)
            // Fold: each run of col is added back at its tap's offset in the padded plane.
            for j in 0..<count {
              dxpad.p.update(repeating: 0, count: g.cg * flat.size)
              for c in 0..<g.cg {
                let plane = dxpad.p + c * flat.size
                for t in 0..<taps {
                  let s = col.p + (c * taps + t) * cols + j * span, d = plane + offsets[t]
                  for i in 0..<span { d[i] += s[i] }
                }
              }
              flat.unpad(dxpad.p, channels: g.cg, g, into: dx + ((n + j) * g.c + grp * g.cg) * g.h * g.w)
            }
          }
          n += count
        }
      }
    }
  }

  static func flatWeightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                  dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, gy = gy
    let flat = FlatPlane(g), span = flat.span, transposed = prefersTransposedProduct(g)
    overBatchSummed(g, into: dw) { n0, n1, target in
      let nb = flatUnfoldedImages(flat, g, available: n1 - n0)
      let xpad = Workspace<T>(nb * g.cg * flat.size), col = Workspace<T>(g.k * nb * span)
      let gflat = Workspace<T>(g.og * nb * span)
      let dwT = transposed ? TransposedWeightGradient<T>(g) : nil
      defer { xpad.free(); col.free(); gflat.free() }
      flat.offsets.withUnsafeBufferPointer { offsets in
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), cols = count * span
          for grp in 0..<g.groups {
            flatUnfold(x, n: n, count: count, group: grp, g, flat, offsets: offsets, xpad: xpad.p, into: col.p)
            flatSpread(gy, n: n, count: count, group: grp, g, flat, into: gflat.p)
            // The zeros in the dropped columns of g keep their (meaningless) col entries out.
            if let dwT {
              gemm(false, true, m: g.k, n: g.og, k: cols, UnsafePointer(col.p), lda: cols, UnsafePointer(gflat.p), ldb: cols,
                   beta: 1, dwT.group(grp), ldc: g.og)
            } else {
              gemm(false, true, m: g.og, n: g.k, k: cols, UnsafePointer(gflat.p), lda: cols, UnsafePointer(col.p), ldb: cols,
                   beta: 1, target + grp * g.og * g.k, ldc: g.k)
            }
          }
          n += count
        }
      }
      dwT?.add(into: target)  // the slice's dWᵀ, turned into [o, k]
    }
  }
}
