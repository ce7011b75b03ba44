/// How often each run of `n` consecutive tokens occurs (unigrams n = 1, bigrams 2, trigrams 3),
/// most frequent first, ties in token order. Plotted as count against rank on log–log axes,
/// each gives a near-straight line: Zipf's law.
public func ngramCounts(_ tokens: [String], n: Int) -> [(ngram: [String], count: Int)] {
  precondition(n >= 1, "ngramCounts: n must be at least 1, got \(n)")
  var counts: [ArraySlice<String>: Int] = [:]
  if tokens.count >= n {
    for start in 0...(tokens.count - n) { counts[tokens[start..<(start + n)], default: 0] += 1 }
  }
  return counts
    .map { (ngram: Array($0.key), count: $0.value) }
    .sorted { $0.count != $1.count ? $0.count > $1.count : $0.ngram.lexicographicallyPrecedes($1.ngram) }
}
