import Foundation
import Testing
@testable import TorchlightData

/// A Gutenberg-shaped file: `bytes` written as `pg1661.txt` into a fresh folder, which is returned.
func writeBook(_ text: String, bom: Bool = true, lineEnd: String = "\r\n") throws -> String {
  let folder = dataFolder("text")
  let body = Array(text.replacingOccurrences(of: "\n", with: lineEnd).utf8)
  try Data((bom ? [0xEF, 0xBB, 0xBF] : []) + body).write(to: URL(fileURLWithPath: "\(folder)/pg1661.txt"))
  return folder
}

let framedBook = """
  Project Gutenberg's A Tiny Book, by Nobody

  This eBook is for the use of anyone anywhere at no cost.

  *** START OF THIS PROJECT GUTENBERG EBOOK A TINY BOOK ***



  Produced by a volunteer
  and another one



  A TINY BOOK

      by Nobody

  It was a dark night. "Holmes," said I.
  The end.



  End of the Project Gutenberg EBook of A Tiny Book, by
  Nobody

  *** END OF THIS PROJECT GUTENBERG EBOOK A TINY BOOK ***

  *** START: FULL LICENSE ***
  THE FULL PROJECT GUTENBERG LICENSE
  """

let strippedBook = """
  A TINY BOOK

      by Nobody

  It was a dark night. "Holmes," said I.
  The end.
  """

@Suite("Text corpus") struct CorpusTests {
  @Test func stripsByteOrderMarkLineEndsAndTheGutenbergFrame() throws {
    let book = try SherlockHolmes(folder: try writeBook(framedBook))
    #expect(book.text == strippedBook)
    #expect(book.path.hasSuffix("/pg1661.txt"))
    // LF files, files without a BOM, and old Mac files (lone CR) give the same book.
    #expect(try SherlockHolmes(folder: try writeBook(framedBook, bom: false, lineEnd: "\n")).text == strippedBook)
    #expect(try SherlockHolmes(folder: try writeBook(framedBook, lineEnd: "\r")).text == strippedBook)
    #expect(!book.text.contains("\r") && !book.text.unicodeScalars.contains("\u{FEFF}"))
  }

  @Test func missingFolderOrFileSaysWhatToInstallOrPass() throws {
    expectDataError(["/nonexistent/texts", "does not exist", "apt-get install golang-github-bkaradzic-go-lz4-dev", "--data-dir"]) {
      _ = try SherlockHolmes(folder: "/nonexistent/texts")
    }
    let empty = dataFolder("text-empty")
    expectDataError(["pg1661.txt is missing from \(empty)", "apt-get install golang-github-bkaradzic-go-lz4-dev", "TORCHLIGHT_DATA"]) {
      _ = try SherlockHolmes(folder: empty)
    }
    let file = try writeBook(framedBook) + "/pg1661.txt"
    expectDataError([file, "is not a folder", "--data-dir"]) { _ = try SherlockHolmes(folder: file) }
    let nested = dataFolder("text-nested")
    try FileManager.default.createDirectory(atPath: nested + "/pg1661.txt", withIntermediateDirectories: true)
    expectDataError([nested + "/pg1661.txt", "is a folder, not the text file"]) { _ = try SherlockHolmes(folder: nested) }
  }

