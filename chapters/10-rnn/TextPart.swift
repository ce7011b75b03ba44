import ChapterKit
import Foundation
import TorchlightData
import TorchlightPlot

/// Part `text` (d2l §9.2): from raw text to token indices, and how the tokens are distributed.
/// The book is cut into characters and into words, with and without d2l's cleanup (letters and
/// space, lower case); the word counts follow Zipf's law, n_i ∝ 1 / i^α for the i-th most
/// frequent word, and so do the counts of word pairs and triples, with smaller exponents.
func runTextPart(_ chapter: RNNChapter, _ plotter: Plotter, book: SherlockHolmes) throws {
  let text = chapter.options.quick ? String(book.text.prefix(RNNChapter.quickCharacters)) : book.text
  section("Text: The Adventures of Sherlock Holmes, \(chapter.options.quick ? "first \(text.count) characters" : "\(text.count) characters") (\(book.path))")
  let cleaned = lettersOnly(text)
  print("  first line: \"\(text.prefix(while: { $0 != "\n" }))\"  →  cleaned: \"\(cleaned.prefix(40))\"")

  let rawChars = tokenize(text, .char), chars = tokenize(text, .char, lettersOnly: true)
  let rawWords = tokenize(text, .word), words = tokenize(text, .word, lettersOnly: true)
  let table: [(String, [String])] = [("characters, raw", rawChars), ("characters, letters only", chars),
                                     ("words, raw (split at spaces)", rawWords), ("words, letters only", words)]
  print("  tokens                          count    vocabulary (with <unk>)")
  for (name, tokens) in table {
    print("  \(name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(String(format: "%7d", tokens.count))    \(Vocabulary(tokens).count)")
  }
  let charVocabulary = Vocabulary(chars)
  print("  letters-only character vocabulary: \(charVocabulary.tokens.map { $0 == " " ? "␣" : $0 }.joined(separator: " "))")
  print("  \"it is a \" → \(charVocabulary.indices(for: tokenize("it is a ", .char)))")

  // Zipf: the word n-grams of the cleaned text, most frequent first.
  let counts = (1...3).map { ngramCounts(words, n: $0) }
  let names = ["unigrams", "bigrams", "trigrams"]
  for (name, list) in zip(names, counts) {
    let top = list.prefix(6).map { "\($0.ngram.joined(separator: " ")) \($0.count)" }.joined(separator: ", ")
    let once = list.filter { $0.count == 1 }.count
    print("  \(name): \(list.count) distinct, \(once) seen once (\(percent(once, list.count))); most frequent: \(top)")
  }
  let exponents = counts.map { zipfExponent($0.map(\.count)) }
  print("  Zipf exponent α (least-squares slope of log count against log rank, ranks 10–1000): "
        + zip(names, exponents).map { "\($0) \(String(format: "%.2f", $1))" }.joined(separator: ", "))
  print("  the top words are stop words; after them counts fall as a power of the rank, so a table of word")
  print("  frequencies (or of n-gram frequencies) is mostly rare words seen a few times: counting cannot model language.")

  try plotter.save(LinePlot(title: "Zipf's law in Sherlock Holmes: word n-gram count against rank", xLabel: "rank",
                            yLabel: "count", series: zip(names, counts).enumerated().map { i, pair in
                              Series(pair.0, x: pair.1.indices.map { Double($0 + 1) }, y: pair.1.map { Double($0.count) }, color: i)
                            }, logX: true, logY: true), name: "zipf")
}

/// α in count ≈ C / rank^α: minus the least-squares slope of log count against log rank over
/// ranks 10 … 1000 (or as many as there are), leaving out the head and the long flat tail of
/// n-grams seen once or twice.
func zipfExponent(_ counts: [Int]) -> Double {
  let ranks = 10...min(1000, counts.count)
  guard ranks.count >= 2 else { return .nan }
  let xs = ranks.map { log(Double($0)) }, ys = ranks.map { log(Double(counts[$0 - 1])) }
  let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
  let sxy = zip(xs, ys).map { ($0 - mx) * ($1 - my) }.reduce(0, +), sxx = xs.map { ($0 - mx) * ($0 - mx) }.reduce(0, +)
  return -sxy / sxx
}

func percent(_ part: Int, _ whole: Int) -> String { String(format: "%.0f%%", 100 * Double(part) / Double(max(whole, 1))) }
