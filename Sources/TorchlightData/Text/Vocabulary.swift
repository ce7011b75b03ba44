/// Maps tokens to indices and back (d2l's `Vocab`): `<unk>` is index 0, then the reserved tokens
/// in the order given, then every token seen at least `minFrequency` times, most frequent first
/// (ties in token order, so the same text always gives the same indices). A token the vocabulary
/// does not hold maps to `<unk>`.
public struct Vocabulary: Sendable {
  /// The token of unknown or rare words, at index 0.
  public static let unknown = "<unk>"

  /// Every token, by index: `tokens[vocabulary["the"]] == "the"`.
  public let tokens: [String]
  /// How often each distinct token occurred in the text the vocabulary was built from, most
  /// frequent first, rare ones included (the data of a Zipf plot).
  public let tokenFrequencies: [(token: String, count: Int)]
  let indexOf: [String: Int]

  public init(_ tokens: [String], minFrequency: Int = 1, reservedTokens: [String] = []) {
    tokenFrequencies = ngramCounts(tokens, n: 1).map { ($0.ngram[0], $0.count) }
    var list = [Self.unknown]
    var seen: Set<String> = [Self.unknown]
    for token in reservedTokens where seen.insert(token).inserted { list.append(token) }
    for (token, count) in tokenFrequencies where count >= minFrequency && seen.insert(token).inserted {
      list.append(token)
    }
    self.tokens = list
    indexOf = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1, $0) })
  }

  /// Distinct tokens held, `<unk>` and reserved ones included.
  public var count: Int { tokens.count }

  /// The index of `<unk>`.
  public var unknownIndex: Int { 0 }

  /// The index of `token`, or of `<unk>` when the vocabulary does not hold it.
  public subscript(token: String) -> Int { indexOf[token] ?? unknownIndex }

  /// The token at `index`.
  public subscript(index: Int) -> String { tokens[index] }

  /// The index of every token (`vocab[tokens]` in d2l).
  public func indices(for tokens: [String]) -> [Int] { tokens.map { self[$0] } }

  /// The token at every index (`vocab.to_tokens`).
  public func tokens(for indices: [Int]) -> [String] { indices.map { tokens[$0] } }
}
