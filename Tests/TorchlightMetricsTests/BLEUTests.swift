import Foundation
import Testing
@testable import TorchlightMetrics

private func words(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

@Suite("BLEU") struct BLEUTests {
  @Test func theTextbooksExampleByHand() {
    // d2l §10.7.6: label A B C D E F, prediction A B B C D gives p1 = 4/5, p2 = 3/4, p3 = 1/3, p4 = 0.
    let label = words("A B C D E F"), prediction = words("A B B C D")
    let k2 = exp(1 - 6.0 / 5) * pow(4.0 / 5, 0.5) * pow(3.0 / 4, 0.25)
    #expect(abs(bleuD2L(prediction: prediction, label: label, k: 2) - k2) < 1e-12)
    let k3 = k2 * pow(1.0 / 3, 0.125)
    #expect(abs(bleuD2L(prediction: prediction, label: label, k: 3) - k3) < 1e-12)
    #expect(bleuD2L(prediction: prediction, label: label, k: 4) == 0)   // no 4-gram matches
    // "A B" against the same label: p1 = p2 = 1, and the penalty exp(1 − 6/2) ≈ 0.14 alone.
    #expect(abs(bleuD2L(prediction: words("A B"), label: label, k: 2) - exp(-2.0)) < 1e-12)
  }

  @Test func textbookScoreEdgeCases() {
    let s = words("il est calme .")
    #expect(bleuD2L(prediction: s, label: s, k: 2) == 1)
    #expect(bleuD2L(prediction: [], label: s, k: 2) == 0)
    // A longer prediction is not penalised by length, only by its precisions: 4 of 5 words and
    // 3 of 4 bigrams match.
    let longer = bleuD2L(prediction: words("il est très calme ."), label: s, k: 2)
    #expect(abs(longer - pow(4.0 / 5, 0.5) * pow(2.0 / 4, 0.25)) < 1e-12)
    // Each label n-gram matches once: "va va va" against "va !" has p1 = 1/3.
    #expect(abs(bleuD2L(prediction: words("va va va"), label: words("va !"), k: 1) - pow(1.0 / 3, 0.5)) < 1e-12)
    // Only n ≤ len_pred counts: a one-word prediction is scored on unigrams alone.
    #expect(bleuD2L(prediction: words("va"), label: words("va"), k: 4) == 1)
  }

  @Test func corpusBLEUByHand() {
    // the cat sat on the mat / the cat sat on a mat: p = 5/6, 3/5, 2/4, 1/3, same length.
    let b = corpusBLEU(hypotheses: [words("the cat sat on the mat")], references: [words("the cat sat on a mat")])
    #expect(b.matches == [5, 3, 2, 1] && b.totals == [6, 5, 4, 3])
    #expect(b.brevityPenalty == 1)
    #expect(abs(b.score - 100 * pow(5.0 / 6 * 3.0 / 5 * 2.0 / 4 * 1.0 / 3, 0.25)) < 1e-9)
    #expect(b.description.hasPrefix("BLEU = 53.73 83.3/60.0/50.0/33.3 (BP = 1.000"))
  }

  @Test func corpusCountsArePooledBeforeDividing() {
    // Two sentences: counts add up over the corpus, they are not averaged per sentence.
    let hyps = [words("a b c d"), words("x y z w v")], refs = [words("a b c d"), words("x y q w v u")]
    let b = corpusBLEU(hypotheses: hyps, references: refs)
    // 1-grams 4 + 4 of 9, 2-grams 3 + 2 of 7, 3-grams 2 + 0 of 5, 4-grams 1 + 0 of 3.
    #expect(b.matches == [8, 5, 2, 1] && b.totals == [9, 7, 5, 3])
    #expect(b.hypothesisLength == 9 && b.referenceLength == 10)
    let bp = exp(1 - 10.0 / 9)
    #expect(abs(b.brevityPenalty - bp) < 1e-12)
    #expect(abs(b.score - bp * 100 * pow(8.0 / 9 * 5.0 / 7 * 2.0 / 5 * 1.0 / 3, 0.25)) < 1e-9)
  }

  @Test func sacrebleusExponentialSmoothing() {
    // No 3-gram and no 4-gram matches: p3 = 100/(2·4), p4 = 100/(4·3) in percent.
    let b = corpusBLEU(hypotheses: [words("a b x c d e")], references: [words("a b y c d f")])
    #expect(b.matches == [4, 2, 0, 0] && b.totals == [6, 5, 4, 3])
    #expect(abs(b.precisions[2] - 100.0 / 8) < 1e-12 && abs(b.precisions[3] - 100.0 / 12) < 1e-12)
    let expected = 100 * pow(4.0 / 6 * 2.0 / 5 * (1.0 / 8) * (1.0 / 12), 0.25)
    #expect(abs(b.score - expected) < 1e-9)
    // Hypotheses too short to hold any 4-gram score 0, as in sacrebleu.
    #expect(corpusBLEU(hypotheses: [words("a b c")], references: [words("a b c")]).score == 0)
    #expect(corpusBLEU(hypotheses: [[]], references: [words("a b")]).score == 0)
  }
}

@Suite("Paired bootstrap") struct BootstrapTests {
  @Test func aBetterSystemWinsAndATieDoesNot() {
    let references = (0..<50).map { i in words("w\(i) x y z v w\(i + 1) .") }
    let good = references.map { BLEUStatistics(hypothesis: $0, reference: $0) }
    let poor = references.map { BLEUStatistics(hypothesis: Array($0.prefix(4)) + ["q", "q", "."], reference: $0) }
    #expect(pairedBootstrap(good, poor, samples: 200) == 1)
    #expect(pairedBootstrap(poor, good, samples: 200) == 0)
    #expect(pairedBootstrap(good, good, samples: 200) == 0, "a tie is not a win")
    // The summed statistics give the corpus score.
    var total = BLEUStatistics()
    for s in poor { total += s }
    #expect(corpusBLEU(total).score == corpusBLEU(hypotheses: references.map { Array($0.prefix(4)) + ["q", "q", "."] },
                                                  references: references).score)
  }
}

