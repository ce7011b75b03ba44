import Foundation

/// TFRecord framing, the container of TensorFlow event files. Each record is
///
///     uint64 length | uint32 masked CRC32C of the length's 8 bytes | data | uint32 masked CRC32C of data
///
/// all little-endian, so a reader can skip a record without parsing it and tell a torn or
/// corrupted record from a good one.
public enum TFRecord {
  /// One framed record.
  public static func frame(_ data: [UInt8]) -> [UInt8] {
    var length: [UInt8] = []
    withUnsafeBytes(of: UInt64(data.count).littleEndian) { length += $0 }
    var out = length
    out += littleEndian(CRC32C.masked(length))
    out += data
    out += littleEndian(CRC32C.masked(data))
    return out
  }

  /// The records of a file's bytes, each checked against both CRCs. Throws, naming the record,
  /// when a length or data checksum does not match or the last record is cut short.
  public static func records(in bytes: [UInt8], file: String = "the file") throws -> [[UInt8]] {
    var records: [[UInt8]] = [], i = 0
    while i < bytes.count {
      let n = records.count
      guard i + 12 <= bytes.count else { throw BoardError("\(file): record \(n) is cut short in its header (a write was interrupted)") }
      let length = bytes[i..<i + 8], lengthCRC = readUInt32(bytes, at: i + 8)
      guard CRC32C.masked(length) == lengthCRC else { throw BoardError("\(file): record \(n) has a bad length checksum (the file is corrupt)") }
      let count = length.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      guard count <= UInt64(bytes.count - i - 12), i + 12 + Int(count) + 4 <= bytes.count else {
        throw BoardError("\(file): record \(n) is cut short: \(count) bytes announced (a write was interrupted)")
      }
      let data = Array(bytes[i + 12..<i + 12 + Int(count)])
      guard CRC32C.masked(data) == readUInt32(bytes, at: i + 12 + Int(count)) else {
        throw BoardError("\(file): record \(n) has a bad data checksum (the file is corrupt)")
      }
      records.append(data)
      i += 12 + Int(count) + 4
    }
    return records
  }

  /// The records of a file on disk.
  public static func records(atPath path: String) throws -> [[UInt8]] {
    guard let data = FileManager.default.contents(atPath: path) else { throw BoardError("\(path): cannot be read") }
    return try records(in: [UInt8](data), file: path)
  }

  static func littleEndian(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

  static func readUInt32(_ bytes: [UInt8], at i: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + $1]) << (8 * $1) }
  }
}
