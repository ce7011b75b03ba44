import Foundation
import Testing
@testable import TorchlightNN

/// SHA-256 against the test vectors of FIPS 180-2 (appendix B) and against Python's hashlib.
@Suite("SHA-256") struct SHA256Tests {
  @Test func fipsTestVectors() {
    #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    // 448 bits: the padding no longer fits in the block, so a second block is compressed.
    #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  @Test func feedingInPiecesGivesTheSameDigest() {
    var rng = SystemRandomNumberGenerator()
    let message = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let whole = SHA256.hash(message)
    // Cuts around the block size and the padding boundary (55, 56, 64 bytes).
    for pieces in [[55, 1, 944], [56, 8, 936], [63, 1, 1, 935], [64, 64, 872], [1, 999], [0, 1000], [333, 333, 334]] {
      var hasher = SHA256(), start = 0
      for size in pieces {
        message[start..<(start + size)].withUnsafeBytes { hasher.update($0) }
        start += size
      }
      #expect(hasher.finalize() == whole, "pieces \(pieces)")
    }
  }

  @Test(.enabled(if: PythonNumpy.executable != nil, "needs python3 on PATH"))
  func agreesWithPythonsHashlibOnRandomData() throws {
    // Lengths around every boundary of the padding, and a few large ones.
    let lengths = Array(0...130) + [447, 448, 511, 512, 513, 4096, 100_003]
    var rng = SystemRandomNumberGenerator()
    let messages = lengths.map { n in (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-sha-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("messages.bin")
    try Data(messages.joined()).write(to: file)
    let script = "import hashlib, sys\nraw = open(sys.argv[1], 'rb').read(); at = 0\nfor n in map(int, sys.argv[2:]):\n    print(hashlib.sha256(raw[at:at + n]).hexdigest()); at += n"
    let result = try PythonNumpy.run(script, [file.path] + lengths.map(String.init))
    try #require(result.status == 0, "python failed: \(result.err)")
    let theirs = result.out.split(separator: "\n").map(String.init)
    try #require(theirs.count == messages.count)
    for (i, message) in messages.enumerated() {
      #expect(SHA256.hex(of: message) == theirs[i], "length \(message.count)")
    }
  }
}
