import Foundation

/// BLEU (Papineni et al., 2002): how many of a translation's n-grams also occur in the reference,
/// with a penalty for translations shorter than the reference. Two definitions, on token lists
/// (tokenise hypothesis and reference the same way before calling):
/// - `bleuD2L`: the sentence score the textbook defines (d2l §10.7.6), with its own weighting;
/// - `corpusBLEU`: standard corpus-level BLEU-4 as `sacrebleu` computes it, the number papers report.

/// The textbook's sentence BLEU (d2l §10.7.6):
///
///     exp(min(0, 1 − len_label / len_pred)) · ∏_{n=1}^{k} p_n^{1/2ⁿ},
///
/// where p_n is the share of the prediction's n-grams that match an n-gram of the label, each
/// label n-gram matching at most once. The product runs to n = min(k, len_pred). A longer n-gram
/// weighs more (p_n^{1/2ⁿ} grows with n for a fixed p_n < 1), and a prediction shorter than the
/// label is penalised. 1 for a perfect prediction; 0 for an empty one.
public func bleuD2L(prediction: [String], label: [String], k: Int) -> Double {
  precondition(k >= 1, "bleuD2L: k must be at least 1, got \(k)")
  guard !prediction.isEmpty else { return 0 }
  var score = exp(min(0, 1 - Double(label.count) / Double(prediction.count)))
  for n in 1...min(k, prediction.count) {
    var available = ngramCounts(label, n)
    var matches = 0
    for i in 0...(prediction.count - n) {
      let gram = prediction[i..<(i + n)].joined(separator: ngramSeparator)
      if let left = available[gram], left > 0 {
        matches += 1
        available[gram] = left - 1
      }
    }
    score *= pow(Double(matches) / Double(prediction.count - n + 1), pow(0.5, Double(n)))
  }
  return score
}

/// Corpus-level BLEU and its parts, as `sacrebleu` reports them.
public struct CorpusBLEU: Sendable, CustomStringConvertible {
  /// BLEU in 0…100.
  public let score: Double
  /// Matched n-grams and hypothesis n-grams for n = 1…maxOrder, summed over the corpus.
  public let matches: [Int], totals: [Int]
  /// n-gram precisions in percent, after smoothing.
  public let precisions: [Double]
  /// exp(1 − r/c) when the hypotheses are shorter than the references in total (c < r), else 1.
  public let brevityPenalty: Double
  /// Total hypothesis tokens c and reference tokens r.
  public let hypothesisLength: Int, referenceLength: Int

  /// sacrebleu's one-line summary: `BLEU = 23.45 55.1/29.8/17.6/10.8 (BP = 0.947 ratio = 0.948 hyp_len = … ref_len = …)`.
  public var description: String {
    String(format: "BLEU = %.2f ", score) + precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
      + String(format: " (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)", brevityPenalty,
               Double(hypothesisLength) / Double(max(referenceLength, 1)), hypothesisLength, referenceLength)
  }
}

/// What corpus BLEU needs from one sentence (or, summed, from a corpus): clipped n-gram matches
/// and hypothesis n-grams for n = 1…maxOrder, and both lengths.
public struct BLEUStatistics: Sendable, Equatable {
  public var matches: [Int], totals: [Int]
  public var hypothesisLength: Int, referenceLength: Int

  public init(maxOrder: Int = 4) {
    matches = [Int](repeating: 0, count: maxOrder); totals = matches
    hypothesisLength = 0; referenceLength = 0
  }

  /// The statistics of one hypothesis against its reference.
  public init(hypothesis: [String], reference: [String], maxOrder: Int = 4) {
    precondition(maxOrder >= 1, "BLEUStatistics: maxOrder must be at least 1, got \(maxOrder)")
    self.init(maxOrder: maxOrder)
    hypothesisLength = hypothesis.count
    referenceLength = reference.count
    for n in 1...maxOrder {
      let hyp = ngramCounts(hypothesis, n), ref = ngramCounts(reference, n)
      totals[n - 1] = max(0, hypothesis.count - n + 1)
      matches[n - 1] = hyp.reduce(0) { $0 + min($1.value, ref[$1.key] ?? 0) }
    }
  }

  /// Adds another sentence's (or corpus's) statistics.
  public static func += (a: inout BLEUStatistics, b: BLEUStatistics) {
    for n in a.matches.indices { a.matches[n] += b.matches[n]; a.totals[n] += b.totals[n] }
    a.hypothesisLength += b.hypothesisLength
    a.referenceLength += b.referenceLength
  }
}

