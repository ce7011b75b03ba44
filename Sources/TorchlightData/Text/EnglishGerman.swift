import Foundation

/// One English sentence and its German translation.
public struct SentencePair: Sendable, Equatable, Hashable {
  public let english: String
  public let german: String
  public init(english: String, german: String) { self.english = english; self.german = german }
}

/// English–German sentence pairs from the German–English dictionary of TU Chemnitz (Frank
/// Richter's "Ding" dictionary, GPL 2 or later), which Debian ships as `trans-de-en` in
/// `/usr/share/trans/de-en`: the translation data of chapter 11.
///
/// The file has one entry per line, `German | alt | … :: English | alt | …`, and comment lines
/// that start with `#`. Most entries are words and phrases; the example sentences among them
/// are what we keep (see `sentencePairs(in:maxWords:)`): about 11,000 pairs.
public struct EnglishGermanSentences: Sendable {
  public static let fileName = "de-en"
  public static let defaultFolder = "/usr/share/trans"
  public static let package = "trans-de-en"
  static let howToGet = "install it with `sudo apt-get install \(package)` (or `make setup`), or point --data-dir or TORCHLIGHT_DATA at a folder holding \(fileName)"

  /// Every sentence pair of the file, in file order, each once.
  public let pairs: [SentencePair]
  /// The file they were read from.
  public let path: String

  /// The folder to read: the given one, `$TORCHLIGHT_DATA`, or Debian's.
  public static func folder(_ explicit: String?) -> String {
    explicit ?? ProcessInfo.processInfo.environment["TORCHLIGHT_DATA"] ?? defaultFolder
  }

  /// Reads `de-en` from `folder` (see `folder(_:)`) and keeps its sentence pairs, or throws a
  /// `DataError` naming the package to install or the folder to pass.
  public init(folder: String? = nil, maxWords: Int = 10) throws {
    let dir = Self.folder(folder)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder) else {
      throw DataError("English–German sentences: folder \(dir) does not exist; \(Self.howToGet)")
    }
    guard isFolder.boolValue else {
      throw DataError("English–German sentences: \(dir) is not a folder; --data-dir and TORCHLIGHT_DATA name the folder that holds \(Self.fileName)")
    }
    let file = (dir as NSString).appendingPathComponent(Self.fileName)
    guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder), !isFolder.boolValue else {
      throw DataError("English–German sentences: \(Self.fileName) is missing from \(dir); \(Self.howToGet)")
    }
    guard let data = FileManager.default.contents(atPath: file) else {
      throw DataError("English–German sentences: cannot read \(file); check its permissions")
    }
    let pairs = Self.sentencePairs(utf8: [UInt8](data), maxWords: maxWords)
    guard !pairs.isEmpty else {
      throw DataError("English–German sentences: \(file) holds no sentence pairs (expected lines `German | … :: English | …`); \(Self.howToGet)")
    }
    self.pairs = pairs
    path = file
  }

  /// The sentence pairs of a dictionary text, each once, in the order first seen. A line is
  /// split at ` :: ` into its German and English sides and each side at ` | ` into its parts;
  /// when both sides have the same number of parts, part i of one translates part i of the
  /// other. A pair is kept when both parts are single sentences (`isSentence`) of at most
  /// `maxWords` words. The typographic apostrophe ’ becomes '.
  public static func sentencePairs(in text: String, maxWords: Int = 10) -> [SentencePair] {
    sentencePairs(utf8: Array(text.utf8), maxWords: maxWords)
  }

  /// `sentencePairs(in:)` on the file's bytes. The 25 MB file is split with `memchr`, and a part
  /// becomes a `String` only when its bytes could be a sentence (`couldBeSentence`).
  static func sentencePairs(utf8 bytes: [UInt8], maxWords: Int) -> [SentencePair] {
    var seen = Set<SentencePair>(), pairs: [SentencePair] = []
    bytes.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return }
      let end = base + buffer.count
      var line = base
      while line < end {
        let newline = memchr(line, 10, end - line).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) } ?? end
        defer { line = newline + 1 }
        guard newline > line, line[0] != UInt8(ascii: "#") else { continue }
        let sides = split(line, newline, separator: " :: ")
        guard sides.count == 2 else { continue }
        let german = split(sides[0].start, sides[0].end, separator: " | ")
        let english = split(sides[1].start, sides[1].end, separator: " | ")
        guard german.count == english.count else { continue }
        for (g, e) in zip(german, english) where couldBeSentence(e, maxWords: maxWords) && couldBeSentence(g, maxWords: maxWords) {
          let pair = SentencePair(english: normalised(e.string), german: normalised(g.string))
          if isSentence(pair.english, maxWords: maxWords), isSentence(pair.german, maxWords: maxWords),
             seen.insert(pair).inserted {
            pairs.append(pair)
          }
        }
      }
    }
    return pairs
  }

  /// A run of bytes of the file.
  struct Bytes {
    let start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>
    var string: String { String(decoding: UnsafeBufferPointer(start: start, count: end - start), as: UTF8.self) }
  }

  /// The runs of bytes between the occurrences of `separator` (` :: ` or ` | `) in start..<end.
  /// `memchr` finds each candidate by the separator's second byte, which is rare in text.
  static func split(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, separator: StaticString) -> [Bytes] {
    let pattern = UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount)
    var parts: [Bytes] = [], from = start, search = start + 1
    while search < end, let hit = memchr(search, Int32(pattern[1]), end - search) {
      let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - 1      // where the separator would start
      var matches = at >= from && at + pattern.count <= end
      var k = 0
      while matches && k < pattern.count { matches = at[k] == pattern[k]; k += 1 }
      if matches {
        parts.append(Bytes(start: from, end: at))
        from = at + pattern.count
        search = from + 1
      } else {
        search = at + 2
      }
    }
    parts.append(Bytes(start: from, end: end))
    return parts
  }

  /// What the bytes alone can rule out (plain comparisons: this runs on every part of the file):
  /// a sentence starts with an upper-case letter, a quote or a non-ASCII character (Ä, „, …),
  /// ends with `.`, `?` or `!` (before trailing spaces or a CR), holds none of `; { [ / (`, and
  /// has at most `maxWords` runs of non-spaces.
  static func couldBeSentence(_ part: Bytes, maxWords: Int) -> Bool {
    var first = part.start, last = part.end
    while first < last, first[0] == 32 { first += 1 }
    while last > first, last[-1] == 32 || last[-1] == 13 || last[-1] == 9 { last -= 1 }
    guard last > first else { return false }
    let end = last[-1]
    guard end == 46 || end == 63 || end == 33 else { return false }                       // . ? !
    let start = first[0]
    guard start >= 128 || (start >= 65 && start <= 90) || start == 34 || start == 39 else { return false }  // A–Z " '
    var words = 0, inWord = false, p = first
    while p < last {
      let b = p[0]
      if b == 59 || b == 123 || b == 91 || b == 47 || b == 40 { return false }           // ; { [ / (
      if b == 32 { inWord = false } else if !inWord { inWord = true; words += 1 }
      p += 1
    }
    return words <= maxWords
  }

  static func normalised(_ s: String) -> String {
    s.replacingOccurrences(of: "’", with: "'").trimmingCharacters(in: .whitespaces)
  }

  /// One sentence, not a phrase or a list: it starts with a capital letter or a quote, ends with
  /// `.`, `?` or `!`, holds none of `; { [ / (` (the dictionary's alternatives, grammar notes,
  /// subject labels and glosses), and has at most `maxWords` words (runs between spaces).
  public static func isSentence(_ s: String, maxWords: Int) -> Bool {
    guard let first = s.first, let last = s.last else { return false }
    guard first.isUppercase || "\"'„“‚‘»«".contains(first) else { return false }
    guard ".?!".contains(last) else { return false }
    guard !s.contains(where: { ";{[/(".contains($0) }) else { return false }
    return s.split(separator: " ").count <= maxWords
  }
}

