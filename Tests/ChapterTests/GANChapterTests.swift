import Foundation
import Testing

@Suite("Chapter 12: gan") struct GANChapterTests {
  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickRunTrainsMeasuresAndDraws() throws {
    let out = temporaryFolder("gan")
    let run = try runChapter("gan", ["--quick", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")

    // The 2-D generator moved its mean from near 0 toward the data's [1, 2].
    let gaussian = try #require(run.result(model: "gaussian"))
    let moved = try #require(Double(gaussian["mean_distance"] ?? "")), start = try #require(Double(gaussian["initial_mean_distance"] ?? ""))
    #expect(moved < start / 2, "mean distance \(start) → \(moved)")

    // The metric: real images are far closer to the test set than noise is.
    let real = try #require(run.result(model: "real"))
    let floor = try #require(Double(real["fid"] ?? "")), noise = try #require(Double(real["fid_noise"] ?? ""))
    #expect(floor >= 0 && floor < noise / 10, "floor \(floor), noise \(noise)")
    #expect(run.stdout.contains("feature network: test accuracy"))

    // Every image GAN was scored; generated images are at a finite distance, above the floor.
    for model in ["dcgan", "minimax", "label-smoothing", "wgan-gp"] {
      let result = try #require(run.result(model: model), "RESULT for \(model)")
      let fid = try #require(Double(result["fid"] ?? ""), "\(model): fid")
      #expect(fid.isFinite && fid > floor, "\(model): fid \(fid), floor \(floor)")
      #expect(Double(result["inception_score"] ?? "").map { $0 >= 1 && $0 <= 10 } == true, "\(model): \(result)")
    }
    for figure in ["gaussian-samples", "gaussian-losses", "modes", "dcgan-epochs", "dcgan-samples", "dcgan-losses", "dcgan-discriminator",
                   "dcgan-interpolation", "dcgan-neighbours", "wgan-gp-epochs", "wgan-gp-losses", "fid"] {
      expectFigure(out, figure)
    }

    // A second run reads the feature network from its checkpoint instead of training it again.
    let again = try runChapter("gan", ["--quick", "--part", "metric", "--threads", "1", "--output", out])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(again.stdout.contains("read from") && !again.stdout.contains("feature network: epoch"), "\(again.stdout)")
  }

  @Test func anUnknownPartIsRefusedWithTheChoices() throws {
    let run = try runChapter("gan", ["--part", "vae", "--output", temporaryFolder("gan-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("wgan-gp") && run.stderr.contains("gaussian"), "\(run.stderr)")
  }
}
