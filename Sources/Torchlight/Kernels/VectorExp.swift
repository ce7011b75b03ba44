/// eˣ for float32 written so that a loop over an array of them vectorises (no branches, no
/// calls, no traps): the C library's `expf` is a scalar call, so a loop of them runs one element
/// at a time, and the sigmoids of a LeNet spend most of their time there.
///
/// Method: write x = n·ln2 + r with n an integer and |r| ≤ ln2/2, so eˣ = 2ⁿ · eʳ. The power of
/// two is built directly in the float's exponent bits; eʳ is a degree-7 Taylor polynomial, whose
/// truncation error r⁸/8! < 2·10⁻⁸ is below float32's rounding (about 1 ulp in all).
/// Inputs are clamped to [−87.3, 88] so 2ⁿ stays a normal float (above 88 the result saturates at
/// e⁸⁸ ≈ 1.7·10³⁸ rather than reaching float32's largest value); NaN passes through.
@inline(__always)
func vectorExp(_ x: Float) -> Float {
  var x = x < -87.3 ? -87.3 : x
  x = x > 88 ? 88 : x
  // n = round(x / ln 2), by adding 1.5·2²³: the sum's low mantissa bits are then n itself.
  let shifter: Float = 12_582_912
  let t = x * 1.442_695_04 + shifter
  let n = t - shifter
  // r = x − n·ln2 with ln2 split in a part exact in float (n·hi has no rounding) and the rest.
  let r = (x - n * 0.693_145_752) - n * 1.428_606_77e-6
  var p: Float = 1.0 / 5040
  p = p * r + 1.0 / 720
  p = p * r + 1.0 / 120
  p = p * r + 1.0 / 24
  p = p * r + 1.0 / 6
  p = p * r + 0.5
  p = p * r + 1
  p = p * r + 1
  // 2ⁿ: n + 127 in the exponent field. For NaN the bits are garbage but p is NaN, so is the result.
  let bits = (t.bitPattern &- 0x4B40_0000 &+ 127) << 23
  return p * Float(bitPattern: bits)
}

/// σ(x) = 1/(1 + e⁻ˣ) for float32 with `vectorExp`: e⁻ˣ stays finite (≤ e^87.3), so the formula
/// is safe for every x, and it is within a few ulp of the exact value.
@inline(__always)
func vectorSigmoid(_ x: Float) -> Float { 1 / (1 + vectorExp(-x)) }
