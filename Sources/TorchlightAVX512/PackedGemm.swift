/// A float32 matrix product for one fixed right-hand matrix used many times in a row: the
/// recurrent weight W_hh of an RNN, multiplied by a new small batch of states at every time step.
///
/// OpenBLAS repacks both operands on every call; for a 32-row batch against a 1024 × 256 weight
/// that repacking is about a third of the call. Here the weight is packed once, in panels of 32
/// columns laid out k-major (`P[panel][k][32]`), and each step only streams through it: for 8
/// rows of A at a time, 16 AVX-512 registers hold an 8 × 32 block of C while k runs, each step
/// one broadcast of A per row and two loads of the panel.
///
/// This module is compiled for AVX-512 (see Package.swift) and holds nothing but these loops:
/// the caller (Torchlight's `RecurrentSequence`) checks that the CPU has AVX-512 before calling
/// any of it, and uses OpenBLAS otherwise. Without the flag (other architectures,
/// `TORCHLIGHT_PORTABLE=1`) it still compiles, and `isCompiled` is false.
public enum PackedGemm {
  /// Columns per panel: two 16-float vectors.
  public static let panelWidth = 32

  /// True when this module was built with AVX-512 code generation.
  @inlinable public static var isCompiled: Bool {
    #if TORCHLIGHT_AVX512
    return true
    #else
    return false
    #endif
  }

  /// Floats the packed form of a k × n matrix takes (n rounded up to whole panels).
  @inlinable public static func packedCount(k: Int, n: Int) -> Int { ((n + panelWidth - 1) / panelWidth) * panelWidth * k }

  /// Packs the k × n matrix B whose element (r, j) is `b[r * rowStride + j * columnStride]`, padding
  /// the last panel with zeros. Rows of B that are contiguous are copied whole; a transposed B
  /// (columns contiguous) is read column by column, so every read is sequential.
  public static func pack(_ b: UnsafePointer<Float>, k: Int, n: Int, rowStride: Int, columnStride: Int,
                          into packed: UnsafeMutablePointer<Float>) {
    let panels = (n + panelWidth - 1) / panelWidth
    for p in 0..<panels {
      let out = packed + p * k * panelWidth
      let width = Swift.min(panelWidth, n - p * panelWidth)
      if width < panelWidth { out.update(repeating: 0, count: k * panelWidth) }
      if columnStride == 1 {
        for r in 0..<k { (out + r * panelWidth).update(from: b + r * rowStride + p * panelWidth, count: width) }
      } else if rowStride == 1 && width == panelWidth {
        // B is Wᵀ: each of the 32 columns is a row of W. Read 8 of them side by side, so each
        // store writes 8 neighbouring floats of the panel.
        for t0 in stride(from: 0, to: panelWidth, by: 8) {
          let c = b + (p * panelWidth + t0) * columnStride
          let c1 = c + columnStride, c2 = c1 + columnStride, c3 = c2 + columnStride
          let c4 = c3 + columnStride, c5 = c4 + columnStride, c6 = c5 + columnStride, c7 = c6 + columnStride
          for r in 0..<k {
            UnsafeMutableRawPointer(out + r * panelWidth + t0).storeBytes(
              of: SIMD8<Float>(c[r], c1[r], c2[r], c3[r], c4[r], c5[r], c6[r], c7[r]), as: SIMD8<Float>.self)
          }
        }
      } else {
        for t in 0..<width {
          let column = b + (p * panelWidth + t) * columnStride
          for r in 0..<k { out[r * panelWidth + t] = column[r * rowStride] }
        }
      }
    }
  }

  /// C[m, columns of `panels`] = A[m, k]·B (or C += A·B when `accumulate`), B packed by `pack`.
  /// Only the panels in `panels` are computed, so threads can share the columns.
  public static func multiply(_ a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>, k: Int, n: Int,
                              panels: Range<Int>, _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, accumulate: Bool) {
    for p in panels {
      let panel = packed + p * k * panelWidth, column = p * panelWidth
      let width = Swift.min(panelWidth, n - column)
      var i = 0
      while i + 8 <= m {
        block8(a + i * lda, lda: lda, panel, k: k, c + i * ldc + column, ldc: ldc, width: width, accumulate: accumulate)
        i += 8
      }
      while i < m {
        block1(a + i * lda, panel, k: k, c + i * ldc + column, width: width, accumulate: accumulate)
        i += 1
      }
    }
  }

