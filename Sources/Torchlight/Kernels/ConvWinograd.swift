/// 3×3 stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016).
///
/// In one dimension, two outputs of a 3-tap filter g over four inputs d take 4 multiplications
/// instead of 6 once the filter is transformed: `y = Aᵀ[(G g) ⊙ (Bᵀ d)]`. Nesting the same
/// identity in both axes gives a 2×2 output tile from a 4×4 input tile with 16 products instead
/// of 36:
///
///     Y = Aᵀ [U ⊙ V] A,    U = G g Gᵀ (the 3×3 filter, 4×4 after),  V = Bᵀ d B (the input tile)
///
/// Summed over input channels, each of the 16 positions ξ of the 4×4 tile is an ordinary matrix
/// product over all tiles at once: `M_ξ = U_ξ · V_ξ` with U_ξ `[o, c]` and V_ξ `[c, tiles]`. So
/// a convolution becomes: transform the input tiles, 16 gemms, transform the output tiles back.
/// The gemms do 16/36 of the multiply-adds of im2col (2.25× fewer), on matrices smaller than
/// im2col's (each input pixel appears in 4 tile values instead of 9 unfolded ones).
///
/// The input gradient is a convolution too (of the output gradient with the filters turned by
/// 180°), so it takes the same route. The weight gradient comes from the same identity read as a
/// trilinear form Σ y·g·d: with `Z = A gy Aᵀ` the transformed output gradient of each tile,
///
///     dU_ξ = Z_ξ · V_ξᵀ,   dg = Gᵀ dU G   (summed over every tile of the batch)
///
/// The transforms use only additions and halvings, so the rounding is close to that of a direct
/// sum; the tests compare this route with the convolution's definition, in float32 and float64.
extension Conv {
  /// 3×3 kernels, stride 1, no dilation, and enough channels on both sides that the 16 gemms
  /// (inner dimension c/groups, or the tiles for the weight gradient) run near full speed.
  /// (The forward pass and the input gradient take this route; the weight gradient only on planes
  /// of 64 output pixels or more, see `ConvRoute.weightGradient`.)
  static func prefersWinograd(_ g: ConvGeometry) -> Bool {
    g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ph <= 2 && g.pw <= 2
      && g.cg >= 16 && g.og >= 16
  }

  /// How the output planes are cut into 2×2 tiles, and the zero-padded input plane they read:
  /// tile (ty, tx) reads rows `2ty ..< 2ty + 4` and columns `2tx ..< 2tx + 4` of a plane that
  /// holds the image at row `ph`, column `pw`, and zeros elsewhere.
  ///
  /// Each row of the plane is stored split: its even columns, then its odd ones (`half` each).
  /// Column `2tx + j` of a tile is then entry `tx` (j = 0), `half + tx` (1), `tx + 1` (2) or
  /// `half + tx + 1` (3) of the row, so every transform runs over all the tiles of a row with
  /// unit-stride loops the compiler vectorises.
  struct WinogradTiles {
    /// Tile rows and columns per image.
    let rows: Int, columns: Int
    /// Entries in each half of a split row; the plane is `2·rows + 2` rows of `2·half`.
    var half: Int { columns + 1 }
    var planeWidth: Int { 2 * half }
    var planeSize: Int { (2 * rows + 2) * planeWidth }
    var perImage: Int { rows * columns }

    /// (The plane is large enough: `oh = h + 2·ph − 2 ≤ 2·rows`, so `h + ph ≤ 2·rows + 2`.)
    init(_ g: ConvGeometry) {
      rows = (g.oh + 1) / 2
      columns = (g.ow + 1) / 2
    }

    /// Copies one `h × w` plane into the split padded plane (zeros around it).
    @inline(__always)
    func pad<T: FloatElement>(_ x: UnsafePointer<T>, _ g: ConvGeometry, into p: UnsafeMutablePointer<T>) {
      p.update(repeating: 0, count: planeSize)
      // Plane column q = x + pw holds image column x; even q go to the first half, odd to the second.
      let firstEven = g.pw & 1, lastColumn = g.w - 1
      for r in 0..<g.h {
        let d = p + (r + g.ph) * planeWidth, s = x + r * g.w
        var e = d + (g.pw + 1) / 2, src = s + firstEven, count = (lastColumn - firstEven) / 2 + 1
        if lastColumn >= firstEven { for i in 0..<count { e[i] = src[i &* 2] } }
        let firstOdd = 1 - firstEven
        e = d + half + (g.pw + firstOdd) / 2; src = s + firstOdd; count = (lastColumn - firstOdd) / 2 + 1
        if lastColumn >= firstOdd { for i in 0..<count { e[i] = src[i &* 2] } }
      }
    }
  }

