import CZlib
import Foundation

/// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (0, 0, type, number of
/// axes), each axis size as a big-endian 32-bit integer, then the values. Files are usually
/// gzip-compressed; zlib reads both compressed and plain files.
public enum IDX {
  /// Unsigned bytes, the only element type these data sets use.
  static let unsignedByte: UInt8 = 0x08

  /// The whole (decompressed) content of a file, or a `DataError` saying why not.
  static func readBytes(_ path: String) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else { throw DataError("\(path): no such file") }
    guard let file = gzopen(path, "rb") else { throw DataError("\(path): cannot open (\(String(cString: strerror(errno))))") }
    defer { gzclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
      if n < 0 {
        var code: Int32 = 0
        let message = String(cString: gzerror(file, &code))
        throw DataError("\(path): not a valid gzip file (\(message)); the download may be damaged, reinstall the data")
      }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<Int(n)])
    }
    return bytes
  }

  /// Parses IDX bytes into the axis sizes and the values, checking the magic number, the number
  /// of axes and that the file holds exactly the values its header promises.
  public static func parse(_ bytes: [UInt8], expectedAxes: Int, name: String) throws -> (shape: [Int], values: ArraySlice<UInt8>) {
    guard bytes.count >= 4 else { throw DataError("\(name): too short to be an IDX file (\(bytes.count) bytes)") }
    guard bytes[0] == 0, bytes[1] == 0, bytes[2] == unsignedByte else {
      throw DataError("\(name): not an IDX file of bytes (magic number \(bytes[0..<4].map { String(format: "%02x", $0) }.joined()), expected 000008\(String(format: "%02x", expectedAxes)))")
    }
    let axes = Int(bytes[3])
    guard axes == expectedAxes else {
      throw DataError("\(name): has \(axes) axes, expected \(expectedAxes) (is it the right file?)")
    }
    let header = 4 + 4 * axes
    guard bytes.count >= header else { throw DataError("\(name): truncated inside its header") }
    let shape = (0..<axes).map { a in
      (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * a + $1]) }
    }
    guard let expected = Layout.checkedCount(shape) else {
      // Name the first axis at which the product of the sizes passes Int.max.
      var product = 1, axis = 0
      while case (let next, false) = product.multipliedReportingOverflow(by: shape[axis]) { product = next; axis += 1 }
      throw DataError("\(name): impossible header: sizes \(shape) multiply past \(Int.max) at axis \(axis) (size \(shape[axis])); the file is damaged, reinstall the data")
    }
    guard bytes.count - header == expected else {
      let verb = bytes.count - header < expected ? "truncated" : "longer than its header says"
      throw DataError("\(name): \(verb): the header promises \(shape) = \(expected) values, the file holds \(bytes.count - header)")
    }
    return (shape, bytes[header...])
  }

  /// Reads and checks an IDX file.
  public static func read(_ path: String, expectedAxes: Int) throws -> (shape: [Int], values: ArraySlice<UInt8>) {
    try parse(readBytes(path), expectedAxes: expectedAxes, name: path)
  }

  /// The IDX encoding of byte values with `shape` (used by tests to make small files).
  public static func encode(shape: [Int], values: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, unsignedByte, UInt8(shape.count)]
    for size in shape { bytes += [24, 16, 8, 0].map { UInt8((size >> $0) & 0xFF) } }
    return bytes + values
  }

  /// Writes bytes gzip-compressed (for tests and tools).
  public static func writeGzip(_ bytes: [UInt8], to path: String) throws {
    guard let file = gzopen(path, "wb") else { throw DataError("\(path): cannot create") }
    defer { gzclose(file) }
    let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
    guard written == bytes.count else { throw DataError("\(path): write failed") }
  }
}
