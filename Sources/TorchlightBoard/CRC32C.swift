/// CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected as 0x82F63B78), the checksum TFRecord
/// files use. One table lookup per byte: the table holds the CRC of every byte value, and each
/// new byte is folded into the low 8 bits of the running remainder.
public enum CRC32C {
  static let table: [UInt32] = (0..<256).map { byte in
    var crc = UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    return crc
  }

  /// The CRC-32C of `bytes` (initial value and final XOR 0xFFFFFFFF): 0xE3069283 for "123456789".
  public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    table.withUnsafeBufferPointer { table in
      for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
    return ~crc
  }

  /// The checksum as TFRecord stores it: rotated right by 15 bits plus a constant (LevelDB's
  /// mask), because a plain CRC over bytes that themselves hold CRCs is weak.
  public static func masked<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt32 {
    let crc = checksum(bytes)
    return ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
  }
}