  /// Tiles per gemm: whole images, about `winogradColumns` tiles. The transformed tiles are written
  /// and read straight back by the 16 gemms, so they should stay in the L2 cache: 16 × 64 channels
  /// × 128 tiles is 512 KB. (128 against 512 tiles: 20% faster at 7 × 7, the same at 28 × 28.)
  static let winogradColumns = 128

  static func winogradImagesPerGemm(_ tiles: WinogradTiles, available: Int) -> Int {
    Swift.max(1, Swift.min(available, winogradColumns / Swift.max(tiles.perImage, 1)))
  }

  // MARK: The transforms

  /// `U = G g Gᵀ` for every (o, c) pair of group `grp`: `u[ξ][o][c]`, ξ = 4·row + column.
  /// `G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]`.
  static func winogradFilters<T: FloatElement>(_ weight: UnsafePointer<T>, group grp: Int, _ g: ConvGeometry,
                                                into u: UnsafeMutablePointer<T>) {
    let pairs = g.og * g.cg
    /// `G (a, b, c) = (a, ½(a + b + c), ½(a − b + c), c)`.
    @inline(__always) func gv(_ a: T, _ b: T, _ c: T) -> (T, T, T, T) { (a, (a + b + c) / 2, (a - b + c) / 2, c) }
    for o in 0..<g.og {
      for c in 0..<g.cg {
        let w = weight + ((grp * g.og + o) * g.cg + c) * 9
        // G down each column of the 3×3 filter, then along each of the four rows that gives.
        let k0 = gv(w[0], w[3], w[6]), k1 = gv(w[1], w[4], w[7]), k2 = gv(w[2], w[5], w[8])
        func put(_ i: Int, _ r: (T, T, T, T)) {
          let d = u + 4 * i * pairs + o * g.cg + c
          d[0] = r.0; d[pairs] = r.1; d[2 * pairs] = r.2; d[3 * pairs] = r.3
        }
        put(0, gv(k0.0, k1.0, k2.0)); put(1, gv(k0.1, k1.1, k2.1)); put(2, gv(k0.2, k1.2, k2.2)); put(3, gv(k0.3, k1.3, k2.3))
      }
    }
  }

  /// `dg = Gᵀ dU G` for every (o, c) pair, added into the weight gradient of group `grp`.
  static func winogradFilterGradients<T: FloatElement>(_ du: UnsafePointer<T>, group grp: Int, _ g: ConvGeometry,
                                                        into dw: UnsafeMutablePointer<T>) {
    let pairs = g.og * g.cg
    /// `Gᵀ (v₀, v₁, v₂, v₃) = (v₀ + ½(v₁ + v₂), ½(v₁ − v₂), ½(v₁ + v₂) + v₃)`.
    @inline(__always) func gtv(_ v0: T, _ v1: T, _ v2: T, _ v3: T) -> (T, T, T) {
      (v0 + (v1 + v2) / 2, (v1 - v2) / 2, (v1 + v2) / 2 + v3)
    }
    for o in 0..<g.og {
      for c in 0..<g.cg {
        let s = du + o * g.cg + c
        // Gᵀ along each of the four rows of dU, then down the three columns that gives.
        func row(_ i: Int) -> (T, T, T) { gtv(s[4 * i * pairs], s[(4 * i + 1) * pairs], s[(4 * i + 2) * pairs], s[(4 * i + 3) * pairs]) }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        let k0 = gtv(r0.0, r1.0, r2.0, r3.0), k1 = gtv(r0.1, r1.1, r2.1, r3.1), k2 = gtv(r0.2, r1.2, r2.2, r3.2)
        let d = dw + ((grp * g.og + o) * g.cg + c) * 9
        d[0] += k0.0; d[1] += k1.0; d[2] += k2.0
        d[3] += k0.1; d[4] += k1.1; d[5] += k2.1
        d[6] += k0.2; d[7] += k1.2; d[8] += k2.2
      }
    }
  }

