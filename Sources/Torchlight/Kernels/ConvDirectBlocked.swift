/// The direct convolution's forward for float32, blocked in registers.
///
/// The plain loop of `directForward` streams the whole accumulator row through memory once per
/// (input channel, tap): a load, a multiply-add and a store for each product. Here 16 output
/// positions of up to three output channels stay in six SIMD registers while every input
/// channel and tap is added in, so each product costs a third of a load and no store:
///
///     acc[o][i ..< i + 16] = b[o] + Σ_c Σ_t w[o, c, t] · xpad[c][i + s_t ..< i + s_t + 16]
///
/// Each product is added with a fused multiply-add (one rounding instead of two), channel by
/// channel and tap by tap, in a fixed order: the same numbers on every run.
extension Conv {
  typealias Lanes = SIMD8<Float>

  /// Output channels `o0 ..< o0 + count` (count 1 to 3) of one image and group, written to
  /// `acc` (`[count, span]` on the padded-width grid). `weight` points at the group's weights.
  @inline(__always)
  static func directForwardBlock(_ xpad: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 o0: Int, count: Int, _ g: ConvGeometry, _ flat: FlatPlane,
                                 offsets: UnsafeBufferPointer<Int>, into acc: UnsafeMutablePointer<Float>) {
    let taps = g.kh * g.kw, span = flat.span, cg = g.cg
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }
    @inline(__always) func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }
    // Lanes of a missing channel (count < 3) read channel o0's weights and are never stored.
    let w0 = weight + o0 * cg * taps
    let w1 = weight + (o0 + Swift.min(1, count - 1)) * cg * taps
    let w2 = weight + (o0 + Swift.min(2, count - 1)) * cg * taps
    let b0 = bias?[o0] ?? 0, b1 = bias?[o0 + Swift.min(1, count - 1)] ?? 0, b2 = bias?[o0 + Swift.min(2, count - 1)] ?? 0
    var i = 0
    while i + 16 <= span {
      var a0 = Lanes(repeating: b0), a1 = a0, c0 = Lanes(repeating: b1), c1 = c0, d0 = Lanes(repeating: b2), d1 = d0
      for c in 0..<cg {
        let plane = xpad + c * flat.size + i, k = c * taps
        for t in 0..<taps {
          let v0 = load(plane + offsets[t]), v1 = load(plane + offsets[t] + 8)
          let x = w0[k + t], y = w1[k + t], z = w2[k + t]
          a0.addProduct(v0, Lanes(repeating: x)); a1.addProduct(v1, Lanes(repeating: x))
          c0.addProduct(v0, Lanes(repeating: y)); c1.addProduct(v1, Lanes(repeating: y))
          d0.addProduct(v0, Lanes(repeating: z)); d1.addProduct(v1, Lanes(repeating: z))
        }
      }
      store(a0, acc + i); store(a1, acc + i + 8)
      if count > 1 { store(c0, acc + span + i); store(c1, acc + span + i + 8) }
      if count > 2 { store(d0, acc + 2 * span + i); store(d1, acc + 2 * span + i + 8) }
      i += 16
    }
    // The last few positions, one at a time, in the same order.
    for k in 0..<count {
      let wk = weight + (o0 + k) * cg * taps, bk = bias?[o0 + k] ?? 0
      for j in i..<span {
        var s = bk
        for c in 0..<cg {
          let plane = xpad + c * flat.size + j
          for t in 0..<taps { s.addProduct(wk[c * taps + t], plane[offsets[t]]) }
        }
        acc[k * span + j] = s
      }
    }
  }
}
