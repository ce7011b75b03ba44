import Foundation
import Torchlight

/// The three floating-point formats of the chapter, each known only through its rounding
/// function: every property below (range, precision, spacing) is found by asking that function
/// questions, not read from a table.
enum FloatFormat: String, CaseIterable {
  case float32, float16, bfloat16

  var dtype: DType {
    switch self {
    case .float32: .float32
    case .float16: .float16
    case .bfloat16: .bfloat16
    }
  }

  /// Sign, exponent and fraction bits: the layout the derived numbers must agree with.
  var layout: (sign: Int, exponent: Int, fraction: Int) {
    switch self {
    case .float32: (1, 8, 23)
    case .float16: (1, 5, 10)
    case .bfloat16: (1, 8, 7)
    }
  }

  /// The value of this format nearest to `x` (ties to even); ±∞ beyond the largest finite value.
  /// float32 is the CPU's own conversion; float16 and bfloat16 are Torchlight's bit-level
  /// rounding (`HalfRounding`), applied to the float32 nearest to x. Rounding twice is harmless
  /// here: a format of p bits rounded through one of at least 2p + 2 bits (float32's 24 ≥ 2·11 + 2)
  /// gives the same result as rounding directly.
  func round(_ x: Double) -> Double {
    let single = Float(x)
    switch self {
    case .float32: return Double(single)
    case .float16: return Double(HalfRounding.float(float16: HalfRounding.float16Bits(single)))
    case .bfloat16: return Double(HalfRounding.float(bfloat16: HalfRounding.bfloat16Bits(single)))
    }
  }

  func isRepresentable(_ x: Double) -> Bool { round(x) == x }

  /// ulp(x), the gap from the representable x to the next value up: the smallest power of two d
  /// for which x + d is itself representable (any smaller step falls strictly between x and its
  /// neighbour). ∞ at the largest finite value, whose neighbour is infinity.
  func ulp(_ x: Double) -> Double {
    var d = 0x1p-160
    while d < 0x1p130 {
      let next = x + d
      if next > x && isRepresentable(next) { return d }
      if next > x && round(next).isInfinite { return .infinity }
      d *= 2
    }
    return .infinity
  }

  /// Machine epsilon, ulp(1) = 2⁻ᵖ for p fraction bits: halve e while 1 + e/2 still rounds
  /// above 1. (1 + ulp/2 is a tie, and ties go to the even neighbour, 1.)
  var epsilon: Double {
    var e = 1.0
    while round(1 + e / 2) > 1 { e /= 2 }
    return e
  }

  /// The largest finite value: the top power of two 2ᴱ (doubling until rounding overflows),
  /// filled with ones below it: 2ᴱ · (2 − ε).
  var largest: Double {
    var top = 1.0
    while round(top * 2).isFinite { top *= 2 }
    return top * (2 - epsilon)
  }

  /// The smallest positive value (a subnormal): halve while half of it still rounds above 0.
  var smallestSubnormal: Double {
    var x = 1.0
    while round(x / 2) > 0 { x /= 2 }
    return x
  }

  /// The smallest normal value: the lowest power of two at which the spacing is still relative,
  /// ulp(x) = ε·x. Below it the spacing stays fixed at the smallest subnormal.
  var smallestNormal: Double {
    var x = 1.0
    let e = epsilon
    while ulp(x / 2) == e * x / 2 { x /= 2 }
    return x
  }

  /// Significant decimal digits, log₁₀(1/ε).
  var decimalDigits: Double { -log10(epsilon) }
}

/// The numbers of the format table, all derived from `FloatFormat.round`.
struct FormatProperties {
  let format: FloatFormat
  let epsilon, largest, smallestNormal, smallestSubnormal: Double

  init(_ format: FloatFormat) {
    self.format = format
    epsilon = format.epsilon
    largest = format.largest
    smallestNormal = format.smallestNormal
    smallestSubnormal = format.smallestSubnormal
  }

  /// Fraction bits p, from ε = 2⁻ᵖ.
  var fractionBits: Int { Int(-log2(epsilon)) }
  /// Exponent bits, from the normal range: 2^(e−1) − 1 is the largest exponent, log₂ of the top binade.
  var exponentBits: Int { Int(log2(log2(largest).rounded(.down) + 1)) + 1 }
}