  /// `V = Bᵀ d B` for every tile of one split plane: `v[ξ·ld + t]` for tile t (row-major from
  /// `first`), ξ = 4·row + column of the 4×4 result. `Bᵀ d = (d₀ − d₂, d₁ + d₂, d₂ − d₁, d₁ − d₃)`,
  /// down the columns (whole rows at once, into `scratch`) and then along each row.
  @inline(__always)
  static func winogradInputTiles<T: FloatElement>(_ p: UnsafePointer<T>, _ tiles: WinogradTiles, first: Int,
                                                   into v: UnsafeMutablePointer<T>, ld: Int, scratch s: UnsafeMutablePointer<T>) {
    let wp = tiles.planeWidth, half = tiles.half, tw = tiles.columns
    for ty in 0..<tiles.rows {
      let r0 = p + 2 * ty * wp, r1 = r0 + wp, r2 = r1 + wp, r3 = r2 + wp
      for k in 0..<4 {
        switch k {
        case 0: for i in 0..<wp { s[i] = r0[i] - r2[i] }
        case 1: for i in 0..<wp { s[i] = r1[i] + r2[i] }
        case 2: for i in 0..<wp { s[i] = r2[i] - r1[i] }
        default: for i in 0..<wp { s[i] = r1[i] - r3[i] }
        }
        // Columns 2tx, 2tx + 1, 2tx + 2, 2tx + 3 of the row are e[tx], o[tx], e[tx + 1], o[tx + 1].
        let e = s, e1 = s + 1, o = s + half, o1 = o + 1
        let d0 = v + first + ty * tw + 4 * k * ld, d1 = d0 + ld, d2 = d1 + ld, d3 = d2 + ld
        for tx in 0..<tw { d0[tx] = e[tx] - e1[tx] }
        for tx in 0..<tw { d1[tx] = o[tx] + e1[tx] }
        for tx in 0..<tw { d2[tx] = e1[tx] - o[tx] }
        for tx in 0..<tw { d3[tx] = o[tx] - o1[tx] }
      }
    }
  }

  /// `Z = A gy Aᵀ` for every 2×2 tile of one output-gradient plane (zero past the plane's edge):
  /// `A (a, b) = (a, a + b, a − b, −b)`.
  @inline(__always)
  static func winogradGradientTiles<T: FloatElement>(_ gy: UnsafePointer<T>, _ g: ConvGeometry, _ tiles: WinogradTiles,
                                                      first: Int, into z: UnsafeMutablePointer<T>, ld: Int,
                                                      scratch: UnsafeMutablePointer<T>) {
    let tw = tiles.columns, full = g.ow / 2
    let g00 = scratch, g01 = g00 + tw, g10 = g01 + tw, g11 = g10 + tw
    for ty in 0..<tiles.rows {
      // The tile row's four corners, zero where the tile hangs over the plane's edge.
      let top = gy + 2 * ty * g.ow, bottom = top + g.ow, hasBottom = 2 * ty + 1 < g.oh
      let top1 = top + 1, bottom1 = bottom + 1
      for tx in 0..<full { g00[tx] = top[tx &* 2]; g01[tx] = top1[tx &* 2] }
      if hasBottom {
        for tx in 0..<full { g10[tx] = bottom[tx &* 2]; g11[tx] = bottom1[tx &* 2] }
      } else {
        g10.update(repeating: 0, count: tw); g11.update(repeating: 0, count: tw)
      }
      if full < tw {
        g00[full] = top[2 * full]; g01[full] = 0; g11[full] = 0
        g10[full] = hasBottom ? bottom[2 * full] : 0
      }
      let o0 = z + first + ty * tw, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld, o4 = o3 + ld, o5 = o4 + ld, o6 = o5 + ld
      let o7 = o6 + ld, o8 = o7 + ld, o9 = o8 + ld, o10 = o9 + ld, o11 = o10 + ld, o12 = o11 + ld, o13 = o12 + ld
      let o14 = o13 + ld, o15 = o14 + ld
      for tx in 0..<tw {
        let a = g00[tx], b = g01[tx], c = g10[tx], d = g11[tx]
        // Rows of A·gy: (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); then A along each.
        o0[tx] = a; o1[tx] = a + b; o2[tx] = a - b; o3[tx] = -b
        let p = a + c, q = b + d
        o4[tx] = p; o5[tx] = p + q; o6[tx] = p - q; o7[tx] = -q
        let r = a - c, t = b - d
        o8[tx] = r; o9[tx] = r + t; o10[tx] = r - t; o11[tx] = -t
        o12[tx] = -c; o13[tx] = -c - d; o14[tx] = d - c; o15[tx] = d
      }
    }
  }

