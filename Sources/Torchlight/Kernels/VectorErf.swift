/// erf x for float32 written so that a loop over an array of them vectorises (the C library's
/// `erff` is a scalar call): within about 2·10⁻⁷ of the exact value.
///
/// erf is odd, so work with z = |x| and put the sign back. Near 0, erf z = 1 − erfc z would
/// cancel, so below 0.5 the Taylor series (2/√π)(z − z³/3 + z⁵/10 − z⁷/42 + z⁹/216 − z¹¹/1320 +
/// z¹³/9360) is used; its next term is below 10⁻⁹ there. Above, erfc z = t·e^(−z² + P(t)) with
/// t = 1/(1 + z/2) and P the degree-9 Chebyshev fit of Numerical Recipes (`erfcc`, relative
/// error below 1.2·10⁻⁷). Both are computed and one is chosen, with no branch.
@inline(__always)
func vectorErf(_ x: Float) -> Float {
  let z = x < 0 ? -x : x
  let s = z * z
  var p: Float = 1.0 / 9360
  p = p * s - 1.0 / 1320
  p = p * s + 1.0 / 216
  p = p * s - 1.0 / 42
  p = p * s + 1.0 / 10
  p = p * s - 1.0 / 3
  let small = 1.128_379_17 * (z + z * s * p)
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
  let large = 1 - t * vectorExp(-s + q)
  let r = z < 0.5 ? small : large
  return x < 0 ? -r : r
}
