/// The forward gate kernels of LSTM and GRU steps for float32, 16 lanes at a time: the same
/// passes and the same formulas as Torchlight's `LSTMGates.forward` and `GRUGates.forward` (with
/// `vectorExp`, `vectorSigmoid`, `vectorTanh`), so the same numbers, but in AVX-512 registers,
/// which halves the instructions of a step whose time goes into exp, divide and polynomial.
/// Called only on CPUs with AVX-512 (see `PackedGemm`).
public enum GatePasses {
  typealias V = SIMD16<Float>

  // MARK: Functions on 16 lanes

  /// eˣ: x = n·ln2 + r, 2ⁿ built in the exponent bits, eʳ a degree-7 polynomial.
  @inline(__always)
  static func exp(_ x0: V) -> V {
    var x = x0.replacing(with: -87.3, where: x0 .< -87.3)
    x = x.replacing(with: 88, where: x .> 88)
    let t = x * 1.442_695_04 + 12_582_912
    let n = t - 12_582_912
    let r = (x - n * 0.693_145_752) - n * 1.428_606_77e-6
    var p = r * (1.0 / 5040) + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let bits = (unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: V.self)
  }

  /// tanh: 1 − 2/(e²ᵃ + 1) for a = |x| ≥ 0.3, the odd Taylor series below, sign put back.
  @inline(__always)
  static func tanh(_ x: V) -> V {
    let magnitude = SIMD16<UInt32>(repeating: 0x7FFF_FFFF)
    let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
    let a = unsafeBitCast(bits & magnitude, to: V.self)
    let large = 1 - 2 / (exp(2 * a) + 1)
    let s = a * a
    var p = s * (-1382.0 / 155_925) + 62.0 / 2835
    p = p * s - 17.0 / 315
    p = p * s + 2.0 / 15
    p = p * s - 1.0 / 3
    let r = large.replacing(with: a + a * s * p, where: a .< 0.3)
    return unsafeBitCast(unsafeBitCast(r, to: SIMD16<UInt32>.self) | (bits & ~magnitude), to: V.self)
  }

  /// 16 values from p + j, fewer (the rest 0) at the end of a row.
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, _ j: Int, _ n: Int) -> V {
    if j + 16 <= n { return UnsafeRawPointer(p + j).loadUnaligned(as: V.self) }
    var v = V()
    for t in 0..<(n - j) { v[t] = p[j + t] }
    return v
  }

  @inline(__always)
  static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ j: Int, _ n: Int) {
    if j + 16 <= n { UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: V.self); return }
    for t in 0..<(n - j) { p[j + t] = v[t] }
  }

  // MARK: Passes over a row

  @inline(never)
  static func sigmoid(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in stride(from: 0, to: n, by: 16) { store(1 / (1 + exp(-load(x, j, n))), x, j, n) }
  }

  @inline(never)
  static func tanh(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in stride(from: 0, to: n, by: 16) { store(tanh(load(x, j, n)), out, j, n) }
  }

  @inline(__always)
  static func add(_ b: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in stride(from: 0, to: n, by: 16) { store(load(a, j, n) + load(b, j, n), a, j, n) }
  }

  // MARK: Steps

  /// One LSTM step (see `LSTMGates.forward`): `gates` [B, 4H] holds x·W_ihᵀ + h·W_hhᵀ on entry
  /// and i, f, g, o on exit; writes c', tanh c' and h'.
  public static func lstmForward(gates: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, cPrev: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                                 batch: Int, hidden n: Int) {
    for b in 0..<batch {
      let a = gates + b * 4 * n, cp = cPrev + b * n, cr = c + b * n, tr = tanhC + b * n, hr = h + b * n
      if let bias { add(bias, into: a, 4 * n) }
      sigmoid(a, 2 * n)
      tanh(a + 2 * n, a + 2 * n, n)
      sigmoid(a + 3 * n, n)
      let i = a, f = a + n, g = a + 2 * n, o = a + 3 * n
      for j in stride(from: 0, to: n, by: 16) { store(load(f, j, n) * load(cp, j, n) + load(i, j, n) * load(g, j, n), cr, j, n) }
      tanh(cr, tr, n)
      for j in stride(from: 0, to: n, by: 16) { store(load(o, j, n) * load(tr, j, n), hr, j, n) }
    }
  }

  /// One GRU step (see `GRUGates.forward`): `xg` [B, 3H] holds x·W_ihᵀ on entry and r, z, n on
  /// exit; `hg` is h·W_hhᵀ; writes h_n = W_hn·h + b_hn and h'.
  public static func gruForward(xg: UnsafeMutablePointer<Float>, hg: UnsafePointer<Float>, biasIH: UnsafePointer<Float>?,
                                biasHH: UnsafePointer<Float>?, hPrev: UnsafePointer<Float>, newGate: UnsafeMutablePointer<Float>,
                                h: UnsafeMutablePointer<Float>, batch: Int, hidden n: Int) {
    for b in 0..<batch {
      let a = xg + b * 3 * n, q = hg + b * 3 * n, hn = newGate + b * n, hp = hPrev + b * n, hr = h + b * n
      let r = a, z = a + n, nn = a + 2 * n, qn = q + 2 * n
      if let biasIH { add(biasIH, into: a, 3 * n) }
      add(q, into: a, 2 * n)
      if let biasHH {
        add(biasHH, into: a, 2 * n)
        for j in stride(from: 0, to: n, by: 16) { store(load(qn, j, n) + load(biasHH + 2 * n, j, n), hn, j, n) }
      } else {
        hn.update(from: qn, count: n)
      }
      sigmoid(a, 2 * n)
      for j in stride(from: 0, to: n, by: 16) { store(load(nn, j, n) + load(r, j, n) * load(hn, j, n), nn, j, n) }
      tanh(nn, nn, n)
      for j in stride(from: 0, to: n, by: 16) {
        let nj = load(nn, j, n)
        store(nj + load(z, j, n) * (load(hp, j, n) - nj), hr, j, n)
      }
    }
  }
}
