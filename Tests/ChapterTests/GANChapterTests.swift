import Foundation
import Testing

@Suite("Chapter 12: gan") struct GANChapterTests {
  /// The two-dimensional parts, in quick mode. (The image parts train a feature network and four
  /// GANs on Fashion-MNIST: minutes in a debug build, so they are run in release, not here; the
  /// metric they use is tested in TorchlightMetricsTests.)
  @Test func quickTwoDimensionalPartsLearnAndDraw() throws {
    let out = temporaryFolder("gan")
    let run = try runChapter("gan", ["--quick", "--part", "gaussian", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    // The 2-D generator moved its mean from near 0 toward the data's [1, 2].
    let gaussian = try #require(run.result(model: "gaussian"))
    let moved = try #require(Double(gaussian["mean_distance"] ?? "")), start = try #require(Double(gaussian["initial_mean_distance"] ?? ""))
    #expect(moved < start * 0.9, "mean distance \(start) → \(moved)")
    let modes = try runChapter("gan", ["--quick", "--part", "modes", "--threads", "1", "--output", out])
    #expect(modes.status == 0, "\(modes.stderr)")
    for model in ["modes-standard", "modes-wgan-gp"] {
      let result = try #require(modes.result(model: model), "RESULT for \(model)")
      #expect(Double(result["modes_covered"] ?? "").map { (0...8).contains($0) } == true, "\(result)")
    }
    for figure in ["gaussian-samples", "gaussian-losses", "modes"] { expectFigure(out, figure) }
  }

  @Test func anUnknownPartIsRefusedWithTheChoices() throws {
    let run = try runChapter("gan", ["--part", "vae", "--output", temporaryFolder("gan-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("wgan-gp") && run.stderr.contains("gaussian"), "\(run.stderr)")
  }

  @Test(arguments: [["--critic-steps", "0"], ["--generator-lr", "-1"], ["--wgan-generator-lr", "0"], ["--compare-epochs", "0"]])
  func aBadTrainingFlagIsOneLine(_ flag: [String]) throws {
    let run = try runChapter("gan", flag + ["--output", temporaryFolder("gan-bad-flag")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(flag[0]), "\(run.stderr)")
  }

  @Test func missingFashionMNISTIsOneLine() throws {
    let run = try runChapter("gan", ["--quick", "--data-dir", "/nonexistent/fashion", "--output", temporaryFolder("gan-nodata")])
    #expect(run.status == 1)
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("Fashion-MNIST"), "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdout)")
  }
}