  @Test func textWithoutMarkersOrBookIsRefused() throws {
    expectDataError(["pg1661.txt", "no '*** START OF' and '*** END OF' marker lines"]) {
      _ = try SherlockHolmes(folder: try writeBook("Just some text.\nNo frame at all.\n"))
    }
    expectDataError(["marker lines"]) {
      _ = try SherlockHolmes(folder: try writeBook("*** START OF THE BOOK ***\nText, but no end marker.\n"))
    }
    expectDataError(["marker lines"]) {
      _ = try SherlockHolmes(folder: try writeBook("*** END OF THE BOOK ***\nText\n*** START OF THE BOOK ***\n"))
    }
    expectDataError(["nothing but blank lines", "no book text"]) {
      _ = try SherlockHolmes(folder: try writeBook("header\n*** START OF X ***\n\n   \n\n*** END OF X ***\nlicence\n"))
    }
    expectDataError(["no book text"]) {
      _ = try SherlockHolmes(folder: try writeBook("*** START OF X ***\nProduced by someone\n\nEnd of the Project Gutenberg EBook\n*** END OF X ***\n"))
    }
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: SherlockHolmes.defaultFolder + "/" + SherlockHolmes.fileName),
                 "Debian's golang-github-bkaradzic-go-lz4-dev is not installed (make setup installs it)"))
  func theRealBookWhenInstalled() throws {
    let book = try SherlockHolmes(folder: SherlockHolmes.defaultFolder)
    #expect(book.text.hasPrefix("THE ADVENTURES OF SHERLOCK HOLMES\n\nby\n\nSIR ARTHUR CONAN DOYLE"))
    #expect(book.text.hasSuffix("she has met with considerable success."))
    for licence in ["Gutenberg", "LICENSE", "eBook", "*** "] {
      #expect(!book.text.contains(licence), "the stripped book still contains '\(licence)'")
    }
    let chars = tokenize(book.text, .char), cleanChars = tokenize(book.text, .char, lettersOnly: true)
    let words = tokenize(book.text, .word), cleanWords = tokenize(book.text, .word, lettersOnly: true)
    let charVocab = Vocabulary(chars), cleanCharVocab = Vocabulary(cleanChars)
    let wordVocab = Vocabulary(words, minFrequency: 5), cleanWordVocab = Vocabulary(cleanWords, minFrequency: 5)
    #expect(cleanCharVocab.count == 28, "<unk>, space and a–z, as in the PyTorch peer")
    print("Sherlock Holmes: \(chars.count) characters after stripping (\(cleanChars.count) after the letters-only cleanup); "
          + "char vocabulary \(charVocab.count) (letters only: \(cleanCharVocab.count)); "
          + "\(words.count) words, word vocabulary \(Vocabulary(words).count) (min frequency 5: \(wordVocab.count)); "
          + "letters only: \(cleanWords.count) words, vocabulary \(Vocabulary(cleanWords).count) (min frequency 5: \(cleanWordVocab.count))")
    print("Most frequent words (letters only): \(cleanWordVocab.tokenFrequencies.prefix(10).map { "\($0.token) \($0.count)" }.joined(separator: ", "))")
  }
}

@Suite("Tokens and vocabularies") struct VocabularyTests {
  @Test func charAndWordTokens() {
    #expect(tokenize("ab c\nd", .char) == ["a", "b", " ", "c", "\n", "d"])
    #expect(tokenize("  It was,\tthe\n\nbest  ", .word) == ["It", "was,", "the", "best"])
    #expect(tokenize("It's 1891. Holmes!", .word, lettersOnly: true) == ["it", "s", "holmes"])
    #expect(tokenize("Ab, c", .char, lettersOnly: true) == ["a", "b", " ", "c"])
  }

  @Test func lettersOnlyMatchesD2lsRegex() {
    // re.sub("[^A-Za-z]+", " ", text).lower() for each of these, computed in Python:
    #expect(lettersOnly("Hello, World! née 42\nBye") == "hello world n e bye")
    #expect(lettersOnly("\u{FEFF}“Well, Watson?”") == " well watson ")
    #expect(lettersOnly("") == "" && lettersOnly("...") == " " && lettersOnly("ZzAa") == "zzaa")
  }

  @Test func orderedByFrequencyWithUnknownFirstAndReservedNext() {
    let tokens = "b a c a b a d d e".split(separator: " ").map(String.init)
    let vocab = Vocabulary(tokens, reservedTokens: ["<pad>", "<bos>"])
    // a ×3, then b and d ×2 (ties by token), then c and e ×1.
    #expect(vocab.tokens == ["<unk>", "<pad>", "<bos>", "a", "b", "d", "c", "e"])
    #expect(vocab.count == 8 && vocab.unknownIndex == 0 && vocab[0] == "<unk>")
    #expect(vocab.tokenFrequencies.map(\.token) == ["a", "b", "d", "c", "e"])
    #expect(vocab.tokenFrequencies.map(\.count) == [3, 2, 2, 1, 1])
    #expect(vocab["a"] == 3 && vocab["<bos>"] == 2 && vocab["zebra"] == 0)
  }

