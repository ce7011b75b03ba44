import Foundation
import Testing
@testable import Torchlight

/// The float32 → bfloat16 rounding of `HalfRounding`, checked bit for bit against a reference
/// written the other way round: it takes the two bfloat16 neighbours of x (x with its low 16 bits
/// cleared, and the next one away from zero), measures both distances exactly in Double, and picks
/// the nearer, or on a tie the one with an even last bit. Past the largest finite bfloat16 the
/// next neighbour is 2¹²⁸, which is what infinity stands for when rounding.
private func referenceBFloat16(_ x: Float) -> UInt16 {
  let bits = x.bitPattern
  if x.isNaN { return UInt16(bits >> 16) | 0x0040 }
  let below = UInt16(bits >> 16), above = below &+ 1
  func value(_ b: UInt16) -> Double {
    b & 0x7FFF == 0x7F80 ? (b & 0x8000 != 0 ? -0x1p128 : 0x1p128) : Double(Float(bitPattern: UInt32(b) << 16))
  }
  if x.isInfinite || Double(x) == value(below) { return below }
  let dBelow = Swift.abs(Double(x) - value(below)), dAbove = Swift.abs(value(above) - Double(x))
  if dBelow != dAbove { return dBelow < dAbove ? below : above }
  return below & 1 == 0 ? below : above
}

/// float32 values of every class, each with its neighbours: zeros, float32 subnormals, the
/// smallest normal, ordinary numbers, exact ties of both formats (odd and even last kept bit),
/// values just either side of a tie, values that carry into the next binade, the largest finite
/// values and the overflow thresholds of both formats, infinities and NaNs (quiet and signalling,
/// with payloads, both signs).
private let classValues: [Float] = {
  var bits: [UInt32] = [
    0x0000_0000, 0x0000_0001, 0x0000_8000, 0x0000_8001, 0x0001_8000, 0x007F_FFFF,  // subnormals
    0x0080_0000, 0x0080_7FFF, 0x0080_8000, 0x0081_8000,                           // smallest normals
    0x3F80_0000, 0x3F80_7FFF, 0x3F80_8000, 0x3F80_8001, 0x3F81_8000, 0x3F81_7FFF,  // 1 and bf16 ties
    0x3FFF_FFFF, 0x3FFF_8000, 0x3FFF_7FFF, 0x407F_F000, 0x3F7F_FFFF,               // into the next binade
    0x3DCC_CCCD, 0x4049_0FDB, 0x447A_0000,                                         // 0.1, π, 1000
    0x3F80_1000, 0x3F80_0FFF, 0x3F80_1001, 0x3F80_3000, 0x3F80_2000,               // f16 ties at 1
    0x477F_E000, 0x477F_EFFF, 0x477F_F000, 0x477F_F001, 0x4780_0000,               // 65504 and its overflow
    0x3880_0000, 0x387F_FFFF, 0x3800_0000, 0x3380_0000, 0x3300_0000, 0x3300_0001,  // f16 subnormal edges
    0x33C0_0000, 0x3340_0000, 0x3360_0000, 0x3280_0000, 0x3500_0000, 0x3502_0000,
    0x7F7F_FFFF, 0x7F7F_7FFF, 0x7F7F_8000, 0x7F7F_0000,                            // largest float32, bf16 overflow
    0x7F80_0000, 0x7FC0_0000, 0x7F80_0001, 0x7FA0_1234, 0x7FFF_FFFF, 0x7FC0_0001,  // ∞ and NaNs
  ]
  bits += bits.map { $0 | 0x8000_0000 }
  return bits.map(Float.init(bitPattern:))
}()

/// Seeded random float32 bit patterns: every exponent and fraction equally likely.
private func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
  var state = seed
  return (0..<count).map { _ in
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Float(bitPattern: UInt32(truncatingIfNeeded: state >> 32))
  }
}

@Suite struct HalfRoundingTests {
  @Test func bfloat16RoundsToNearestEvenOnEveryClass() {
    for x in classValues + randomFloats(200_000, seed: 1) {
      let got = HalfRounding.bfloat16Bits(x), want = referenceBFloat16(x)
      if got != want {
        Issue.record("bfloat16(\(x), bits 0x\(String(x.bitPattern, radix: 16))): got 0x\(String(got, radix: 16)), reference 0x\(String(want, radix: 16))")
        return
      }
    }
  }

