/// Conversions between float32 and the two 2-byte formats, on bit patterns, with IEEE
/// round-to-nearest-even: the result is the representable value nearest to x, and of two equally
/// near ones, the one whose last fraction bit is 0.
///
/// Written on the bits, rather than through Swift's `Float16`, so that the rounding is visible in
/// the code (and testable bit for bit), is the same for both formats, and runs at the same speed on
/// every CPU: dropping k fraction bits with rounding is adding 2ᵏ⁻¹ − 1, plus the lowest kept bit
/// (that breaks a tie towards even), and shifting right by k. A carry out of the fraction moves
/// into the exponent, which is exactly rounding up into the next binade (or to infinity).
public enum HalfRounding {
  // MARK: bfloat16: the top 16 bits of a float32

  /// The bfloat16 nearest to `x` (ties to even). bfloat16 keeps float32's sign and 8 exponent
  /// bits, so only the fraction is rounded, from 23 bits to 7. NaN stays NaN: its sign and top
  /// payload bits are kept and the quiet bit is set, so truncation cannot turn it into infinity.
  @inline(__always)
  public static func bfloat16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    if x.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
    let lowestKept = (bits >> 16) & 1
    return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ lowestKept) >> 16)
  }

  /// The float32 holding bfloat16 `bits` exactly: the 16 bits become the top half.
  @inline(__always)
  public static func float(bfloat16 bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }

  // MARK: float16: 1 sign, 5 exponent (bias 15), 10 fraction bits

  /// The float16 nearest to `x` (ties to even). Magnitudes from 65,520 up (halfway between the
  /// largest finite half, 65,504, and 2¹⁶) become ±infinity, as in PyTorch; magnitudes below 2⁻¹⁴
  /// become subnormal halves (multiples of 2⁻²⁴), and those of at most 2⁻²⁵ become ±0. NaN
  /// stays NaN, quiet, with its sign and top payload bits.
  @inline(__always)
  public static func float16Bits(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
    let magnitude = bits & 0x7FFF_FFFF
    if magnitude > 0x7F80_0000 {  // NaN: quiet bit set, top 10 payload bits kept
      return sign | 0x7E00 | UInt16(truncatingIfNeeded: (magnitude >> 13) & 0x3FF)
    }
    if magnitude >= 0x477F_F000 { return sign | 0x7C00 }  // ≥ 65,520 (or ∞): infinity
    if magnitude >= 0x3880_0000 {  // ≥ 2⁻¹⁴: a normal half
      // Re-bias the exponent from 127 to 15 (subtract 112 << 23), then round 23 fraction bits to 10.
      let rebiased = magnitude &- 0x3800_0000
      let lowestKept = (rebiased >> 13) & 1
      return sign | UInt16(truncatingIfNeeded: (rebiased &+ 0x0FFF &+ lowestKept) >> 13)
    }
    // A subnormal half is k·2⁻²⁴. With its implicit 1, the float32 is m·2^(e−150), so
    // k = m·2^(e−126) rounded: drop 126 − e bits. At 25 or more bits dropped, x ≤ 2⁻²⁵ gives 0.
    let exponent = Int(magnitude >> 23)
    let drop = 126 - exponent
    if drop > 24 { return sign }
    let m = (magnitude & 0x007F_FFFF) | 0x0080_0000
    let lowestKept = (m >> UInt32(drop)) & 1
    let half = UInt32(1) << UInt32(drop - 1)
    return sign | UInt16(truncatingIfNeeded: (m &+ half &- 1 &+ lowestKept) >> UInt32(drop))
  }

  /// The float32 holding float16 `bits` exactly.
  @inline(__always)
  public static func float(float16 bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let fraction = UInt32(bits & 0x3FF)
    switch exponent {
    case 0x1F:  // ∞, or NaN: payload kept and made quiet, as an IEEE conversion does
      return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13 | (fraction == 0 ? 0 : 0x0040_0000))
    case 0:  // zero or subnormal: fraction·2⁻²⁴, exact in float32
      let magnitude = Float(fraction) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    default: return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
    }
  }
}
