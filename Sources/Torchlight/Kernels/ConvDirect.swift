import COpenBLAS

/// Direct convolution kernels for stride-1 layers with few output channels per group, where
/// im2col + gemm does badly: the gemm has only a handful of rows, and unfolding moves as much
/// memory as the product itself (LeNet's first layer, 1 → 6 channels).
///
/// The trick that makes the loops long: zero-pad each input plane to `hp × wp` and lay the
/// output out on the same row width `wp`. Then kernel tap (i, j) reads the input at a fixed
/// offset `s = i·dh·wp + j·dw` from the output position, over the whole plane at once:
///
///     out[o][t] += w[o, c, i, j] · xpad[c][t + s]      for t in 0 ..< (oh − 1)·wp + ow
///
/// one contiguous, vectorisable loop per (o, c, i, j) instead of one per output row. The columns
/// `ow ..< wp` of each row are wasted work (wp/ow ≈ 1.1 for LeNet's first layer) and dropped
/// when the result is copied out. The gradients use the same layout: the input gradient adds
/// `w · g` back at offset s, and the weight gradient is a dot product of g with the shifted input.
extension Conv {
  /// Whether the direct kernels should run for this shape (see the type's description).
  static func prefersDirect(_ g: ConvGeometry) -> Bool {
    let padded = FlatPlane(g)
    return g.sh == 1 && g.sw == 1 && g.og <= 8 && g.l >= 64 && padded.wp <= 2 * g.ow
  }

  /// The padded-plane layout of one convolution.
  struct FlatPlane {
    let hp: Int, wp: Int
    /// Elements of one padded plane.
    var size: Int { hp * wp }
    /// Flat positions of the output grid that are computed: the last row needs only `ow`.
    let span: Int
    /// For each kernel tap (row-major), its offset in the padded plane.
    let offsets: [Int]

    init(_ g: ConvGeometry) {
      hp = g.h + 2 * g.ph
      wp = g.w + 2 * g.pw
      span = (g.oh - 1) * wp + g.ow
      var taps: [Int] = []
      for i in 0..<g.kh { for j in 0..<g.kw { taps.append(i * g.dh * wp + j * g.dw) } }
      offsets = taps
    }

    /// Copies `channels` planes of `h × w` into padded planes (zero border).
    @inline(__always)
    func pad<T: FloatElement>(_ x: UnsafePointer<T>, channels: Int, _ g: ConvGeometry, into dst: UnsafeMutablePointer<T>) {
      for c in 0..<channels {
        let d = dst + c * size, s = x + c * g.h * g.w
        if g.ph > 0 || g.pw > 0 { d.update(repeating: 0, count: size) }
        for r in 0..<g.h { (d + (r + g.ph) * wp + g.pw).update(from: s + r * g.w, count: g.w) }
      }
    }

    /// The reverse of `pad`: the interior of each padded plane.
    @inline(__always)
    func unpad<T: FloatElement>(_ src: UnsafePointer<T>, channels: Int, _ g: ConvGeometry, into x: UnsafeMutablePointer<T>) {
      for c in 0..<channels {
        let s = src + c * size, d = x + c * g.h * g.w
        for r in 0..<g.h { (d + r * g.w).update(from: s + (r + g.ph) * wp + g.pw, count: g.w) }
      }
    }
  }

  /// `forward` by direct loops over padded planes.
  static func directForward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                             out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, weight = weight, bias = bias, out = out
    let flat = FlatPlane(g), taps = g.kh * g.kw, span = flat.span
    overBatch(g) { n0, n1 in
      let xpad = Workspace<T>(g.cg * flat.size), acc = Workspace<T>(3 * span)
      defer { xpad.free(); acc.free() }
      flat.offsets.withUnsafeBufferPointer { offsets in
        for n in n0..<n1 {
          for grp in 0..<g.groups {
            flat.pad(x + (n * g.c + grp * g.cg) * g.h * g.w, channels: g.cg, g, into: xpad.p)
            if T.self == Float.self {
              // Three output channels at a time, in registers (ConvDirectBlocked.swift).
              let f = { (p: UnsafePointer<T>) in UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
              var o0 = 0
              while o0 < g.og {
                let count = Swift.min(3, g.og - o0)
                directForwardBlock(f(xpad.p), f(weight + grp * g.og * g.k), bias: bias.map { f($0 + grp * g.og) },
                                   o0: o0, count: count, g, flat, offsets: offsets,
                                   into: UnsafeMutableRawPointer(acc.p).assumingMemoryBound(to: Float.self))
                for k in 0..<count {
                  let dst = out + (n * g.o + grp * g.og + o0 + k) * g.l, a = acc.p + k * span
                  for r in 0..<g.oh { (dst + r * g.ow).update(from: a + r * flat.wp, count: g.ow) }
                }
                o0 += count
              }
              continue
            }
            for oc in 0..<g.og {
              let o = grp * g.og + oc
              let a = acc.p
              a.update(repeating: bias?[o] ?? 0, count: span)
              for c in 0..<g.cg {
                let plane = xpad.p + c * flat.size, wc = weight + (o * g.cg + c) * taps
                for t in 0..<taps {
                  let wv = wc[t], src = plane + offsets[t]
                  for i in 0..<span { a[i] += wv * src[i] }
                }
              }
              let dst = out + (n * g.o + o) * g.l
              for r in 0..<g.oh { (dst + r * g.ow).update(from: a + r * flat.wp, count: g.ow) }
            }
          }
        }
      }
    }
  }

