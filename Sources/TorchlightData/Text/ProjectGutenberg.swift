/// Project Gutenberg's plain-text e-books wrap the book in a frame: a title block and licence
/// before a `*** START OF ...` line, licence text after an `*** END OF ...` line. A language
/// model should learn the book, not the licence, so we keep only what lies between the markers.
public enum ProjectGutenberg {
  /// The book inside a Gutenberg file's bytes: the UTF-8 byte-order mark dropped, CR LF (and a
  /// lone CR) turned into LF, only the lines between the first `*** START OF` marker and the next
  /// `*** END OF` marker kept, and the volunteer's "Produced by ..." paragraph at the top and the
  /// "End of the Project Gutenberg EBook ..." paragraph at the bottom removed, with the blank
  /// lines around the book. `source` names the file in errors.
  public static func bookText(_ bytes: [UInt8], source: String) throws -> String {
    let lines = String(decoding: normalizedLineEnds(bytes), as: UTF8.self)
      .split(separator: "\n", omittingEmptySubsequences: false)
    guard let start = lines.firstIndex(where: { isMarker($0, "START OF") }),
          let end = lines[(start + 1)...].firstIndex(where: { isMarker($0, "END OF") }) else {
      throw DataError("\(source): no '*** START OF' and '*** END OF' marker lines; not a Project Gutenberg text, or its frame was edited away")
    }
    var book = trimmed(lines[(start + 1)..<end])
    // The producers' credit is the first paragraph; Gutenberg's sign-off the last.
    if book.first?.hasPrefix("Produced by") == true {
      book = trimmed(book.drop(while: { !isBlank($0) }))
    }
    let lastParagraph = book.lastIndex(where: isBlank).map { $0 + 1 } ?? book.startIndex
    if let line = book[lastParagraph...].first,
       line.hasPrefix("End of the Project Gutenberg") || line.hasPrefix("End of Project Gutenberg") {
      book = trimmed(book[..<lastParagraph])
    }
    guard !book.isEmpty else {
      throw DataError("\(source): nothing but blank lines between the START and END markers; the file holds no book text")
    }
    return book.joined(separator: "\n")
  }

  /// The bytes without a leading byte-order mark (EF BB BF) and with every CR LF or lone CR as LF.
  static func normalizedLineEnds(_ bytes: [UInt8]) -> [UInt8] {
    let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
    let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    var previousWasCR = false
    for byte in body {
      if byte == cr {
        out.append(lf)
      } else if !(byte == lf && previousWasCR) {
        out.append(byte)
      }
      previousWasCR = byte == cr
    }
    return out
  }

  /// True for a line like `*** START OF THIS PROJECT GUTENBERG EBOOK ... ***` (`words` is
  /// `START OF` or `END OF`); `*** START: FULL LICENSE ***` is not one.
  static func isMarker(_ line: Substring, _ words: String) -> Bool {
    line.hasPrefix("***") && line.drop(while: { $0 == "*" || $0 == " " }).hasPrefix(words)
  }

  static func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" } }

  /// The lines without the blank ones at either end.
  static func trimmed(_ lines: ArraySlice<Substring>) -> ArraySlice<Substring> {
    guard let first = lines.firstIndex(where: { !isBlank($0) }), let last = lines.lastIndex(where: { !isBlank($0) }) else {
      return []
    }
    return lines[first...last]
  }
}