  /// `Y = Aᵀ M A` for every tile of one output plane (plus the bias), cut at the plane's edge:
  /// `Aᵀ m = (m₀ + m₁ + m₂, m₁ − m₂ − m₃)`.
  @inline(__always)
  static func winogradOutputTiles<T: FloatElement>(_ m: UnsafePointer<T>, ld: Int, _ g: ConvGeometry, _ tiles: WinogradTiles,
                                                    first: Int, bias: T, into y: UnsafeMutablePointer<T>,
                                                    scratch: UnsafeMutablePointer<T>) {
    let tw = tiles.columns, full = g.ow / 2
    let y00 = scratch, y01 = y00 + tw, y10 = y01 + tw, y11 = y10 + tw
    for ty in 0..<tiles.rows {
      let m0 = m + first + ty * tw, m1 = m0 + ld, m2 = m1 + ld, m3 = m2 + ld, m4 = m3 + ld, m5 = m4 + ld, m6 = m5 + ld
      let m7 = m6 + ld, m8 = m7 + ld, m9 = m8 + ld, m10 = m9 + ld, m11 = m10 + ld, m12 = m11 + ld, m13 = m12 + ld
      let m14 = m13 + ld, m15 = m14 + ld
      for tx in 0..<tw {
        // Aᵀ down each column j of the tile: (m0j + m1j + m2j, m1j − m2j − m3j)...
        let a0 = m0[tx] + m4[tx] + m8[tx], b0 = m4[tx] - m8[tx] - m12[tx]
        let a1 = m1[tx] + m5[tx] + m9[tx], b1 = m5[tx] - m9[tx] - m13[tx]
        let a2 = m2[tx] + m6[tx] + m10[tx], b2 = m6[tx] - m10[tx] - m14[tx]
        let a3 = m3[tx] + m7[tx] + m11[tx], b3 = m7[tx] - m11[tx] - m15[tx]
        // ...then along each of the two rows.
        y00[tx] = a0 + a1 + a2 + bias; y01[tx] = a1 - a2 - a3 + bias
        y10[tx] = b0 + b1 + b2 + bias; y11[tx] = b1 - b2 - b3 + bias
      }
      let top = y + 2 * ty * g.ow, bottom = top + g.ow, top1 = top + 1, bottom1 = bottom + 1
      for tx in 0..<full { top[tx &* 2] = y00[tx]; top1[tx &* 2] = y01[tx] }
      if full < tw { top[2 * full] = y00[full] }
      if 2 * ty + 1 < g.oh {
        for tx in 0..<full { bottom[tx &* 2] = y10[tx]; bottom1[tx &* 2] = y11[tx] }
        if full < tw { bottom[2 * full] = y10[full] }
      }
    }
  }

  /// `V` for images `n ..< n + count` of group `grp`: `v[ξ][c][tile]`, each channel's tiles image
  /// after image (`count · perImage` of them per row of the gemm's operand).
  @inline(__always)
  static func winogradInputs<T: FloatElement>(_ x: UnsafePointer<T>, n: Int, count: Int, group grp: Int, _ g: ConvGeometry,
                                               _ tiles: WinogradTiles, into v: UnsafeMutablePointer<T>,
                                               plane: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>) {
    let cols = count * tiles.perImage
    for c in 0..<g.cg {
      for j in 0..<count {
        tiles.pad(x + ((n + j) * g.c + grp * g.cg + c) * g.h * g.w, g, into: plane)
        winogradInputTiles(UnsafePointer(plane), tiles, first: c * cols + j * tiles.perImage, into: v, ld: g.cg * cols,
                           scratch: scratch)
      }
    }
  }

  // MARK: The three products