/// A fixed split into training pairs and `count` held-out pairs, the same on every run: the
/// pairs are shuffled by a generator seeded with `seed` (fixed, not `--seed`), the first `count`
/// are held out, and the rest train, except those whose English sentence is also a held-out
/// one (the dictionary sometimes gives one sentence two translations), so that no held-out
/// source sentence is ever seen in training.
public func translationSplit(_ pairs: [SentencePair], heldOut count: Int = 500, seed: UInt64 = 20_170_612)
  -> (train: [SentencePair], heldOut: [SentencePair], dropped: Int) {
  let order = Tensor.randperm(pairs.count, generator: Generator(seed: seed)).toArray(Int64.self).map { Int($0) }
  let held = order.prefix(count).sorted().map { pairs[$0] }
  let heldEnglish = Set(held.map(\.english))
  let rest = order.dropFirst(count).sorted().map { pairs[$0] }
  let train = rest.filter { !heldEnglish.contains($0.english) }
  return (train, held, rest.count - train.count)
}

/// Words and punctuation, lower case (the tokens of the translation chapter, both languages):
/// a token is a run of letters and digits, which may hold an apostrophe or hyphen between two
/// letters or digits (`don't`, `e-mail`) and a point or comma between two digits (`1.5`);
/// every other character that is not a space is a token of its own (`.`, `,`, `?`, `„`, `%`).
///
///     wordsAndPunctuation("I'm sorry, I don't know.")  // ["i'm", "sorry", ",", "i", "don't", "know", "."]
public func wordsAndPunctuation(_ text: String) -> [String] {
  let chars = Array(text.lowercased())
  var tokens: [String] = [], word = ""
  for (i, c) in chars.enumerated() {
    let between = !word.isEmpty && i + 1 < chars.count
    let next = between ? chars[i + 1] : " "
    let joins = c.isLetter || c.isNumber
      || ("'-".contains(c) && between && (next.isLetter || next.isNumber))
      || (".,".contains(c) && between && word.last!.isNumber && next.isNumber)
    if joins {
      word.append(c)
    } else {
      if !word.isEmpty { tokens.append(word); word = "" }
      if !c.isWhitespace { tokens.append(String(c)) }
    }
  }
  if !word.isEmpty { tokens.append(word) }
  return tokens
}