/// The Python that has `sacrebleu`: $TORCHLIGHT_PEERS_PYTHON, else ~/.venvs/torchlight-peers.
private enum SacreBLEU {
  static let python: String = ProcessInfo.processInfo.environment["TORCHLIGHT_PEERS_PYTHON"]
    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".venvs/torchlight-peers/bin/python").path

  static func run(_ arguments: [String]) -> (status: Int32, output: String) {
    guard FileManager.default.isExecutableFile(atPath: python) else { return (-1, "") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return (-1, "") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  static let available: Bool = run(["-c", "import sacrebleu"]).status == 0
}

@Suite("BLEU against sacrebleu") struct SacreBLEUComparisonTests {
  /// 300 hypothesis/reference pairs from a seeded generator: references of 3–15 words from a
  /// 40-word vocabulary, hypotheses made from them by dropping, replacing and inserting words.
  static func corpus() -> (hypotheses: [[String]], references: [[String]]) {
    var state: UInt64 = 12_345
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    let vocabulary = (0..<40).map { "w\($0)" } + [".", ",", "?"]
    var hypotheses: [[String]] = [], references: [[String]] = []
    for _ in 0..<300 {
      let reference = (0..<(3 + next(13))).map { _ in vocabulary[next(vocabulary.count)] }
      var hypothesis: [String] = []
      for word in reference {
        switch next(10) {
        case 0: continue                                                 // dropped
        case 1: hypothesis.append(vocabulary[next(vocabulary.count)])    // replaced
        case 2: hypothesis += [word, vocabulary[next(vocabulary.count)]] // a word inserted after
        default: hypothesis.append(word)
        }
      }
      hypotheses.append(hypothesis)
      references.append(reference)
    }
    return (hypotheses, references)
  }

  @Test(.enabled(if: SacreBLEU.available, "python with sacrebleu not found (pip install sacrebleu into ~/.venvs/torchlight-peers, or set TORCHLIGHT_PEERS_PYTHON)"))
  func corpusBLEUMatchesSacrebleu() throws {
    let (hypotheses, references) = Self.corpus()
    let folder = NSTemporaryDirectory() + "torchlight-bleu-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let hypFile = folder + "/hyp.txt", refFile = folder + "/ref.txt"
    try hypotheses.map { $0.joined(separator: " ") }.joined(separator: "\n").write(toFile: hypFile, atomically: true, encoding: .utf8)
    try references.map { $0.joined(separator: " ") }.joined(separator: "\n").write(toFile: refFile, atomically: true, encoding: .utf8)
    let script = """
      import sys, sacrebleu
      hyp = open(sys.argv[1]).read().split('\\n'); ref = open(sys.argv[2]).read().split('\\n')
      b = sacrebleu.corpus_bleu(hyp, [ref], tokenize='none')
      print(repr(b.score), b.sys_len, b.ref_len, ' '.join(map(str, b.counts)), ' '.join(map(str, b.totals)))
      """
    let (status, output) = SacreBLEU.run(["-c", script, hypFile, refFile])
    try #require(status == 0, "sacrebleu failed: \(output)")
    let fields = output.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
    let theirs = try #require(Double(fields[0]))
    let ours = corpusBLEU(hypotheses: hypotheses, references: references)
    #expect(abs(ours.score - theirs) < 0.1, "ours \(ours), sacrebleu \(output)")
    #expect(abs(ours.score - theirs) < 1e-9, "ours \(ours.score), sacrebleu \(theirs): should agree to rounding")
    #expect(fields[1] == "\(ours.hypothesisLength)" && fields[2] == "\(ours.referenceLength)")
    #expect(fields[3...6].joined(separator: " ") == ours.matches.map(String.init).joined(separator: " "), "\(output)")
    #expect(fields[7...10].joined(separator: " ") == ours.totals.map(String.init).joined(separator: " "), "\(output)")
    #expect(ours.score > 10 && ours.score < 90, "a corpus with partial overlap: \(ours)")
  }
}
