import Foundation

/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same stream on every machine, so `manualSeed(42)` makes a whole run
/// reproducible. Ops take an optional `generator:`; without one they draw from `Generator.global`.
public final class Generator: @unchecked Sendable {
  private var s0: UInt64 = 0, s1: UInt64 = 0, s2: UInt64 = 0, s3: UInt64 = 0
  private let lock = NSLock()

  /// The process-wide generator, seeded with a fixed value until `manualSeed` is called (as
  /// PyTorch's default generator is), so even an unseeded run repeats itself.
  public static let global = Generator(seed: 67_280_421_310_721)

  public init(seed: UInt64) { reseed(seed) }

  /// Restarts the stream from `seed`.
  public func manualSeed(_ seed: UInt64) {
    lock.lock(); defer { lock.unlock() }
    reseed(seed)
  }

  private func reseed(_ seed: UInt64) {
    // SplitMix64 spreads one 64-bit seed over the 256 bits of state.
    var x = seed
    func splitmix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
  }

  /// The generator's position in its stream, as the four 64-bit words of xoshiro's state
  /// (`get_state()`/`set_state()`): save it in a checkpoint, set it back, and the draws that
  /// follow are exactly those that would have followed. Setting it takes four words, not all zero
  /// (the one state xoshiro never leaves).
  public var state: [UInt64] {
    get { withLock { [s0, s1, s2, s3] } }
    set {
      precondition(newValue.count == 4 && newValue.contains { $0 != 0 },
                   "Generator.state: expected four words, not all zero, got \(newValue)")
      withLock { (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3]) }
    }
  }

  /// A new generator seeded from this one's stream: independent draws that still follow from
  /// the parent's seed (a data loader takes one from the global generator, for example).
  public func spawn() -> Generator { Generator(seed: withLock { nextBits() }) }

  /// Runs `body` holding the lock, so a whole tensor is filled from one contiguous stretch.
  func withLock<R>(_ body: () -> R) -> R {
    lock.lock(); defer { lock.unlock() }
    return body()
  }

  /// The next 64 random bits (call inside `withLock`).
  @inline(__always)
  func nextBits() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }

  /// Uniform in [0, 1) with 53 random bits.
  @inline(__always)
  func nextUniform() -> Double { Double(nextBits() >> 11) * 0x1.0p-53 }

  /// Uniform integer in 0..<bound, without modulo bias worth measuring (multiply-high).
  @inline(__always)
  func nextInt(below bound: UInt64) -> UInt64 { nextBits().multipliedFullWidth(by: bound).high }

  /// A standard normal draw pair by the Box–Muller transform.
  @inline(__always)
  func nextNormalPair() -> (Double, Double) {
    let u1 = 1 - nextUniform()  // in (0, 1], so log never sees 0
    let u2 = nextUniform()
    let r = (-2 * Foundation.log(u1)).squareRoot()
    return (r * Foundation.cos(2 * .pi * u2), r * Foundation.sin(2 * .pi * u2))
  }
}

/// Seeds the global generator (`torch.manual_seed`).
public func manualSeed(_ seed: UInt64) { Generator.global.manualSeed(seed) }