  static func winogradForward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                               out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, weight = weight, bias = bias, out = out
    let tiles = WinogradTiles(g)
    overBatch(g) { n0, n1 in
      let nb = winogradImagesPerGemm(tiles, available: n1 - n0), most = nb * tiles.perImage
      let u = Workspace<T>(16 * g.og * g.cg), v = Workspace<T>(16 * g.cg * most), m = Workspace<T>(16 * g.og * most)
      let plane = Workspace<T>(tiles.planeSize), scratch = Workspace<T>(4 * tiles.planeWidth)
      defer { u.free(); v.free(); m.free(); plane.free(); scratch.free() }
      for grp in 0..<g.groups {
        winogradFilters(weight, group: grp, g, into: u.p)
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), cols = count * tiles.perImage
          winogradInputs(x, n: n, count: count, group: grp, g, tiles, into: v.p, plane: plane.p, scratch: scratch.p)
          for xi in 0..<16 {
            gemm(false, false, m: g.og, n: cols, k: g.cg, UnsafePointer(u.p + xi * g.og * g.cg), lda: g.cg,
                 UnsafePointer(v.p + xi * g.cg * cols), ldb: cols, beta: 0, m.p + xi * g.og * cols, ldc: cols)
          }
          for oc in 0..<g.og {
            let bv = bias?[grp * g.og + oc] ?? 0
            for j in 0..<count {
              winogradOutputTiles(UnsafePointer(m.p), ld: g.og * cols, g, tiles, first: oc * cols + j * tiles.perImage,
                                  bias: bv, into: out + ((n + j) * g.o + grp * g.og + oc) * g.l, scratch: scratch.p)
            }
          }
          n += count
        }
      }
    }
  }

  /// The input gradient of a stride-1 convolution is itself a convolution: of the output gradient,
  /// with each filter turned by 180° and the roles of input and output channels swapped, padded by
  /// `2 − p` (every output pixel that read an input pixel sends its gradient back through the same
  /// tap). So it takes the forward route on that geometry, with no scatter of overlapping tiles.
  static func winogradInputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                     dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    let turned = Workspace<T>(g.o * g.cg * 9)
    defer { turned.free() }
    // turned[grp·cg + c][o][i][j] = weight[grp·og + o][c][2 − i][2 − j]
    for grp in 0..<g.groups {
      for o in 0..<g.og {
        for c in 0..<g.cg {
          let src = weight + ((grp * g.og + o) * g.cg + c) * 9, dst = turned.p + ((grp * g.cg + c) * g.og + o) * 9
          for t in 0..<9 { dst[t] = src[8 - t] }
        }
      }
    }
    let adjoint = ConvGeometry(n: g.n, c: g.o, h: g.oh, w: g.ow, o: g.c, kh: 3, kw: 3, sh: 1, sw: 1,
                               ph: 2 - g.ph, pw: 2 - g.pw, dh: 1, dw: 1, groups: g.groups, oh: g.h, ow: g.w)
    winogradForward(x: gy, weight: UnsafePointer(turned.p), bias: nil, out: dx, adjoint)
  }

  static func winogradWeightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                      dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    nonisolated(unsafe) let x = x, gy = gy
    let tiles = WinogradTiles(g)
    overBatchSummed(g, into: dw) { n0, n1, target in
      let nb = winogradImagesPerGemm(tiles, available: n1 - n0), most = nb * tiles.perImage
      let du = Workspace<T>(16 * g.og * g.cg), v = Workspace<T>(16 * g.cg * most), z = Workspace<T>(16 * g.og * most)
      let plane = Workspace<T>(tiles.planeSize), scratch = Workspace<T>(4 * tiles.planeWidth)
      defer { du.free(); v.free(); z.free(); plane.free(); scratch.free() }
      for grp in 0..<g.groups {
        du.p.update(repeating: 0, count: 16 * g.og * g.cg)
        var n = n0
        while n < n1 {
          let count = Swift.min(nb, n1 - n), cols = count * tiles.perImage
          winogradInputs(x, n: n, count: count, group: grp, g, tiles, into: v.p, plane: plane.p, scratch: scratch.p)
          for oc in 0..<g.og {
            for j in 0..<count {
              winogradGradientTiles(gy + ((n + j) * g.o + grp * g.og + oc) * g.l, g, tiles,
                                    first: oc * cols + j * tiles.perImage, into: z.p, ld: g.og * cols, scratch: scratch.p)
            }
          }
          for xi in 0..<16 {
            gemm(false, true, m: g.og, n: g.cg, k: cols, UnsafePointer(z.p + xi * g.og * cols), lda: cols,
                 UnsafePointer(v.p + xi * g.cg * cols), ldb: cols, beta: 1, du.p + xi * g.og * g.cg, ldc: g.cg)
          }
          n += count
        }
        winogradFilterGradients(UnsafePointer(du.p), group: grp, g, into: target)
      }
    }
  }
}

