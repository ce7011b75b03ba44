/// What one token is: a character, or a word (text between whitespace).
public enum TokenLevel: Sendable {
  case char
  case word
}

/// Splits text into tokens (d2l's `tokenize`): `.char` gives every character, newlines and
/// spaces included; `.word` gives the runs of non-whitespace, so punctuation stays attached
/// ("Holmes," and "Holmes" differ) unless `lettersOnly` cleans it away first.
///
/// With `lettersOnly: true` the text first goes through `lettersOnly(_:)` (lower case, every
/// other run of characters one space), d2l's cleanup of *The Time Machine*: 27 characters remain.
public func tokenize(_ text: String, _ level: TokenLevel, lettersOnly cleanup: Bool = false) -> [String] {
  let source = cleanup ? lettersOnly(text) : text
  switch level {
  case .char: return source.map { String($0) }
  case .word: return source.split(whereSeparator: \.isWhitespace).map { String($0) }
  }
}