  @Test func bfloat16NamedCases() {
    func b(_ bits: UInt32) -> UInt16 { HalfRounding.bfloat16Bits(Float(bitPattern: bits)) }
    #expect(b(0x3F80_8000) == 0x3F80, "a tie with an even last bit stays")
    #expect(b(0x3F81_8000) == 0x3F82, "a tie with an odd last bit rounds up to even")
    #expect(b(0x3F80_8001) == 0x3F81, "just past a tie rounds up")
    #expect(b(0x3FFF_FFFF) == 0x4000, "rounding up carries into the next binade (≈2 becomes 2)")
    #expect(b(0x7F7F_FFFF) == 0x7F80, "the largest float32 rounds to infinity")
    #expect(b(0x7F7F_7FFF) == 0x7F7F, "below the overflow threshold stays finite")
    #expect(b(0x0000_8000) == 0x0000 && b(0x0001_8000) == 0x0002, "subnormals round like any other value")
    #expect(b(0x8000_0000) == 0x8000, "−0 keeps its sign")
    #expect(b(0xFF80_0000) == 0xFF80, "−∞ stays −∞")
    #expect(b(0x7F80_0001) == 0x7FC0, "a signalling NaN whose payload is in the dropped bits stays NaN, quiet")
    #expect(b(0xFFC0_0000) == 0xFFC0, "a NaN keeps its sign")
  }

  /// Swift's `Float16(Float)` (the C runtime's conversion here) is the independent reference.
  @Test func float16RoundsLikeSwiftsFloat16OnEveryClass() {
    for x in classValues + randomFloats(200_000, seed: 2) {
      let got = HalfRounding.float16Bits(x), want = Float16(x).bitPattern
      if got != want {
        Issue.record("float16(\(x), bits 0x\(String(x.bitPattern, radix: 16))): got 0x\(String(got, radix: 16)), Swift 0x\(String(want, radix: 16))")
        return
      }
    }
  }

  @Test func float16NamedCases() {
    func h(_ x: Float) -> Float { HalfRounding.float(float16: HalfRounding.float16Bits(x)) }
    #expect(h(65504) == 65504 && h(65519) == 65504, "up to 65,520 rounds to the largest finite half")
    #expect(h(65520) == .infinity && h(-70000) == -.infinity, "from 65,520 on: infinity, as PyTorch")
    #expect(h(0x1p-24) == 0x1p-24, "the smallest subnormal half")
    #expect(h(0x1p-25) == 0, "half of it is a tie and rounds to even: 0")
    #expect(h(0x1.8p-25) == 0x1p-24, "above the tie it rounds up")
    #expect(h(3 * 0x1p-25) == 2 * 0x1p-24, "1.5 × 2⁻²⁴ is a tie between 1 and 2 (× 2⁻²⁴): even is 2")
    #expect(h(1e-9) == 0 && h(-1e-9).sign == .minus, "underflow gives a signed zero")
    #expect(h(2049) == 2048 && h(2051) == 2052, "ties between integers above 2048 go to even")
    #expect(h(.nan).isNaN && h(-.infinity) == -.infinity)
  }

  @Test func wideningIsExactForEveryHalfBitPattern() {
    for bits in UInt16.min...UInt16.max {
      let f16 = HalfRounding.float(float16: bits), reference = Float(Float16(bitPattern: bits))
      let bf16 = HalfRounding.float(bfloat16: bits)
      if f16.bitPattern != reference.bitPattern || bf16.bitPattern != UInt32(bits) << 16 {
        Issue.record("widening 0x\(String(bits, radix: 16)): float16 \(f16) vs \(reference), bfloat16 \(bf16)")
        return
      }
      // Narrowing a widened value gives back the same bits (NaNs stay NaN).
      if !f16.isNaN && HalfRounding.float16Bits(f16) != bits || !bf16.isNaN && HalfRounding.bfloat16Bits(bf16) != bits
        || f16.isNaN && !HalfRounding.float(float16: HalfRounding.float16Bits(f16)).isNaN {
        Issue.record("round trip of 0x\(String(bits, radix: 16)) changed it")
        return
      }
    }
  }
}
