/// d2l's text cleanup (`re.sub('[^A-Za-z]+', ' ', text).lower()`): every run of characters
/// that are not ASCII letters becomes one space, and letters become lower case. What remains is
/// an alphabet of 27 (a–z and space) — the one the PyTorch peer benchmark uses, so perplexities
/// on the same text can be compared. Accented letters count as "not ASCII letters", as in Python.
public func lettersOnly(_ text: String) -> String {
  var out: [UInt8] = []
  out.reserveCapacity(text.utf8.count)
  var inGap = false
  // UTF-8 keeps ASCII as single bytes and every byte of a longer sequence ≥ 0x80, so one pass
  // over the bytes sees each ASCII letter exactly once and never mistakes part of another.
  for byte in text.utf8 {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"):
      out.append(byte); inGap = false
    case UInt8(ascii: "A")...UInt8(ascii: "Z"):
      out.append(byte + 32); inGap = false
    default:
      if !inGap { out.append(UInt8(ascii: " ")); inGap = true }
    }
  }
  return String(decoding: out, as: UTF8.self)
}
