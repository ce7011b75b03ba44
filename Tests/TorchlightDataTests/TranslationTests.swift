import Foundation
import Testing
@testable import TorchlightData

/// Lines shaped like Debian's trans-de-en (`German | alt :: English | alt`), with the cases the
/// parser must keep or drop.
let dictionaryLines = """
  # Version :: devel 2023-01-30
  # License :: GPL Version 2 or later; GNU General Public License
  Aal {m} [zool.] | Aale {pl} :: eel | eels
  Das ist nicht zu viel verlangt. :: That is not too much to expect.
  Er kommt. | Sie kommt nicht. :: He's coming. | She isn’t coming.
  Wer? | Wo? | Was? :: Who? | Where?
  Sei ja vorsichtig damit! :: Be sure to handle it carefully!
  Ich weiß; du weißt. :: I know; you know.
  Das ist (sehr) gut. :: That is (very) good.
  kleingeschrieben. :: Starts in lower case.
  Kein Satzende :: No full stop
  „Ja“, sagte er. :: "Yes," he said.
  Eins zwei drei vier fünf sechs sieben acht neun zehn elf. :: One two three four five six seven eight nine ten eleven.
  Das ist nicht zu viel verlangt. :: That is not too much to expect.
  Geh! :: Go!
  """

@Suite("English–German sentence pairs") struct TranslationPairTests {
  @Test func keepsSingleSentencesZippedAcrossAlternatives() {
    let pairs = EnglishGermanSentences.sentencePairs(in: dictionaryLines)
    #expect(pairs == [
      SentencePair(english: "That is not too much to expect.", german: "Das ist nicht zu viel verlangt."),
      SentencePair(english: "He's coming.", german: "Er kommt."),
      SentencePair(english: "She isn't coming.", german: "Sie kommt nicht."),   // ’ → '
      SentencePair(english: "Be sure to handle it carefully!", german: "Sei ja vorsichtig damit!"),
      SentencePair(english: "\"Yes,\" he said.", german: "„Ja“, sagte er."),
      SentencePair(english: "Go!", german: "Geh!"),
    ])
    // The duplicate line is kept once; 3 German parts against 2 English ones are not zipped;
    // ';', '(', '{', lower-case starts, missing end marks and 11 words are all refused.
    #expect(EnglishGermanSentences.sentencePairs(in: dictionaryLines, maxWords: 12).count == 7)
  }

  @Test func sentenceRule() {
    #expect(EnglishGermanSentences.isSentence("Who?", maxWords: 10))
    #expect(EnglishGermanSentences.isSentence("'Tis done.", maxWords: 10))
    #expect(!EnglishGermanSentences.isSentence("", maxWords: 10))
    #expect(!EnglishGermanSentences.isSentence("to go.", maxWords: 10))
    #expect(!EnglishGermanSentences.isSentence("Go", maxWords: 10))
    for bad in ["A; b.", "A {m}.", "A [coll.].", "A/B.", "A (b)."] {
      #expect(!EnglishGermanSentences.isSentence(bad, maxWords: 10), "\(bad)")
    }
    #expect(EnglishGermanSentences.isSentence("A b c.", maxWords: 3) && !EnglishGermanSentences.isSentence("A b c d.", maxWords: 3))
  }

  @Test func readsTheFileOrSaysWhichPackageToInstall() throws {
    let folder = dataFolder("trans")
    try dictionaryLines.write(toFile: folder + "/de-en", atomically: true, encoding: .utf8)
    let sentences = try EnglishGermanSentences(folder: folder)
    #expect(sentences.pairs.count == 6 && sentences.path == folder + "/de-en")
    expectDataError(["/nonexistent/trans", "does not exist", "apt-get install trans-de-en", "--data-dir"]) {
      _ = try EnglishGermanSentences(folder: "/nonexistent/trans")
    }
    let empty = dataFolder("trans-empty")
    expectDataError(["de-en is missing from \(empty)", "trans-de-en"]) { _ = try EnglishGermanSentences(folder: empty) }
    let words = dataFolder("trans-words")
    try "Aal {m} :: eel\n".write(toFile: words + "/de-en", atomically: true, encoding: .utf8)
    expectDataError(["holds no sentence pairs", "trans-de-en"]) { _ = try EnglishGermanSentences(folder: words) }
  }

  @Test func wordsAndPunctuationSplitsOffPunctuation() {
    #expect(wordsAndPunctuation("I'm sorry, I don't know the answer.") == ["i'm", "sorry", ",", "i", "don't", "know", "the", "answer", "."])
    #expect(wordsAndPunctuation("„Wer?“ – Er sagt: \"Ja!\"") == ["„", "wer", "?", "“", "–", "er", "sagt", ":", "\"", "ja", "!", "\""])
    #expect(wordsAndPunctuation("Das kostet 1.500,50 Euro, d.h. 90%.") == ["das", "kostet", "1.500,50", "euro", ",", "d", ".", "h", ".", "90", "%", "."])
    #expect(wordsAndPunctuation("An e-mail - 'quoted' words' end.") == ["an", "e-mail", "-", "'", "quoted", "'", "words", "'", "end", "."])
    #expect(wordsAndPunctuation("Straße ÄRGER") == ["straße", "ärger"])
    #expect(wordsAndPunctuation("") == [] && wordsAndPunctuation("  ") == [])
  }

  @Test func fixedSplitHoldsOutUnseenSourceSentences() {
    var pairs = (0..<50).map { SentencePair(english: "Sentence \($0).", german: "Satz \($0).") }
    // The same English sentence with a second translation.
    pairs.append(SentencePair(english: "Sentence 7.", german: "Der Satz 7."))
    let (train, held, dropped) = translationSplit(pairs, heldOut: 10, seed: 3)
    #expect(held.count == 10)
    #expect(train.count + held.count + dropped == pairs.count)
    #expect(Set(train.map(\.english)).isDisjoint(with: held.map(\.english)))
    // Fixed: the same seed gives the same split, a new seed another.
    #expect(translationSplit(pairs, heldOut: 10, seed: 3).heldOut == held)
    #expect(translationSplit(pairs, heldOut: 10, seed: 4).heldOut != held)
  }

  @Test func paddingAndBatchTensors() {
    #expect(padOrTruncate([5, 6, 7], to: 5, padding: 1) == ([5, 6, 7, 1, 1], 3))
    #expect(padOrTruncate([5, 6, 7], to: 2, padding: 1) == ([5, 6], 2))

    let train = [SentencePair(english: "I see.", german: "Ich sehe."), SentencePair(english: "I see you.", german: "Ich sehe dich."),
                 SentencePair(english: "You see.", german: "Du siehst.")]
    let corpus = TranslationCorpus(train: train, heldOut: [], numSteps: 4, minFrequency: 2)
    #expect(Array(corpus.sourceVocabulary.tokens.prefix(4)) == ["<unk>", "<pad>", "<bos>", "<eos>"])
    // Seen twice or more: i 2, see 3, . 3, you 2 (English); ich 2, sehe 2, . 3 (German).
    #expect(Set(corpus.sourceVocabulary.tokens.dropFirst(4)) == ["i", "see", ".", "you"])
    #expect(Set(corpus.targetVocabulary.tokens.dropFirst(4)) == ["ich", "sehe", "."])
    #expect(corpus.unknownWords("You see the sea.") == ["the", "sea"])

    let batch = corpus.batch([train[1], SentencePair(english: "I see.", german: "Du siehst.")])
    let v = corpus.sourceVocabulary, t = corpus.targetVocabulary
    // "i see you ." and <eos> is 5 tokens: cut to 4.
    #expect(batch.source.toArray(Int64.self) == [v["i"], v["see"], v["you"], v["."], v["i"], v["see"], v["."], v["<eos>"]].map(Int64.init))
    #expect(batch.sourceValidLengths.toArray(Int64.self) == [4, 4])
    // Labels: target and <eos>, padded; decoder input: <bos> and the labels shifted right.
    #expect(batch.labels.toArray(Int64.self) == [t["ich"], t["sehe"], 0, t["."], 0, 0, t["."], t["<eos>"]].map(Int64.init))
    #expect(batch.decoderInput.toArray(Int64.self) == [t["<bos>"], t["ich"], t["sehe"], 0, t["<bos>"], 0, 0, t["."]].map(Int64.init))
    #expect(batch.labelValidLengths.toArray(Int64.self) == [4, 4])
    let short = corpus.batch([SentencePair(english: "I.", german: "Ich.")])
    #expect(short.source.toArray(Int64.self) == [v["i"], v["."], v["<eos>"], v["<pad>"]].map(Int64.init))
    #expect(short.sourceValidLengths.toArray(Int64.self) == [3])
    #expect(short.labels.toArray(Int64.self) == [t["ich"], t["."], t["<eos>"], t["<pad>"]].map(Int64.init))
    #expect(short.decoderInput.toArray(Int64.self) == [t["<bos>"], t["ich"], t["."], t["<eos>"]].map(Int64.init))
    #expect(corpus.truncatedShare(train) == (english: 1.0 / 3, german: 1.0 / 3))
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: EnglishGermanSentences.defaultFolder + "/" + EnglishGermanSentences.fileName),
                 "Debian's trans-de-en is not installed (make setup installs it)"))
  func theRealDictionaryWhenInstalled() throws {
    let sentences = try EnglishGermanSentences()
    #expect((10_000...12_000).contains(sentences.pairs.count), "\(sentences.pairs.count) pairs")
    let (train, held, dropped) = translationSplit(sentences.pairs)
    #expect(held.count == 500 && Set(train.map(\.english)).isDisjoint(with: held.map(\.english)))
    let corpus = TranslationCorpus(train: train, heldOut: held, numSteps: 12)
    print("trans-de-en: \(sentences.pairs.count) sentence pairs; \(train.count) train, \(held.count) held out, \(dropped) dropped; "
          + "vocabularies: English \(corpus.sourceVocabulary.count), German \(corpus.targetVocabulary.count)")
  }
}
