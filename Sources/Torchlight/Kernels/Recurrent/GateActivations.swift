/// The two squashing functions of recurrent gates over a contiguous run of n values, `out[i] =
/// f(in[i])` (in place when `out == in`). For float32 the loops call `vectorSigmoid` and
/// `vectorTanh`, which have no branches or library calls, so they run 8 values at a time; float64
/// (gradient checks) uses the exact library functions. `T` is resolved at compile time in each
/// specialised kernel, so the type test costs nothing.
enum GateActivations {
  /// σ(x) = 1/(1 + e⁻ˣ).
  @inline(__always)
  static func sigmoid<T: FloatElement>(_ input: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ n: Int) {
    if T.self == Float.self {
      let x = UnsafeRawPointer(input).assumingMemoryBound(to: Float.self)
      let y = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
      for i in 0..<n { y[i] = vectorSigmoid(x[i]) }
    } else {
      for i in 0..<n { out[i] = T.sigmoid(input[i]) }
    }
  }

  /// tanh x.
  @inline(__always)
  static func tanh<T: FloatElement>(_ input: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ n: Int) {
    if T.self == Float.self {
      let x = UnsafeRawPointer(input).assumingMemoryBound(to: Float.self)
      let y = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self)
      for i in 0..<n { y[i] = vectorTanh(x[i]) }
    } else {
      for i in 0..<n { out[i] = T.tanh(input[i]) }
    }
  }

  /// max(x, 0); NaN stays NaN, as `Tensor.relu` does.
  @inline(__always)
  static func relu<T: FloatElement>(_ input: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ n: Int) {
    for i in 0..<n { let v = input[i]; out[i] = v < 0 ? 0 : v }
  }

  /// `a[i] += b[i]` for the bias of one row of gates.
  @inline(__always)
  static func add<T: FloatElement>(_ b: UnsafePointer<T>, into a: UnsafeMutablePointer<T>, _ n: Int) {
    for i in 0..<n { a[i] += b[i] }
  }
}

/// The same functions on 8 float32 lanes at once, for kernels that keep a whole gate step in
/// registers (load once, compute every gate, store once) instead of one pass per function.
/// Same formulas, and so the same results, as `vectorExp`, `vectorSigmoid` and `vectorTanh`.
enum Lanes8 {
  typealias V = SIMD8<Float>

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
    let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return p * unsafeBitCast(bits, to: V.self)
  }

  @inline(__always)
  static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

  @inline(__always)
  static func tanh(_ x: V) -> V {
    let magnitude = SIMD8<UInt32>(repeating: 0x7FFF_FFFF)
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let a = unsafeBitCast(bits & magnitude, to: V.self)
    let large = 1 - 2 / (exp(2 * a) + 1)
    let s = a * a
    var p = s * (-1382.0 / 155_925) + 62.0 / 2835
    p = p * s - 17.0 / 315
    p = p * s + 2.0 / 15
    p = p * s - 1.0 / 3
    let r = large.replacing(with: a + a * s * p, where: a .< 0.3)
    return unsafeBitCast(unsafeBitCast(r, to: SIMD8<UInt32>.self) | (bits & ~magnitude), to: V.self)
  }

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

  @inline(__always)
  static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
}

extension Lanes8 {
  /// Lanes j..<j+8 of p (fewer at the end of a row: the rest read as 0 and are not written).
  @inline(__always)
  static func load(_ p: UnsafePointer<Float>, _ j: Int, _ count: Int) -> V {
    if count == 8 { return load(p + j) }
    var v = V()
    for t in 0..<count { v[t] = p[j + t] }
    return v
  }

  @inline(__always)
  static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ j: Int, _ count: Int) {
    if count == 8 { store(v, p + j); return }
    for t in 0..<count { p[j + t] = v[t] }
  }
}
