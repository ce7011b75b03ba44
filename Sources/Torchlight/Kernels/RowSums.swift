/// Sums along one contiguous row, for the row-wise kernels (layer norm, softmax). A float32 sum
/// written as a plain loop does not vectorise (each addition waits for the previous one); here
/// float32 keeps eight partial sums in one SIMD register. Float64 (gradient checks) adds in order.
enum RowSums {
  @inline(__always)
  static func float(_ p: UnsafePointer<some FloatElement>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
  }

  @inline(__always)
  static func lanes(_ p: UnsafePointer<Float>, _ j: Int) -> SIMD8<Float> { UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self) }

  /// Σ aⱼ.
  @inline(__always)
  static func sum<T: FloatElement>(_ a: UnsafePointer<T>, _ n: Int) -> T {
    guard T.self == Float.self else { var s: T = 0; for j in 0..<n { s += a[j] }; return s }
    let x = float(a)
    var acc = SIMD8<Float>(), j = 0
    while j + 8 <= n { acc += lanes(x, j); j += 8 }
    var s = acc.sum()
    while j < n { s += x[j]; j += 1 }
    return unsafeBitCast(s, to: T.self)
  }

  /// Σ (aⱼ − m)².
  @inline(__always)
  static func squaredDeviations<T: FloatElement>(_ a: UnsafePointer<T>, _ n: Int, from m: T) -> T {
    guard T.self == Float.self else { var s: T = 0; for j in 0..<n { let d = a[j] - m; s += d * d }; return s }
    let x = float(a), mf = unsafeBitCast(m, to: Float.self)
    var acc = SIMD8<Float>(), j = 0
    while j + 8 <= n { let d = lanes(x, j) - mf; acc += d * d; j += 8 }
    var s = acc.sum()
    while j < n { let d = x[j] - mf; s += d * d; j += 1 }
    return unsafeBitCast(s, to: T.self)
  }

  /// (Σ aⱼ, Σ aⱼ·(bⱼ − m)).
  @inline(__always)
  static func sumAndMoment<T: FloatElement>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int, around m: T) -> (T, T) {
    guard T.self == Float.self else {
      var s: T = 0, t: T = 0
      for j in 0..<n { s += a[j]; t += a[j] * (b[j] - m) }
      return (s, t)
    }
    let x = float(a), y = float(b), mf = unsafeBitCast(m, to: Float.self)
    var s8 = SIMD8<Float>(), t8 = SIMD8<Float>(), j = 0
    while j + 8 <= n { let v = lanes(x, j); s8 += v; t8 += v * (lanes(y, j) - mf); j += 8 }
    var s = s8.sum(), t = t8.sum()
    while j < n { s += x[j]; t += x[j] * (y[j] - mf); j += 1 }
    return (unsafeBitCast(s, to: T.self), unsafeBitCast(t, to: T.self))
  }

  /// max aⱼ (−∞ for an empty row); NaN need not propagate (the softmax result is NaN anyway).
  @inline(__always)
  static func max<T: FloatElement>(_ a: UnsafePointer<T>, _ n: Int) -> T {
    guard T.self == Float.self else { var m = -T.infinity; for j in 0..<n where a[j] > m { m = a[j] }; return m }
    let x = float(a)
    var acc = SIMD8<Float>(repeating: -.infinity), j = 0
    while j + 8 <= n { let v = lanes(x, j); acc = acc.replacing(with: v, where: v .> acc); j += 8 }
    var m = acc.max()
    while j < n { if x[j] > m { m = x[j] }; j += 1 }
    return unsafeBitCast(m, to: T.self)
  }
}
