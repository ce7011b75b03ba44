import Foundation
import Testing

@Suite("Chapter 11: attention") struct AttentionChapterTests {
  /// The English–German dictionary of Debian's trans-de-en (or $TORCHLIGHT_DATA).
  static var dictionaryInstalled: Bool {
    let folder = ProcessInfo.processInfo.environment["TORCHLIGHT_DATA"] ?? "/usr/share/trans"
    return FileManager.default.fileExists(atPath: folder + "/de-en")
  }

  @Test(.enabled(if: dictionaryInstalled, "the English–German dictionary is not installed (make setup installs trans-de-en)"))
  func quickRunLearnsScoresAndDrawsEveryFigure() throws {
    let out = temporaryFolder("attention")
    let run = try runChapter("attention", ["--quick", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")

    // Every translator's held-out loss fell from where it started, and BLEU was measured both ways.
    for model in ["seq2seq", "bahdanau", "transformer"] {
      let result = try #require(run.result(model: model), "RESULT for \(model)")
      let before = try #require(Double(result["initial_val_loss"] ?? ""), "\(model): initial_val_loss")
      let after = try #require(Double(result["val_loss"] ?? ""), "\(model): val_loss")
      #expect(after < before - 0.3, "\(model): held-out loss \(before) → \(after)")
      #expect(Double(result["train_loss"] ?? "").map { $0.isFinite } == true, "\(model): train_loss")
      for key in ["bleu", "bleu_d2l"] {
        let value = try #require(Double(result[key] ?? ""), "\(model): \(key)")
        #expect(value >= 0 && value <= (key == "bleu" ? 100 : 1), "\(model): \(key) = \(value)")
      }
      #expect(Double(result["tokens_per_sec"] ?? "").map { $0 > 0 } == true)
    }

    // Kernel regression: a width learned on the leave-one-out error beats the narrowest kernel.
    let kernel = try #require(run.result(model: "nadaraya-watson"))
    let learned = try #require(Double(kernel["test_mse"] ?? "")), narrow = try #require(Double(kernel["test_mse_sigma_0.1"] ?? ""))
    #expect(learned < narrow, "learned width: test MSE \(learned), σ = 0.1: \(narrow)")
    // Masked keys get no weight; equal keys average the valid values (rows 0–1 and 0–5 of 0…39).
    let scoring = try #require(run.result(model: "scoring"))
    #expect(scoring["masked_weight_sum"] == "0.0000" && scoring["additive_output_sum"] == "60.0000", "\(scoring)")

    #expect(run.stdout.contains("The same held-out sentences translated by every model"))
    for figure in ["nw-fits", "nw-weights", "scoring-weights", "multihead-weights", "positional-encoding", "positional-encoding-matrix",
                   "translation-loss", "translation-bleu", "bahdanau-attention", "transformer-encoder-attention", "transformer-cross-attention"] {
      expectFigure(out, figure)
    }
  }

  @Test(.enabled(if: dictionaryInstalled, "the English–German dictionary is not installed (make setup installs trans-de-en)"))
  func beamSearchAndAnUnknownWordInTranslate() throws {
    let run = try runChapter("attention", ["--part", "seq2seq", "--quick", "--beam", "3", "--translate", "The zyzzyva is here.",
                                           "--threads", "1", "--output", temporaryFolder("attention-translate")])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("'zyzzyva' is not in the English vocabulary"), "\(run.stdout)")
    #expect(run.stdout.contains("Translating \"The zyzzyva is here.\" (beam 3)"))
    #expect(run.result(model: "seq2seq")?["beam"] == "3")
  }

  @Test func anUnknownPartIsRefusedWithTheChoices() throws {
    let run = try runChapter("attention", ["--part", "bert", "--output", temporaryFolder("attention-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("nadaraya-watson")
            && run.stderr.contains("bahdanau") && run.stderr.contains("transformer") && run.stderr.contains("gpt"), "\(run.stderr)")
  }

  @Test func missingDataIsOneLineBeforeAnyOutput() throws {
    let run = try runChapter("attention", ["--quick", "--data-dir", "/nonexistent/trans", "--output", temporaryFolder("attention-nodata")])
    #expect(run.status == 1)
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("trans-de-en"), "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdout)")
    // The parts that need no sentences still run without them.
    let scoring = try runChapter("attention", ["--part", "scoring", "--quick", "--data-dir", "/nonexistent/trans",
                                               "--output", temporaryFolder("attention-scoring")])
    #expect(scoring.status == 0, "\(scoring.stderr)")
  }

  // MARK: Part gpt

  @Test(.enabled(if: RNNChapterTests.textInstalled, "the Sherlock Holmes text is not installed (make setup installs golang-github-bkaradzic-go-lz4-dev)"))
  func gptQuickRunLearnsSamplesAndDrawsItsFigure() throws {
    let out = temporaryFolder("attention-gpt")
    // Smaller still than --quick, for the debug build that `swift test` runs.
    let run = try runChapter("attention", ["--part", "gpt", "--quick", "--steps", "40", "--eval-interval", "20", "--block-size", "16",
                                           "--gpt-embedding", "32", "--sample-length", "30", "--prompt", "Holmes", "--threads", "1",
                                           "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let result = try #require(run.result(model: "gpt"), "RESULT for gpt")
    let before = try #require(Double(result["initial_val_loss"] ?? "")), after = try #require(Double(result["val_loss"] ?? ""))
    #expect(before > 4 && after < before - 0.5, "held-out loss \(before) → \(after)")
    #expect(Double(result["tokens_per_sec"] ?? "").map { $0 > 0 } == true)
    #expect(run.stdout.contains("step   40/40") && run.stdout.contains("Sampled from \"Holmes\""), "\(run.stdout)")
    #expect(run.stdout.contains("the same text both ways: yes"), "\(run.stdout)")
    expectFigure(out, "gpt-loss")
  }

  @Test(.enabled(if: RNNChapterTests.textInstalled, "the Sherlock Holmes text is not installed (make setup installs golang-github-bkaradzic-go-lz4-dev)"))
  func gptRefusesAPromptOutsideTheVocabularyBeforeTraining() throws {
    let run = try runChapter("attention", ["--part", "gpt", "--quick", "--prompt", "Straße für 5 €", "--output", temporaryFolder("attention-gpt-prompt")])
    #expect(run.status == 1, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("'ß', 'ü', '€'"), "\(run.stderr)")
    #expect(!run.stdout.contains("step"), "\(run.stdout)")
  }

  @Test(arguments: [(["--block-size", "128"], "larger than the position table"), (["--block-size", "80", "--positions", "72"], "--positions 72"),
                    (["--temperature", "0"], "--temperature must be a positive number"), (["--temperature", "-1"], "--temperature")])
  func gptRefusesBadSettingsInOneLine(arguments: [String], message: String) throws {
    let run = try runChapter("attention", ["--part", "gpt"] + arguments + ["--output", temporaryFolder("attention-gpt-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(message), "\(run.stderr)")
  }

  // MARK: Parts vit and distill

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func vitQuickRunLearnsAndDrawsItsFigures() throws {
    let out = temporaryFolder("attention-vit")
    let run = try runChapter("attention", ["--part", "vit", "--quick", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let result = try #require(run.result(model: "vit"), "RESULT for vit")
    // Two epochs over 300 images: well above the 0.1 of guessing among ten classes (on 200 test
    // images a guesser's accuracy has a standard deviation of 0.02).
    let accuracy = try #require(Double(result["test_acc"] ?? ""))
    #expect(accuracy > 0.2, "test_acc \(accuracy)")
    #expect(Double(result["train_loss"] ?? "").map { $0 < log(10.0) } == true, "train_loss \(result)")
    #expect(result["patch"] == "7" && Double(result["images_per_sec"] ?? "").map { $0 > 0 } == true, "\(result)")
    #expect(run.stdout.contains("4×4 = 16 tokens + the class token"), "\(run.stdout)")
    for name in ["vit-curves", "vit-position-similarity", "vit-attention"] { expectFigure(out, name) }
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func distillTrainsTheTeacherOnceThenReusesIt() throws {
    let out = temporaryFolder("attention-distill")
    var results: [[String: String]] = []
    for attempt in 1...2 {
      let run = try runChapter("attention", ["--part", "distill", "--quick", "--patch-size", "14", "--threads", "1", "--output", out])
      #expect(run.status == 0, "\(run.stderr)")
      let teacher = try #require(run.result(model: "resnet-teacher"), "RESULT for the teacher")
      #expect(teacher["trained"] == (attempt == 1 ? "yes" : "no"), "run \(attempt): \(teacher)")
      results.append(try #require(run.result(model: "vit-distilled"), "RESULT for the taught ViT"))
    }
    #expect(FileManager.default.fileExists(atPath: out + "/resnet-teacher-quick.safetensors"))
    // The reloaded teacher gives the same soft targets, so the second run repeats the first.
    #expect(results[0]["test_acc"] == results[1]["test_acc"] && results[0]["train_loss"] == results[1]["train_loss"], "\(results)")
    #expect(results[0]["alpha"] == "0.5" && results[0]["temperature"] == "4" && results[0]["patch"] == "14", "\(results[0])")
    expectFigure(out, "vit-distilled-attention")
  }

  @Test(arguments: [(["--patch-size", "5"], "--patch-size 5 does not divide"), (["--vit-heads", "3"], "--vit-heads 3"),
                    (["--distill-temperature", "0"], "--distill-temperature"), (["--distill-alpha", "1.5"], "--distill-alpha")])
  func vitRefusesBadSettingsInOneLine(arguments: [String], message: String) throws {
    let run = try runChapter("attention", ["--part", "vit"] + arguments + ["--output", temporaryFolder("attention-vit-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(message), "\(run.stderr)")
  }
}
