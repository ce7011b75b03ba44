import Foundation
import Testing

@Suite("Chapter 05: MLP") struct MLPChapterTests {
  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickRunLearnsRegularisesAndReloadsItsCheckpoint() throws {
    let out = temporaryFolder("mlp")
    let run = try runChapter("mlp", ["--quick", "--output", out, "--threads", "1"])
    #expect(run.status == 0, "\(run.stderr)")
    for model in ["scratch", "concise", "dropout", "no-dropout"] {
      let result = try #require(run.result(model: model), "no RESULT line for \(model)")
      let accuracy = try #require(Double(result["test_acc"] ?? ""))
      #expect(accuracy > 0.4, "\(model) test accuracy \(accuracy) after a quick run (chance is 0.1)")
    }
    // Weight decay must shrink the weights.
    let decay = try #require(run.result(model: "weight-decay"))
    let plain = try #require(Double(decay["norm_lambda0"] ?? "")), decayed = try #require(Double(decay["norm_lambda3"] ?? ""))
    #expect(decayed < plain / 2, "‖w‖ with λ = 3 is \(decayed), without \(plain)")
    // The checkpoint round trip reports identical accuracy, and the file is there.
    #expect(run.stdout.contains("(identical)"), "\(run.stdout)")
    #expect(FileManager.default.fileExists(atPath: "\(out)/mlp.safetensors"))
    for figure in ["activations", "activations-more", "init-activations", "init-gradients", "polynomial", "weight-decay", "curves", "dropout"] {
      expectFigure(out, figure)
    }
  }

  @Test func anUnknownModelIsOneClearLine() throws {
    let run = try runChapter("mlp", ["--model", "transformer", "--output", temporaryFolder("mlp-bad")])
    #expect(run.status == 2)
    #expect(run.stderr.contains("transformer") && run.stderr.contains("scratch"), "\(run.stderr)")
    #expect(!run.stderr.contains("Fatal error"))
  }
}
