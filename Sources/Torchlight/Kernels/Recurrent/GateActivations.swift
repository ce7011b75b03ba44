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

/// Eight float32 lanes loaded and stored as one vector, for the backward gate kernels, which
/// keep a whole step's arithmetic in registers.
enum Lanes8 {
  typealias V = SIMD8<Float>

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
