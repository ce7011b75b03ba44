import Foundation
import Testing

@Suite("Chapter 10: rnn") struct RNNChapterTests {
  /// The Sherlock Holmes text from Debian's golang-github-bkaradzic-go-lz4-dev (or $TORCHLIGHT_DATA).
  static var textInstalled: Bool {
    let folder = ProcessInfo.processInfo.environment["TORCHLIGHT_DATA"] ?? "/usr/share/gocode/src/github.com/bkaradzic/go-lz4/testdata"
    return FileManager.default.fileExists(atPath: folder + "/pg1661.txt")
  }

  @Test(.enabled(if: textInstalled, "the Sherlock Holmes text is not installed (make setup installs golang-github-bkaradzic-go-lz4-dev)"))
  func quickRunLearnsAndDrawsEveryFigure() throws {
    let out = temporaryFolder("rnn")
    let run = try runChapter("rnn", ["--quick", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")

    // The character RNN learned something: a model that knew nothing would score the
    // vocabulary size (28) on held-out text; letter frequencies alone give about 17.
    let scratch = try #require(run.result(model: "scratch"))
    let heldOut = try #require(Double(scratch["val_perplexity"] ?? ""))
    #expect(heldOut < 14, "held-out perplexity \(heldOut) after the quick run (vocabulary 28)")
    #expect(Double(scratch["tokens_per_sec"] ?? "").map { $0 > 0 } == true)

    // Predicting from its own predictions, the sine model's error grows with the horizon k.
    let sine = try #require(run.result(model: "sine-linear"))
    let errors = try ["mse_k1", "mse_k4", "mse_k16", "mse_k64"].map { key in try #require(Double(sine[key] ?? ""), "\(key)") }
    #expect(errors == errors.sorted() && errors[0] < errors[3], "k-step errors \(errors)")

    // The library networks learn too, and the bidirectional tagger beats the one-direction one,
    // which cannot see the next character.
    for model in ["rnn", "gru", "lstm", "deep-gru"] {
      let result = try #require(run.result(model: model), "RESULT for \(model)")
      let perplexity = try #require(Double(result["val_perplexity"] ?? ""))
      #expect(perplexity < 14, "\(model): held-out perplexity \(perplexity) after the quick run (vocabulary 28)")
    }
    let one = try #require(Double(run.result(model: "gru-tagger")?["test_acc"] ?? ""))
    let both = try #require(Double(run.result(model: "bi-gru-tagger")?["test_acc"] ?? ""))
    #expect(both > 0.95 && both > one + 0.05, "tagger accuracy: one direction \(one), bidirectional \(both)")

    for figure in ["sine-predictions", "sine-k-step", "sine-k-error", "zipf", "scratch-perplexity", "gradient-norms",
                   "compare-perplexity"] {
      expectFigure(out, figure)
    }
  }

  @Test func anUnknownPartOrModelIsRefusedWithTheChoices() throws {
    let run = try runChapter("rnn", ["--part", "transformer", "--output", temporaryFolder("rnn-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("sine") && run.stderr.contains("gradients"), "\(run.stderr)")
    let model = try runChapter("rnn", ["--part", "concise", "--model", "transformer", "--output", temporaryFolder("rnn-bad")])
    #expect(model.status == 2 && model.stderr.contains("deep-gru") && model.stderr.contains("bi-gru"), "\(model.stderr)")
  }

  @Test(.enabled(if: textInstalled, "the Sherlock Holmes text is not installed (make setup installs golang-github-bkaradzic-go-lz4-dev)"))
  func aPrefixOutsideTheVocabularyIsANoteNotACrash() throws {
    let run = try runChapter("rnn", ["--part", "concise", "--model", "lstm", "--quick", "--epochs", "1", "--prefix", "Holmes, 1891",
                                     "--threads", "1", "--output", temporaryFolder("rnn-prefix")])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("outside the vocabulary") && run.result(model: "lstm") != nil, "\(run.stdout)")
  }

  @Test func aMissingTextIsOneLineBeforeAnyOutput() throws {
    let run = try runChapter("rnn", ["--quick", "--data-dir", "/nonexistent/texts", "--output", temporaryFolder("rnn-nodata")])
    #expect(run.status == 1)
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("golang-github-bkaradzic-go-lz4-dev"), "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdout)")
    // The parts that need no text still run without it.
    let gradients = try runChapter("rnn", ["--part", "gradients", "--quick", "--data-dir", "/nonexistent/texts",
                                           "--output", temporaryFolder("rnn-gradients")])
    #expect(gradients.status == 0, "\(gradients.stderr)")
  }
}
