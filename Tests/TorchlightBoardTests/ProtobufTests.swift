import Testing
@testable import TorchlightBoard

/// The wire format against the examples of protobuf's encoding guide, and back through our decoder.
@Suite("Protobuf wire format") struct ProtobufTests {
  @Test func varints() {
    #expect(ProtobufEncoder.varint(0) == [0x00])
    #expect(ProtobufEncoder.varint(1) == [0x01])
    #expect(ProtobufEncoder.varint(127) == [0x7F])
    #expect(ProtobufEncoder.varint(128) == [0x80, 0x01])
    #expect(ProtobufEncoder.varint(150) == [0x96, 0x01])
    #expect(ProtobufEncoder.varint(300) == [0xAC, 0x02])
    #expect(ProtobufEncoder.varint(UInt64.max) == [UInt8](repeating: 0xFF, count: 9) + [0x01])
  }

  @Test func fieldsOfTheEncodingGuide() {
    var m = ProtobufEncoder()
    m.int(1, 150)                           // message Test1 { int32 a = 1; } with a = 150
    #expect(m.bytes == [0x08, 0x96, 0x01])
    m = ProtobufEncoder()
    m.string(2, "testing")                  // message Test2 { string b = 2; }
    #expect(m.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
    m = ProtobufEncoder()
    var inner = ProtobufEncoder()
    inner.int(1, 150)
    m.message(3, inner)                     // message Test3 { Test1 c = 3; }
    #expect(m.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])
    m = ProtobufEncoder()
    m.int(1, -1)                            // negative int64: ten bytes
    #expect(m.bytes == [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
  }

  @Test func fixedWidthNumbersAreLittleEndian() {
    var m = ProtobufEncoder()
    m.double(1, 1.0)
    m.float(2, 1.0)
    #expect(m.bytes == [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x15, 0, 0, 0x80, 0x3F])
    m = ProtobufEncoder()
    m.packedDoubles(6, [1.0, -2.0])
    #expect(m.bytes == [0x32, 16, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0, 0, 0, 0, 0, 0, 0x00, 0xC0])
  }

  @Test func theDecoderReadsBackWhatWasWritten() throws {
    var m = ProtobufEncoder()
    m.double(1, 1234.5); m.int(2, 1 << 40); m.string(3, "brain.Event:2"); m.float(4, -0.25)
    m.packedDoubles(6, [0.5, 1e300])
    let fields = try ProtobufField.decode(m.bytes)
    #expect(fields.map(\.number) == [1, 2, 3, 4, 6])
    #expect(fields[field: 1]?.double == 1234.5)
    #expect(fields[field: 2]?.int == 1 << 40)
    #expect(fields[field: 3]?.string == "brain.Event:2")
    #expect(fields[field: 4]?.float == -0.25)
    #expect(fields[field: 6]?.doubles == [0.5, 1e300])
  }

  @Test func aTruncatedMessageIsAnError() {
    var m = ProtobufEncoder()
    m.string(3, "testing")
    #expect(throws: BoardError.self) { try ProtobufField.decode(Array(m.bytes.dropLast())) }
  }
}
