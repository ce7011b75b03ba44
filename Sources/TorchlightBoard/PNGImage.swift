/// The bytes of a PNG file with the size and colour type its header gives: a PNG starts with an
/// 8-byte signature and then the IHDR chunk (length, "IHDR", width and height as big-endian
/// 32-bit integers, bit depth, colour type).
public struct PNGImage: Sendable {
  public let bytes: [UInt8]
  public let width: Int, height: Int
  /// TensorBoard's colour space: 1 grey, 2 grey + alpha, 3 RGB (or a palette), 4 RGBA.
  public let colorspace: Int

  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Reads the header of `bytes`; throws when they are not a PNG (`name` says which file in the message).
  public init(_ bytes: [UInt8], name: String = "image") throws {
    guard bytes.count >= 33, Array(bytes[0..<8]) == Self.signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
      throw BoardError("\(name): not a PNG file (no PNG signature and IHDR header)")
    }
    let bigEndian = { (i: Int) in (i..<i + 4).reduce(0) { $0 << 8 | Int(bytes[$1]) } }
    self.bytes = bytes
    width = bigEndian(16)
    height = bigEndian(20)
    colorspace = switch bytes[25] { case 0: 1; case 4: 2; case 6: 4; default: 3 }
  }
}
