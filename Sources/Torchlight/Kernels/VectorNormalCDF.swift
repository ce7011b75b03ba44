/// The standard normal CDF Φ(x) and e^(−x²/2) for float32, for GELU, written so that a loop over
/// an array of them vectorises (no branches, no calls), as `vectorExp` is.
///
/// Φ(x) = ½·erfc(−x/√2). With z = |x|/√2 and t = 1/(1 + z/2), erfc z = t·e^(−z² + P(t)), P the
/// degree-9 Chebyshev fit of Numerical Recipes (`erfcc`, relative error below 1.2·10⁻⁷ for all
/// z ≥ 0); then Φ = 1 − ½erfc z for x ≥ 0 and ½erfc z for x < 0, so the small left tail keeps
/// its relative precision.
@inline(__always)
func vectorNormalCDF(_ x: Float) -> Float {
  let (z, t, q) = normalTailTerms(x)
  let halfTail = 0.5 * t * vectorExp(q - z * z)
  return x < 0 ? halfTail : 1 - halfTail
}

/// (Φ(x), e^(−x²/2)) for GELU's derivative: the same Φ, with the Gaussian factor taken apart.
@inline(__always)
func vectorNormalCDFAndGauss(_ x: Float) -> (cdf: Float, gauss: Float) {
  let (z, t, q) = normalTailTerms(x)
  let gauss = vectorExp(-z * z)
  let halfTail = 0.5 * t * gauss * vectorExp(q)
  return (x < 0 ? halfTail : 1 - halfTail, gauss)
}

/// z = |x|/√2, t = 1/(1 + z/2) and P(t).
@inline(__always)
func normalTailTerms(_ x: Float) -> (z: Float, t: Float, p: Float) {
  let z = (x < 0 ? -x : x) * 0.707_106_77
  let t = 1 / (1 + 0.5 * z)
  var q: Float = 0.170_872_77
  q = q * t - 0.822_152_23
  q = q * t + 1.488_515_87
  q = q * t - 1.135_203_98
  q = q * t + 0.278_868_07
  q = q * t - 0.186_288_06
  q = q * t + 0.096_784_18
  q = q * t + 0.374_091_96
  q = q * t + 1.000_023_68
  q = q * t - 1.265_512_23
  return (z, t, q)
}
