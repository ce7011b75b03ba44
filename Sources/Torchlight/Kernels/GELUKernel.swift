import Foundation

/// GELU, x·Φ(x), and its derivative over a contiguous run of values, in one pass each.
///
/// Exact form: Φ(x) = ½(1 + erf(x/√2)), so y′ = Φ(x) + x·φ(x) with φ(x) = e^(−x²/2)/√(2π).
/// Tanh form: Φ(x) ≈ ½(1 + tanh u), u = √(2/π)(x + 0.044715x³), so
/// y′ = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²).
/// Float32 uses the branch-free `vectorNormalCDF` and `vectorTanh` (eight lanes at a time);
/// float64, for gradient checks, the C library's erf, exp and tanh.
enum GELUKernel {
  static let sqrtHalf = 0.5.squareRoot()
  static let invSqrt2Pi = 1 / (2 * Double.pi).squareRoot()
  static let sqrt2OverPi = (2 / Double.pi).squareRoot()
  static let cubic = 0.044715

  static func forward<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, tanh: Bool) {
    nonisolated(unsafe) let (x, y) = (x, y)
    Elementwise.chunked(n, parallel: true) { i0, i1 in
      if T.self == Float.self {
        let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
        let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
        let (k, c) = (Float(sqrt2OverPi), Float(cubic))
        if tanh {
          for i in i0..<i1 { let v = xf[i]; yf[i] = 0.5 * v * (1 + vectorTanh(k * (v + c * v * v * v))) }
        } else {
          for i in i0..<i1 { let v = xf[i]; yf[i] = v * vectorNormalCDF(v) }
        }
      } else {
        for i in i0..<i1 {
          let v = x[i].doubleValue
          let phi = tanh ? 0.5 * (1 + Foundation.tanh(sqrt2OverPi * (v + cubic * v * v * v))) : 0.5 * (1 + Foundation.erf(v * sqrtHalf))
          y[i] = T(v * phi)
        }
      }
    }
  }

  /// dx = g·y′(x).
  static func backward<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                        _ n: Int, tanh: Bool) {
    nonisolated(unsafe) let (g, x, dx) = (g, x, dx)
    Elementwise.chunked(n, parallel: true) { i0, i1 in
      if T.self == Float.self {
        let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
        let gf = UnsafeRawPointer(g).assumingMemoryBound(to: Float.self)
        let df = UnsafeMutableRawPointer(dx).assumingMemoryBound(to: Float.self)
        let (d, k, c) = (Float(invSqrt2Pi), Float(sqrt2OverPi), Float(cubic))
        if tanh {
          for i in i0..<i1 {
            let v = xf[i], t = vectorTanh(k * (v + c * v * v * v))
            df[i] = gf[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * c * v * v))
          }
        } else {
          for i in i0..<i1 {
            let v = xf[i]
            df[i] = gf[i] * (vectorNormalCDF(v) + v * d * vectorExp(-0.5 * v * v))
          }
        }
      } else {
        for i in i0..<i1 {
          let v = x[i].doubleValue, slope: Double
          if tanh {
            let t = Foundation.tanh(sqrt2OverPi * (v + cubic * v * v * v))
            slope = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * sqrt2OverPi * (1 + 3 * cubic * v * v)
          } else {
            slope = 0.5 * (1 + Foundation.erf(v * sqrtHalf)) + v * invSqrt2Pi * Foundation.exp(-0.5 * v * v)
          }
          dx[i] = T(g[i].doubleValue * slope)
        }
      }
    }
  }
}
