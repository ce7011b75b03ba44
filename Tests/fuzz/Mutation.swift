/// SplitMix64: a tiny seeded generator, so that case `n` of seed `s` is the same bytes on every
/// machine and can be made again on its own (`--case n`).
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A number in `0..<bound` (bound > 0).
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
  /// One element of a non-empty array.
  mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}

/// One fuzz input: the bytes, what was done to them (for the report), and whether only tensor
/// data bytes were changed (which a checksummed file must refuse).
struct FuzzCase {
  var bytes: [UInt8]
  var steps: [String] = []
  var changedOnlyData = true
}

/// Byte-level mutations that know nothing of the format: they find the checks a parser forgot.
enum ByteMutation: CaseIterable {
  case truncate, flip, extremeByte, append, insert, delete

  func apply(to input: inout FuzzCase, _ rng: inout SplitMix64, dataStart: Int) {
    let n = input.bytes.count
    switch self {
    case .truncate:
      let at = n == 0 ? 0 : rng.below(n)
      input.bytes.removeSubrange(at...)
      input.steps.append("truncate@\(at)")
      input.changedOnlyData = false
    case .flip, .extremeByte:
      guard n > 0 else { return }
      let at = rng.below(n), old = input.bytes[at]
      input.bytes[at] = self == .flip ? old ^ UInt8(1 + rng.below(255)) : rng.pick([0, 0xFF, 0x7F, 0x80])
      input.steps.append("\(self)@\(at)")
      if at < dataStart && input.bytes[at] != old { input.changedOnlyData = false }
    case .append:
      let extra = (0..<(1 + rng.below(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      input.bytes += extra
      input.steps.append("append\(extra.count)")
      input.changedOnlyData = false
    case .insert, .delete:
      guard n > 0 else { return }
      let at = rng.below(n)
      if self == .insert { input.bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at) } else { input.bytes.remove(at: at) }
      input.steps.append("\(self)@\(at)")
      input.changedOnlyData = false
    }
  }
}

/// Sizes that break careless arithmetic: zero, one, the limits of 32-bit fields, 2³², and
/// numbers whose products pass Int.max.
let extremeSizes: [UInt64] = [0, 1, 2, 255, 1 << 16, UInt64(Int32.max), 1 << 31, UInt64(UInt32.max), 1 << 32,
                              1 << 33, 1 << 62, UInt64(Int.max), 1 << 63, UInt64.max]

/// The number of elements of `shape` (0 when an axis is empty), or nil past Int.max: the fuzzer's
/// own checks must not trap on the sizes it makes. Written out rather than calling
/// `Layout.checkedCount`, the arithmetic under test, so the oracle shares no code with it.
func elementCount(_ shape: [Int]) -> Int? {
  if shape.contains(0) { return 0 }
  var product = 1
  for size in shape {
    let (next, overflow) = product.multipliedReportingOverflow(by: size)
    if overflow { return nil }
    product = next
  }
  return product
}
