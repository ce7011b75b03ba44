/// The special tokens of a translation vocabulary, reserved after `<unk>` (index 0):
/// `<pad>` 1 fills a sentence up to the fixed length, `<bos>` 2 starts the decoder's input,
/// `<eos>` 3 ends every sentence.
public enum TranslationToken {
  public static let pad = "<pad>", bos = "<bos>", eos = "<eos>"
  public static let reserved = [pad, bos, eos]
}

/// `ids` cut or filled with `padding` to exactly `length` tokens, and how many of them are real
/// (d2l's `truncate_pad` with its valid length).
public func padOrTruncate(_ ids: [Int], to length: Int, padding: Int) -> (ids: [Int], validLength: Int) {
  precondition(length > 0, "padOrTruncate: length must be positive, got \(length)")
  let kept = Array(ids.prefix(length))
  return (kept + Array(repeating: padding, count: length - kept.count), kept.count)
}

/// A batch of sentence pairs as tensors for teacher forcing (d2l §10.5): every sentence is its
/// tokens and `<eos>`, cut or padded to `numSteps`.
public struct TranslationBatch {
  /// Source token indices, int64 [N, numSteps].
  public let source: Tensor
  /// Real (non-padding) source tokens per sentence, `<eos>` included, int64 [N].
  public let sourceValidLengths: Tensor
  /// The decoder's input: `<bos>` and the target shifted one step right, int64 [N, numSteps].
  public let decoderInput: Tensor
  /// What the decoder must predict at each step: the target tokens and `<eos>`, int64 [N, numSteps].
  public let labels: Tensor
  /// Real label tokens per sentence, int64 [N].
  public let labelValidLengths: Tensor
  public var count: Int { source.shape[0] }
}

/// Sentence pairs turned into index tensors: the vocabularies of both languages, built from the
/// training pairs only (tokens seen at least `minFrequency` times, `<unk>` and the special
/// tokens reserved), and the fixed length every sentence is cut or padded to.
public struct TranslationCorpus: Sendable {
  public let train: [SentencePair]
  public let heldOut: [SentencePair]
  public let sourceVocabulary: Vocabulary
  public let targetVocabulary: Vocabulary
  public let numSteps: Int

  /// English → German: the source is `pair.english`, the target `pair.german`, both tokenised
  /// by `wordsAndPunctuation`.
  public init(train: [SentencePair], heldOut: [SentencePair], numSteps: Int, minFrequency: Int = 2) {
    precondition(numSteps >= 2, "TranslationCorpus: numSteps must be at least 2, got \(numSteps)")
    self.train = train
    self.heldOut = heldOut
    self.numSteps = numSteps
    sourceVocabulary = Vocabulary(train.flatMap { wordsAndPunctuation($0.english) }, minFrequency: minFrequency,
                                  reservedTokens: TranslationToken.reserved)
    targetVocabulary = Vocabulary(train.flatMap { wordsAndPunctuation($0.german) }, minFrequency: minFrequency,
                                  reservedTokens: TranslationToken.reserved)
  }

  public var pad: Int { targetVocabulary[TranslationToken.pad] }
  public var bos: Int { targetVocabulary[TranslationToken.bos] }
  public var eos: Int { targetVocabulary[TranslationToken.eos] }

  /// A source sentence's indices and `<eos>`, cut or padded to `numSteps`, with its valid length.
  public func sourceIndices(_ english: String) -> (ids: [Int], validLength: Int) {
    let ids = sourceVocabulary.indices(for: wordsAndPunctuation(english)) + [sourceVocabulary[TranslationToken.eos]]
    return padOrTruncate(ids, to: numSteps, padding: sourceVocabulary[TranslationToken.pad])
  }

  /// The words of `english` that the source vocabulary does not hold (they are read as `<unk>`).
  public func unknownWords(_ english: String) -> [String] {
    wordsAndPunctuation(english).filter { sourceVocabulary[$0] == sourceVocabulary.unknownIndex }
  }

  /// The tensors of `pairs`, in order.
  public func batch(_ pairs: [SentencePair]) -> TranslationBatch {
    var source: [Int64] = [], sourceLengths: [Int64] = [], input: [Int64] = [], labels: [Int64] = [], labelLengths: [Int64] = []
    for pair in pairs {
      let (src, srcLength) = sourceIndices(pair.english)
      let target = targetVocabulary.indices(for: wordsAndPunctuation(pair.german)) + [eos]
      let (label, labelLength) = padOrTruncate(target, to: numSteps, padding: pad)
      source += src.map(Int64.init); sourceLengths.append(Int64(srcLength))
      labels += label.map(Int64.init); labelLengths.append(Int64(labelLength))
      input += ([bos] + label.dropLast()).map(Int64.init)
    }
    let n = pairs.count
    return TranslationBatch(source: Tensor(source, shape: [n, numSteps]), sourceValidLengths: Tensor(sourceLengths, shape: [n]),
                            decoderInput: Tensor(input, shape: [n, numSteps]), labels: Tensor(labels, shape: [n, numSteps]),
                            labelValidLengths: Tensor(labelLengths, shape: [n]))
  }

  /// The share of sentences longer than `numSteps` tokens with `<eos>`, which are cut.
  public func truncatedShare(_ pairs: [SentencePair]) -> (english: Double, german: Double) {
    guard !pairs.isEmpty else { return (0, 0) }
    let n = Double(pairs.count)
    return (Double(pairs.filter { wordsAndPunctuation($0.english).count + 1 > numSteps }.count) / n,
            Double(pairs.filter { wordsAndPunctuation($0.german).count + 1 > numSteps }.count) / n)
  }
}
