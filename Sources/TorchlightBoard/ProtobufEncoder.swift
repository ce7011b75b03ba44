/// A protocol buffer written by hand. Every field is a key, `field number << 3 | wire type`, as a
/// varint, then its value: a varint (type 0: integers, enums, bools), 8 little-endian bytes
/// (type 1: double, fixed64), a length-prefixed run of bytes (type 2: strings, bytes, nested
/// messages, packed repeated numbers), or 4 little-endian bytes (type 5: float, fixed32).
public struct ProtobufEncoder {
  /// The message so far.
  public private(set) var bytes: [UInt8] = []

  public init() {}

  /// The wire types used here.
  public enum WireType: UInt8 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

  /// An unsigned integer 7 bits at a time, least significant group first; the high bit of each
  /// byte says whether another follows (300 is `AC 02`).
  public static func varint(_ value: UInt64) -> [UInt8] {
    var value = value, out: [UInt8] = []
    while value >= 0x80 {
      out.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    out.append(UInt8(value))
    return out
  }

  mutating func key(_ field: Int, _ type: WireType) {
    bytes += Self.varint(UInt64(field) << 3 | UInt64(type.rawValue))
  }

  /// An `int32`/`int64`/enum field. Negative numbers are sign-extended to 64 bits (ten bytes), as protobuf does.
  public mutating func int(_ field: Int, _ value: Int64) {
    key(field, .varint)
    bytes += Self.varint(UInt64(bitPattern: value))
  }

  /// A `double` field: its IEEE 754 bits, little-endian.
  public mutating func double(_ field: Int, _ value: Double) {
    key(field, .fixed64)
    appendLittleEndian(value.bitPattern)
  }

  /// A `float` field: its IEEE 754 bits, little-endian.
  public mutating func float(_ field: Int, _ value: Float) {
    key(field, .fixed32)
    appendLittleEndian(value.bitPattern)
  }

  /// A `bytes` field (also a nested message's encoding): length, then the bytes.
  public mutating func bytes<Bytes: Collection<UInt8>>(_ field: Int, _ value: Bytes) {
    key(field, .lengthDelimited)
    bytes += Self.varint(UInt64(value.count))
    bytes += value
  }

  /// A `string` field: its UTF-8 bytes.
  public mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

  /// A nested message.
  public mutating func message(_ field: Int, _ value: ProtobufEncoder) { bytes(field, value.bytes) }

  /// A `repeated double` field, packed (proto3's default): one length-delimited run of 8-byte values.
  public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
    var run = ProtobufEncoder()
    for value in values { run.appendLittleEndian(value.bitPattern) }
    bytes(field, run.bytes)
  }

  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }
}
