/// The standard normal CDF Φ(x) for float32, for GELU, written so that a loop over an array of
/// them vectorises (no branches, no calls), as `vectorExp` is.
///
/// Φ(x) = ½(1 + erf(x/√2)), with erf from Abramowitz & Stegun 7.1.28 (Hastings):
/// erf z = 1 − 1/(1 + a₁z + … + a₆z⁶)¹⁶ for z ≥ 0, absolute error below 3·10⁻⁷, and erf odd.
/// It needs no exp: six multiply-adds, four squarings and one division, a short dependency chain
/// (a longer one leaves the vector units waiting on latency). The error in Φ, under 1.5·10⁻⁷,
/// is about one float32 rounding of values near 1, which is what GELU = x·Φ(x) needs.
@inline(__always)
func vectorNormalCDF(_ x: Float) -> Float {
  let z = (x < 0 ? -x : x) * 0.707_106_77
  var p: Float = 0.000_043_063_8
  p = p * z + 0.000_276_567_2
  p = p * z + 0.000_152_014_3
  p = p * z + 0.009_270_527_2
  p = p * z + 0.042_282_012_3
  p = p * z + 0.070_523_078_4
  p = p * z + 1
  p = p * p; p = p * p; p = p * p; p = p * p   // the 16th power
  let halfTail = 0.5 / p                       // ½(1 − erf z)
  return x < 0 ? halfTail : 1 - halfTail
}
