/// SHA-256 (FIPS 180-4), the checksum a checkpoint keeps of each tensor's bytes.
///
/// The construction, in four steps:
/// 1. **Padding.** The message gets a `1` bit, then zeros, then its length in bits as a big-endian
///    64-bit number, so that the total is a multiple of 512 bits (64 bytes).
/// 2. **State.** Eight 32-bit words `h0…h7`, starting from the fractional parts of the square
///    roots of the first eight primes.
/// 3. **Compression**, once per 64-byte block: the block's sixteen big-endian words are stretched
///    to 64 with `w[t] = σ1(w[t-2]) + w[t-7] + σ0(w[t-15]) + w[t-16]`; then 64 rounds mix one
///    word and one constant `K[t]` (fractional parts of the cube roots of the first 64 primes)
///    into eight working variables `a…h` with the rotations `Σ0`, `Σ1` and the bitwise
///    choice `Ch(e, f, g)` and majority `Maj(a, b, c)`; finally `a…h` are added to `h0…h7`
///    (this feed-forward makes the step one-way even though each round can be inverted).
/// 4. **Digest.** `h0…h7` written big-endian: 32 bytes, usually shown as 64 hex digits.
///
/// Chaining blocks through the state this way is the Merkle–Damgård construction: any change
/// to any byte, or to the length, changes the digest beyond prediction. All additions wrap
/// modulo 2³² (`&+`).
///
/// ```swift
/// SHA256.hex(of: Array("abc".utf8))   // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// ```
public struct SHA256 {
  /// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
  static let k: [UInt32] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]

  /// `h0…h7`: the first 32 bits of the fractional parts of the square roots of the first 8 primes.
  private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
  /// Bytes received but not yet compressed (fewer than 64).
  private var pending: [UInt8] = []
  /// How many bytes have been received in all.
  private var length: UInt64 = 0

  /// An empty hash, ready for `update`.
  public init() {}

  /// The digest of `bytes`, in one call.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(bytes)
    return hasher.finalize()
  }

  /// The digest of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { hash($0) } }

  /// The digest of `bytes` as 64 lowercase hex digits, as `sha256sum` and Python's `hexdigest()` show it.
  public static func hex(of bytes: [UInt8]) -> String { hexString(hash(bytes)) }

  /// `digest` as lowercase hex digits.
  public static func hexString(_ digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
  }

  /// Feeds more of the message; call as often as needed, then `finalize()`.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var next = bytes.baseAddress, bytes.count > 0 else { return }
    var remaining = bytes.count
    length &+= UInt64(remaining)
    // Complete a block left over from the previous call first.
    if !pending.isEmpty {
      let take = min(64 - pending.count, remaining)
      pending.append(contentsOf: UnsafeRawBufferPointer(start: next, count: take))
      next += take
      remaining -= take
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress(blocks: $0.baseAddress!, count: 1) }
      pending.removeAll(keepingCapacity: true)
    }
    // Whole blocks straight from the caller's memory, the rest kept for later.
    let blocks = remaining / 64
    if blocks > 0 { compress(blocks: next, count: blocks) }
    pending.append(contentsOf: UnsafeRawBufferPointer(start: next + 64 * blocks, count: remaining - 64 * blocks))
  }

  /// Pads the message, compresses the last block(s) and returns the 32-byte digest.
  public mutating func finalize() -> [UInt8] {
    let bits = length &* 8
    var tail = pending + [0x80]
    while tail.count % 64 != 56 { tail.append(0) }
    tail += (0..<8).map { UInt8(truncatingIfNeeded: bits >> (56 - 8 * UInt64($0))) }
    tail.withUnsafeBytes { compress(blocks: $0.baseAddress!, count: tail.count / 64) }
    pending = []
    return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32($0))) } }
  }

  /// The compression function applied to `count` consecutive 64-byte blocks at `blocks`.
  private mutating func compress(blocks: UnsafeRawPointer, count: Int) {
    @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
    var (h0, h1, h2, h3, h4, h5, h6, h7) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
    Self.k.withUnsafeBufferPointer { k in
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
        for block in 0..<count {
          // The message schedule: the block's 16 words, stretched to 64.
          let words = blocks + 64 * block
          for t in 0..<16 { w[t] = UInt32(bigEndian: words.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self)) }
          for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)    // σ0
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)     // σ1
            w[t] = s1 &+ w[t - 7] &+ s0 &+ w[t - 16]
          }
          // Round t: T1 = h + Σ1(e) + Ch(e, f, g) + K[t] + w[t], T2 = Σ0(a) + Maj(a, b, c); then
          // every variable moves one place down (h ← g, …, b ← a) except e ← d + T1 and a ← T1 + T2.
          // Rather than move eight values each round, `round` updates d and h in place and the
          // next call passes the variables rotated by one name: eight calls bring them home.
          @inline(__always) func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                                       _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ t: Int) {
            let sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)     // Σ1
            let choice = (e & f) ^ (~e & g)                           // Ch: f's bit where e has 1, g's where 0
            let t1 = h &+ sigma1 &+ choice &+ k[t] &+ w[t]
            let sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)     // Σ0
            let majority = (a & b) ^ (a & c) ^ (b & c)                // Maj: the bit most of a, b, c have
            d &+= t1
            h = t1 &+ sigma0 &+ majority
          }
          var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
          for t in stride(from: 0, to: 64, by: 8) {
            round(a, b, c, &d, e, f, g, &h, t)
            round(h, a, b, &c, d, e, f, &g, t + 1)
            round(g, h, a, &b, c, d, e, &f, t + 2)
            round(f, g, h, &a, b, c, d, &e, t + 3)
            round(e, f, g, &h, a, b, c, &d, t + 4)
            round(d, e, f, &g, h, a, b, &c, t + 5)
            round(c, d, e, &f, g, h, a, &b, t + 6)
            round(b, c, d, &e, f, g, h, &a, t + 7)
          }
          h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
        }
      }
    }
    state = [h0, h1, h2, h3, h4, h5, h6, h7]
  }
}