  /// Spreads the output gradient of channels `o0 ..< o0 + count` of image n onto the
  /// padded-width grid, zero in the dropped columns (so they add nothing back).
  @inline(__always)
  static func spread<T: FloatElement>(_ gy: UnsafePointer<T>, image n: Int, channel0 o0: Int, count: Int,
                                      _ g: ConvGeometry, _ flat: FlatPlane, into dst: UnsafeMutablePointer<T>) {
    for oc in 0..<count {
      let d = dst + oc * flat.span, s = gy + (n * g.o + o0 + oc) * g.l
      d.update(repeating: 0, count: flat.span)
      for r in 0..<g.oh { (d + r * flat.wp).update(from: s + r * g.ow, count: g.ow) }
    }
  }

  /// `inputGradient` by direct loops: `dxpad[c][t + s] += w · g[o][t]`, then the interior.
  static func directInputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                   dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let gy = gy, weight = weight, dx = dx
    let flat = FlatPlane(g), taps = g.kh * g.kw, span = flat.span
    overBatch(g) { n0, n1 in
      let dxpad = Workspace<T>(g.cg * flat.size), gflat = Workspace<T>(g.og * span)
      defer { dxpad.free(); gflat.free() }
      flat.offsets.withUnsafeBufferPointer { offsets in
        for n in n0..<n1 {
          for grp in 0..<g.groups {
            spread(gy, image: n, channel0: grp * g.og, count: g.og, g, flat, into: gflat.p)
            dxpad.p.update(repeating: 0, count: g.cg * flat.size)
            for c in 0..<g.cg {
              let plane = dxpad.p + c * flat.size
              for oc in 0..<g.og {
                let src = gflat.p + oc * span, wc = weight + ((grp * g.og + oc) * g.cg + c) * taps
                for t in 0..<taps {
                  let wv = wc[t], d = plane + offsets[t]
                  for i in 0..<span { d[i] += wv * src[i] }
                }
              }
            }
            flat.unpad(dxpad.p, channels: g.cg, g, into: dx + (n * g.c + grp * g.cg) * g.h * g.w)
          }
        }
      }
    }
  }

  /// `weightGradient` by direct loops: `dw[o, c, tap] = Σₙ Σₜ g[o][t] · xpad[c][t + s]`, each
  /// inner sum a BLAS dot product (a reduction the compiler would not vectorise).
  static func directWeightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                    dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, gy = gy
    let flat = FlatPlane(g), taps = g.kh * g.kw, span = flat.span
    overBatchSummed(g, into: dw) { n0, n1, target in
      let xpad = Workspace<T>(g.cg * flat.size), gflat = Workspace<T>(g.og * span)
      defer { xpad.free(); gflat.free() }
      flat.offsets.withUnsafeBufferPointer { offsets in
        for n in n0..<n1 {
          for grp in 0..<g.groups {
            flat.pad(x + (n * g.c + grp * g.cg) * g.h * g.w, channels: g.cg, g, into: xpad.p)
            spread(gy, image: n, channel0: grp * g.og, count: g.og, g, flat, into: gflat.p)
            for oc in 0..<g.og {
              let src = UnsafePointer(gflat.p + oc * span)
              for c in 0..<g.cg {
                let plane = UnsafePointer(xpad.p + c * flat.size), d = target + ((grp * g.og + oc) * g.cg + c) * taps
                if T.self == Float.self {
                  // Five taps per pass over g: each load of g feeds five products.
                  let a = UnsafeRawPointer(src).assumingMemoryBound(to: Float.self)
                  let b = UnsafeRawPointer(plane).assumingMemoryBound(to: Float.self)
                  let out = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)
                  var t = 0
                  while t < taps {
                    let last = Swift.min(t + 5, taps) - 1
                    let at = { (k: Int) in b + offsets[Swift.min(t + k, last)] }   // a short block repeats its last tap
                    let r = dot5(a, at(0), at(1), at(2), at(3), at(4), count: span)
                    for k in 0...(last - t) { out[t + k] += r[k] }
                    t += 5
                  }
                } else {
                  for t in 0..<taps { d[t] += dot(src, plane + offsets[t], count: span) }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Five dot products of `a` with `b0 … b4` in one pass, eight lanes at a time: `a` is read
  /// once for all five, so the loop does six loads per five fused multiply-adds where five
  /// separate dot products would do ten. The lanes are summed in a fixed order (deterministic).
  @inline(__always)
  static func dot5(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                   _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ b4: UnsafePointer<Float>,
                   count: Int) -> SIMD8<Float> {
    typealias V = SIMD8<Float>
    @inline(__always) func load(_ p: UnsafePointer<Float>, _ i: Int) -> V { UnsafeRawPointer(p + i).loadUnaligned(as: V.self) }
    var s0 = V(), s1 = V(), s2 = V(), s3 = V(), s4 = V()
    var i = 0
    while i + 8 <= count {
      let av = load(a, i)
      s0.addProduct(av, load(b0, i)); s1.addProduct(av, load(b1, i)); s2.addProduct(av, load(b2, i))
      s3.addProduct(av, load(b3, i)); s4.addProduct(av, load(b4, i))
      i += 8
    }
    var r = V(s0.sum(), s1.sum(), s2.sum(), s3.sum(), s4.sum(), 0, 0, 0)
    while i < count {
      let av = a[i]
      r[0] += av * b0[i]; r[1] += av * b1[i]; r[2] += av * b2[i]; r[3] += av * b3[i]; r[4] += av * b4[i]
      i += 1
    }
    return r
  }

  /// Σ aᵢ·bᵢ by OpenBLAS.
  @inline(__always)
  static func dot<T: FloatElement>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, count: Int) -> T {
    if T.self == Float.self {
      let r = cblas_sdot(Int32(count), UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), 1,
                         UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), 1)
      return T(r)
    }
    let r = cblas_ddot(Int32(count), UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), 1,
                       UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), 1)
    return T(r)
  }
}