/// Corpus BLEU (BLEU-4 by default) as `sacrebleu.corpus_bleu` computes it with its defaults
/// (one reference per hypothesis, `smooth_method='exp'`): clipped n-gram matches and n-gram
/// counts are summed over the whole corpus before dividing, so a sentence contributes in
/// proportion to its length, and the brevity penalty compares the total lengths:
///
///     BLEU = BP · exp(¼ Σ_{n=1}^{4} log p_n),   BP = min(1, exp(1 − r/c)).
///
/// A precision with no match at all would make the log −∞; sacrebleu's 'exp' smoothing then uses
/// 1/(2^j · total_n) for the j-th such n instead. Tokens are compared as given: call it on the
/// same tokenisation of hypotheses and references (sacrebleu's `tokenize='none'`).
public func corpusBLEU(hypotheses: [[String]], references: [[String]], maxOrder: Int = 4) -> CorpusBLEU {
  precondition(hypotheses.count == references.count,
               "corpusBLEU: \(hypotheses.count) hypotheses but \(references.count) references (one reference per hypothesis)")
  var total = BLEUStatistics(maxOrder: maxOrder)
  for (hypothesis, reference) in zip(hypotheses, references) {
    total += BLEUStatistics(hypothesis: hypothesis, reference: reference, maxOrder: maxOrder)
  }
  return corpusBLEU(total)
}

/// Corpus BLEU from statistics summed over the corpus (sacrebleu's `compute_bleu`).
public func corpusBLEU(_ statistics: BLEUStatistics) -> CorpusBLEU {
  let matches = statistics.matches, totals = statistics.totals, maxOrder = matches.count
  let c = statistics.hypothesisLength, r = statistics.referenceLength
  // Precisions in percent, 'exp' smoothing of zero matches.
  var precisions = [Double](repeating: 0, count: maxOrder)
  var smoothing = 1.0
  for n in 0..<maxOrder {
    guard totals[n] > 0 else { break }
    if matches[n] == 0 {
      smoothing *= 2
      precisions[n] = 100 / (smoothing * Double(totals[n]))
    } else {
      precisions[n] = 100 * Double(matches[n]) / Double(totals[n])
    }
  }
  let brevityPenalty = c >= r ? 1 : (c > 0 ? exp(1 - Double(r) / Double(c)) : 0)
  // log(0) is sacrebleu's -9999999999, which makes the score 0.
  let logMean = precisions.map { $0 > 0 ? log($0) : -9_999_999_999 }.reduce(0, +) / Double(maxOrder)
  return CorpusBLEU(score: brevityPenalty * exp(logMean), matches: matches, totals: totals, precisions: precisions,
                    brevityPenalty: brevityPenalty, hypothesisLength: c, referenceLength: r)
}

/// Paired bootstrap resampling (Koehn, 2004): how often system A's corpus BLEU beats system B's
/// when the test sentences are drawn again with replacement, `samples` times (the same draws for
/// both). `a[i]` and `b[i]` are the two systems' statistics on sentence i. Near 1 (or 0), the
/// difference is unlikely to be an accident of which sentences were tested; near 0.5, it may be.
public func pairedBootstrap(_ a: [BLEUStatistics], _ b: [BLEUStatistics], samples: Int = 1000, seed: UInt64 = 1) -> Double {
  precondition(a.count == b.count && !a.isEmpty, "pairedBootstrap: both systems need statistics for the same, non-empty set of sentences")
  var state = seed
  func next() -> Int {   // SplitMix64
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int((z ^ (z >> 31)) % UInt64(a.count))
  }
  var wins = 0
  for _ in 0..<samples {
    var sa = BLEUStatistics(maxOrder: a[0].matches.count), sb = BLEUStatistics(maxOrder: b[0].matches.count)
    for _ in 0..<a.count {
      let i = next()
      sa += a[i]
      sb += b[i]
    }
    if corpusBLEU(sa).score > corpusBLEU(sb).score { wins += 1 }
  }
  return Double(wins) / Double(samples)
}

/// How often each n-gram occurs in `tokens`, keyed by its tokens joined with `ngramSeparator`.
func ngramCounts(_ tokens: [String], _ n: Int) -> [String: Int] {
  var counts: [String: Int] = [:]
  guard tokens.count >= n else { return counts }
  for i in 0...(tokens.count - n) { counts[tokens[i..<(i + n)].joined(separator: ngramSeparator), default: 0] += 1 }
  return counts
}

/// A character no token holds (unit separator), so joined n-grams never collide.
let ngramSeparator = "\u{1F}"
