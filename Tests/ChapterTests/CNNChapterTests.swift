import Foundation
import Testing

@Suite("Chapter 07: cnn") struct CNNChapterTests {
  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickLeNetRunDrawsEveryFigure() throws {
    let out = temporaryFolder("cnn")
    let run = try runChapter("cnn", ["--quick", "--model", "lenet", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    // Cross-correlation by hand: the textbook's 3×3 example and a kernel learned from edges.
    #expect(run.stdout.contains("corr2d(X, K) = [[19, 25], [37, 43]]"))
    let learned = try #require(run.stdout.split(separator: "\n").first { $0.contains("learned kernel:") })
    let numbers = learned.split(whereSeparator: { "[], ".contains($0) }).compactMap { Double($0) }
    #expect(numbers.count >= 2 && Swift.abs(numbers[0] - 1) < 0.3 && Swift.abs(numbers[1] + 1) < 0.3, "\(learned)")
    // Output-size arithmetic agrees with conv2d on every line.
    #expect(!run.stdout.contains("MISMATCH"))
    #expect(run.stdout.contains("Total params: 61,706"))
    let result = try #require(run.result(model: "lenet"))
    #expect(result["parameters"] == "61706")
    for figure in ["edges", "curves", "kernels", "feature-maps", "mistakes"] { expectFigure(out, figure) }
  }

  @Test func anUnknownModelIsRefusedWithTheChoices() throws {
    let run = try runChapter("cnn", ["--model", "resnet-9000", "--output", temporaryFolder("cnn-bad")])
    #expect(run.status != 0)
    #expect(run.stderr.contains("lenet"), "\(run.stderr)")
    #expect(!run.stderr.contains("Fatal error"))
  }
}