  /// Eight rows of A against one panel: 16 accumulators.
  @inline(__always)
  static func block8(_ a: UnsafePointer<Float>, lda: Int, _ panel: UnsafePointer<Float>, k: Int, _ c: UnsafeMutablePointer<Float>,
                     ldc: Int, width: Int, accumulate: Bool) {
    var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
    var c4 = SIMD16<Float>(), c5 = SIMD16<Float>(), c6 = SIMD16<Float>(), c7 = SIMD16<Float>()
    var d0 = SIMD16<Float>(), d1 = SIMD16<Float>(), d2 = SIMD16<Float>(), d3 = SIMD16<Float>()
    var d4 = SIMD16<Float>(), d5 = SIMD16<Float>(), d6 = SIMD16<Float>(), d7 = SIMD16<Float>()
    let a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda
    var q = UnsafeRawPointer(panel)
    for r in 0..<k {
      let b0 = q.loadUnaligned(as: SIMD16<Float>.self), b1 = (q + 64).loadUnaligned(as: SIMD16<Float>.self)
      q += 128
      var s = SIMD16<Float>(repeating: a[r]); c0.addProduct(s, b0); d0.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a1[r]); c1.addProduct(s, b0); d1.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a2[r]); c2.addProduct(s, b0); d2.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a3[r]); c3.addProduct(s, b0); d3.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a4[r]); c4.addProduct(s, b0); d4.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a5[r]); c5.addProduct(s, b0); d5.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a6[r]); c6.addProduct(s, b0); d6.addProduct(s, b1)
      s = SIMD16<Float>(repeating: a7[r]); c7.addProduct(s, b0); d7.addProduct(s, b1)
    }
    store(c0, d0, c, width: width, accumulate: accumulate)
    store(c1, d1, c + ldc, width: width, accumulate: accumulate)
    store(c2, d2, c + 2 * ldc, width: width, accumulate: accumulate)
    store(c3, d3, c + 3 * ldc, width: width, accumulate: accumulate)
    store(c4, d4, c + 4 * ldc, width: width, accumulate: accumulate)
    store(c5, d5, c + 5 * ldc, width: width, accumulate: accumulate)
    store(c6, d6, c + 6 * ldc, width: width, accumulate: accumulate)
    store(c7, d7, c + 7 * ldc, width: width, accumulate: accumulate)
  }

  /// One row of A against one panel.
  @inline(__always)
  static func block1(_ a: UnsafePointer<Float>, _ panel: UnsafePointer<Float>, k: Int, _ c: UnsafeMutablePointer<Float>,
                     width: Int, accumulate: Bool) {
    var c0 = SIMD16<Float>(), d0 = SIMD16<Float>()
    var q = UnsafeRawPointer(panel)
    for r in 0..<k {
      let s = SIMD16<Float>(repeating: a[r])
      c0.addProduct(s, q.loadUnaligned(as: SIMD16<Float>.self))
      d0.addProduct(s, (q + 64).loadUnaligned(as: SIMD16<Float>.self))
      q += 128
    }
    store(c0, d0, c, width: width, accumulate: accumulate)
  }

  /// Writes (or adds) the first `width` of the 32 values of one row.
  @inline(__always)
  static func store(_ x0: SIMD16<Float>, _ x1: SIMD16<Float>, _ c: UnsafeMutablePointer<Float>, width: Int, accumulate: Bool) {
    if width == panelWidth {
      let raw = UnsafeMutableRawPointer(c)
      if accumulate {
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD16<Float>.self) + x0, as: SIMD16<Float>.self)
        (raw + 64).storeBytes(of: (raw + 64).loadUnaligned(as: SIMD16<Float>.self) + x1, as: SIMD16<Float>.self)
      } else {
        raw.storeBytes(of: x0, as: SIMD16<Float>.self)
        (raw + 64).storeBytes(of: x1, as: SIMD16<Float>.self)
      }
    } else {
      for t in 0..<width {
        let v = t < 16 ? x0[t] : x1[t - 16]
        c[t] = accumulate ? c[t] + v : v
      }
    }
  }
}