  @Test func minimumFrequencyAndUnknownRoundTrip() {
    let tokens = "the cat and the dog and the bird".split(separator: " ").map(String.init)
    let vocab = Vocabulary(tokens, minFrequency: 2)
    #expect(vocab.tokens == ["<unk>", "the", "and"])
    #expect(vocab.tokenFrequencies.count == 5, "rare tokens are still counted")
    let indices = vocab.indices(for: tokens)
    #expect(indices == [1, 0, 2, 1, 0, 2, 1, 0])
    #expect(vocab.tokens(for: indices) == ["the", "<unk>", "and", "the", "<unk>", "and", "the", "<unk>"])
    #expect(vocab.tokens(for: vocab.indices(for: ["and", "the"])) == ["and", "the"])
    // A reserved token that also occurs in the text is held once, in its reserved place.
    let reserved = Vocabulary(tokens, reservedTokens: ["and", "<unk>"])
    #expect(reserved.tokens == ["<unk>", "and", "the", "bird", "cat", "dog"])
  }

  @Test func ngramCountsOnATinyText() {
    let tokens = "a b a b a c".split(separator: " ").map(String.init)
    let unigrams = ngramCounts(tokens, n: 1)
    #expect(unigrams.map(\.ngram) == [["a"], ["b"], ["c"]] && unigrams.map(\.count) == [3, 2, 1])
    let bigrams = ngramCounts(tokens, n: 2)
    #expect(bigrams.map(\.ngram) == [["a", "b"], ["b", "a"], ["a", "c"]] && bigrams.map(\.count) == [2, 2, 1])
    let trigrams = ngramCounts(tokens, n: 3)
    #expect(trigrams.map(\.ngram) == [["a", "b", "a"], ["b", "a", "b"], ["b", "a", "c"]] && trigrams.map(\.count) == [2, 1, 1])
    #expect(ngramCounts(tokens, n: 7).isEmpty)
    #expect(bigrams.map(\.count).reduce(0, +) == tokens.count - 1)
  }
}

@Suite("Language-model batches") struct LanguageModelLoaderTests {
  /// Tokens equal to their positions, so a batch shows where it was cut.
  let stream = Array(0..<100)

  func epoch(_ loader: LanguageModelLoader) -> [(x: [[Int64]], y: [[Int64]])] {
    loader.map { batch in
      let rows = batch.inputs.shape[0], steps = batch.inputs.shape[1]
      let x = batch.inputs.toArray(Int64.self), y = batch.targets.toArray(Int64.self)
      return ((0..<rows).map { Array(x[($0 * steps)..<(($0 + 1) * steps)]) },
              (0..<rows).map { Array(y[($0 * steps)..<(($0 + 1) * steps)]) })
    }
  }

  @Test(arguments: [LanguageModelLoader.Sampling.random, .sequential])
  func shapesAndTargetsShiftedByOne(sampling: LanguageModelLoader.Sampling) {
    let loader = LanguageModelLoader(stream, batchSize: 3, numSteps: 5, sampling: sampling, generator: Generator(seed: 0))
    #expect(loader.count == 6, "(100 − 5) / 5 = 19 subsequences after any offset, 6 whole batches")
    for _ in 0..<5 {
      var batches = 0
      for batch in loader {
        batches += 1
        #expect(batch.inputs.shape == [3, 5] && batch.targets.shape == [3, 5])
        #expect(batch.inputs.dtype == .int64 && batch.targets.dtype == .int64)
        #expect(batch.targets.toArray(Int64.self) == batch.inputs.toArray(Int64.self).map { $0 + 1 })
        #expect(batch.inputs.toArray(Int64.self).allSatisfy { $0 >= 0 && $0 < 99 })
      }
      #expect(batches == loader.count)
    }
  }

