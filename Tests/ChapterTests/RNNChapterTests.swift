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

    for figure in ["sine-predictions", "sine-k-step", "sine-k-error", "zipf", "scratch-perplexity", "gradient-norms"] {
      expectFigure(out, figure)
    }
  }

  @Test func anUnknownPartIsRefusedWithTheChoices() throws {
    let run = try runChapter("rnn", ["--part", "transformer", "--output", temporaryFolder("rnn-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("sine") && run.stderr.contains("gradients"), "\(run.stderr)")
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
