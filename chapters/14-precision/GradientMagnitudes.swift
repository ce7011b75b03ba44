import Foundation
import Torchlight

/// A census of gradient elements by magnitude, to see which of them float16 can hold: it rounds
/// |g| ≤ 2⁻²⁵ to zero ("flushes" them: 2⁻²⁵ is half its smallest subnormal, 2⁻²⁴), and keeps
/// 2⁻²⁵ < |g| < 2⁻¹⁴ only as subnormals, with fewer significant bits the smaller they are.
struct GradientMagnitudes {
  /// Elements counted, and how many of them were exactly zero.
  var total = 0, zeros = 0
  /// Nonzero elements float16 would flush to zero, and those it would hold as subnormals.
  var flushed = 0, subnormal = 0
  /// Nonzero elements by ⌊log₂|g|⌋.
  var octaves: [Int: Int] = [:]

  /// Counts every element of `gradients` (float32 tensors; nil entries are skipped).
  mutating func add(_ gradients: [Tensor?]) {
    for g in gradients.compactMap({ $0 }) {
      for v in g.toDoubles() {
        total += 1
        let m = Swift.abs(v)
        guard m > 0 else { zeros += 1; continue }
        if m <= 0x1p-25 { flushed += 1 } else if m < 0x1p-14 { subnormal += 1 }
        octaves[Int(log2(m).rounded(.down)), default: 0] += 1
      }
    }
  }

  var zeroFraction: Double { total == 0 ? 0 : Double(zeros) / Double(total) }
  /// Of the nonzero elements, the share float16 would round to zero.
  var flushedFraction: Double { total == zeros ? 0 : Double(flushed) / Double(total - zeros) }
  /// Of the nonzero elements, the share float16 would hold only as subnormals.
  var subnormalFraction: Double { total == zeros ? 0 : Double(subnormal) / Double(total - zeros) }

  /// (octave, share of the nonzero elements) in increasing order, for a histogram.
  var distribution: [(octave: Int, share: Double)] {
    let nonzero = Double(max(1, total - zeros))
    return octaves.keys.sorted().map { ($0, Double(octaves[$0]!) / nonzero) }
  }
}