  @Test func sequentialRowsContinueFromBatchToBatch() {
    let loader = LanguageModelLoader(stream, batchSize: 3, numSteps: 5, sampling: .sequential, generator: Generator(seed: 1))
    for _ in 0..<5 {
      let batches = epoch(loader)
      for (row, _) in batches[0].x.enumerated() {
        // Each row reads one stretch of text across the whole epoch.
        let text = batches.flatMap { $0.x[row] }
        #expect(text == Array(text[0]..<(text[0] + Int64(text.count))), "row \(row) jumps: \(text)")
      }
      for b in 1..<batches.count {
        #expect(zip(batches[b - 1].y, batches[b].x).allSatisfy { $0.last! == $1.first! })
      }
    }
  }

  @Test func randomPartitionDrawsDistinctSubsequencesAndOffsets() {
    let loader = LanguageModelLoader(stream, batchSize: 3, numSteps: 5, sampling: .random, generator: Generator(seed: 2))
    var offsets: Set<Int64> = [], orders: Set<[Int64]> = []
    for _ in 0..<30 {
      let starts = epoch(loader).flatMap { $0.x.map { $0[0] } }
      #expect(Set(starts).count == starts.count, "an epoch never repeats a subsequence")
      #expect(Set(starts.map { $0 % 5 }).count == 1, "one offset per epoch, subsequences laid end to end")
      offsets.insert(starts[0] % 5)
      orders.insert(starts)
    }
    #expect(offsets == [0, 1, 2, 3, 4], "over 30 epochs every offset in 0..<numSteps is drawn")
    #expect(orders.count > 20, "the order is reshuffled every epoch")
  }

  @Test func theSameSeedGivesTheSameBatches() {
    func run(_ sampling: LanguageModelLoader.Sampling, seed: UInt64) -> [[[Int64]]] {
      let loader = LanguageModelLoader(stream, batchSize: 4, numSteps: 3, sampling: sampling, generator: Generator(seed: seed))
      return (0..<3).flatMap { _ in epoch(loader).map(\.x) }
    }
    for sampling in [LanguageModelLoader.Sampling.random, .sequential] {
      #expect(run(sampling, seed: 7) == run(sampling, seed: 7))
      #expect(run(sampling, seed: 7) != run(sampling, seed: 8))
    }
  }

  @Test func datasetWalksAValidationStreamWithAPlainDataLoader() {
    let dataset = LanguageModelDataset(Array(0..<23), numSteps: 5)
    #expect(dataset.count == 4, "22 tokens have a successor: four whole subsequences")
    #expect(dataset[3].input.toArray(Int64.self) == [15, 16, 17, 18, 19])
    #expect(dataset[3].target.toArray(Int64.self) == [16, 17, 18, 19, 20])
    let batches = Array(DataLoader(dataset, batchSize: 3))
    #expect(batches.map { $0.inputs.shape } == [[3, 5], [1, 5]])
    #expect(batches[1].inputs.toArray(Int64.self) == [15, 16, 17, 18, 19])
    #expect(LanguageModelDataset(Array(0..<23), numSteps: 5, offset: 3)[0].input.toArray(Int64.self) == [3, 4, 5, 6, 7])
  }

  @Test func lastTenthIsHeldOut() {
    let (train, validation) = trainValidationSplit(Array(0..<1000))
    #expect(train == Array(0..<900) && validation == Array(900..<1000))
    let odd = trainValidationSplit(Array(0..<95))
    #expect(odd.train.count == 85 && odd.validation.count == 10 && odd.validation.first == 85)
    let peer = trainValidationSplit(Array(0..<200), validationFraction: 0.05)
    #expect(peer.train.count == 190 && peer.validation.count == 10)
    #expect(trainValidationSplit([], validationFraction: 0.1) == ([], []))
  }
}
