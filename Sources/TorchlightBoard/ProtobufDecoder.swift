/// A protocol buffer read back field by field, the inverse of `ProtobufEncoder`: enough to check
/// what we wrote (and to read TensorBoard files in tests) without generated code.
public struct ProtobufField {
  /// The field number from the `.proto` definition.
  public let number: Int
  /// The raw value: a varint, the bits of a fixed64/fixed32, or a length-delimited payload.
  public let value: Value

  public enum Value {
    case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8])
  }

  public var int: Int64? { if case .varint(let v) = value { Int64(bitPattern: v) } else { nil } }
  public var double: Double? { if case .fixed64(let v) = value { Double(bitPattern: v) } else { nil } }
  public var float: Float? { if case .fixed32(let v) = value { Float(bitPattern: v) } else { nil } }
  public var data: [UInt8]? { if case .bytes(let v) = value { v } else { nil } }
  public var string: String? { data.map { String(decoding: $0, as: UTF8.self) } }
  /// A nested message's fields.
  public var fields: [ProtobufField]? { data.flatMap { try? ProtobufField.decode($0) } }
  /// A packed `repeated double`.
  public var doubles: [Double]? {
    guard let data, data.count % 8 == 0 else { return nil }
    return stride(from: 0, to: data.count, by: 8).map { i in
      Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(data[i + $1]) << (8 * $1) })
    }
  }

  /// Every field of an encoded message, in order. Throws on a truncated message or an unknown wire type.
  public static func decode(_ bytes: [UInt8]) throws -> [ProtobufField] {
    var i = 0, fields: [ProtobufField] = []
    func varint() throws -> UInt64 {
      var value: UInt64 = 0, shift: UInt64 = 0
      while true {
        guard i < bytes.count, shift < 64 else { throw BoardError("protobuf: a varint runs past the end of the message") }
        let byte = bytes[i]; i += 1
        value |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return value }
        shift += 7
      }
    }
    func take(_ n: Int) throws -> ArraySlice<UInt8> {
      guard n >= 0, i + n <= bytes.count else { throw BoardError("protobuf: a field of \(n) bytes runs past the end of the message") }
      defer { i += n }
      return bytes[i..<i + n]
    }
    func littleEndian(_ n: Int) throws -> UInt64 {
      try take(n).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
    while i < bytes.count {
      let key = try varint()
      let number = Int(key >> 3)
      switch key & 7 {
      case 0: fields.append(ProtobufField(number: number, value: .varint(try varint())))
      case 1: fields.append(ProtobufField(number: number, value: .fixed64(try littleEndian(8))))
      case 2: fields.append(ProtobufField(number: number, value: .bytes(Array(try take(Int(clamping: try varint()))))))
      case 5: fields.append(ProtobufField(number: number, value: .fixed32(UInt32(try littleEndian(4)))))
      default: throw BoardError("protobuf: field \(number) has wire type \(key & 7), which this reader does not know")
      }
    }
    return fields
  }
}

extension Array where Element == ProtobufField {
  /// The first field with this number.
  public subscript(field number: Int) -> ProtobufField? { first { $0.number == number } }
  /// Every field with this number (a repeated field).
  public func all(_ number: Int) -> [ProtobufField] { filter { $0.number == number } }
}
