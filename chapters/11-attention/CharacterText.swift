import ChapterKit
import TorchlightData

/// The book as a stream of characters for the GPT: every distinct character of the text is a
/// token (letters of both cases, digits, punctuation, newline; the vocabulary is sorted by code
/// point), and the last 10% is held out, the same split as chapter 10.
struct CharacterText {
  /// The vocabulary: token i is `characters[i]`.
  let characters: [Unicode.Scalar]
  let index: [Unicode.Scalar: Int]
  let train: [Int], validation: [Int]

  init(_ text: String) {
    let scalars = Array(text.unicodeScalars)
    let characters = Set(scalars).sorted()
    let index = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
    (self.characters, self.index) = (characters, index)
    (train, validation) = trainValidationSplit(scalars.map { index[$0]! })
  }

  var count: Int { characters.count }

  /// The tokens of `text`, or a one-line error listing the characters the book never uses.
  func encode(_ text: String, what: String) throws -> [Int] {
    let unknown = text.unicodeScalars.filter { index[$0] == nil }
    guard unknown.isEmpty else {
      var seen = Set<Unicode.Scalar>()
      let list = unknown.filter { seen.insert($0).inserted }.map { "'\(String($0).debugDescription.dropFirst().dropLast())'" }
      throw ChapterError("\(what) has characters that are not in the vocabulary: \(list.joined(separator: ", ")) (the GPT knows only the \(count) characters of the book)")
    }
    return text.unicodeScalars.map { index[$0]! }
  }

  func decode(_ tokens: [Int]) -> String {
    var s = String.UnicodeScalarView()
    s.append(contentsOf: tokens.map { characters[$0] })
    return String(s)
  }

  /// The vocabulary as one printable line (newline shown as ⏎, space as ␣).
  var printable: String {
    characters.map { $0 == "\n" ? "⏎" : $0 == " " ? "␣" : String($0) }.joined()
  }
}
