import Testing
@testable import TorchlightBoard

/// CRC-32C against published test vectors: the "check" value of the Castagnoli polynomial and the
/// examples of RFC 3720 (iSCSI), appendix B.4.
@Suite("CRC32C") struct CRC32CTests {
  @Test func theCheckValueOf123456789() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
  }

  @Test func rfc3720Vectors() {
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
  }

  @Test func theEmptyInputAndTheMask() {
    #expect(CRC32C.checksum([UInt8]()) == 0)
    // masked(crc) = rotate right by 15, plus 0xA282EAD8 (mod 2³²).
    #expect(CRC32C.masked([UInt8]()) == 0xA282_EAD8)
    let crc: UInt32 = 0xE306_9283
    #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
  }
}
