import Foundation
import Testing

@Suite("Chapter 13: diffusion") struct DiffusionChapterTests {
  /// The forward process and the 2-D toy in quick mode. (The image parts train a U-Net on
  /// Fashion-MNIST: minutes even in release, so they are not run here; their pieces are tested
  /// in TorchlightNNTests and TorchlightOptimTests.)
  @Test func quickForwardAndToyPartsLearnAndDraw() throws {
    let out = temporaryFolder("diffusion")
    let forward = try runChapter("diffusion", ["--quick", "--part", "forward", "--threads", "1", "--output", out])
    #expect(forward.status == 0, "\(forward.stderr)")
    let closed = try #require(forward.result(model: "forward"))
    // 2000 chains: the standard error of a mean is about 0.022, of a standard deviation about 0.016.
    #expect(Double(closed["chain_mean_error"] ?? "").map { $0 < 0.1 } == true, "\(closed)")
    #expect(Double(closed["chain_std_error"] ?? "").map { $0 < 0.1 } == true, "\(closed)")
    #expect(Double(closed["alpha_bar_end_linear"] ?? "").map { $0 < 1e-4 } == true, "\(closed)")

    let toy = try runChapter("diffusion", ["--quick", "--part", "toy", "--threads", "1", "--output", out])
    #expect(toy.status == 0, "\(toy.stderr)")
    let result = try #require(toy.result(model: "toy"))
    let samples = try #require(Double(result["sample_nn_distance"] ?? "")), noise = try #require(Double(result["noise_nn_distance"] ?? ""))
    // Samples moved from noise toward the data: much closer to the moons than Gaussian noise is.
    #expect(samples < noise * 0.5, "samples \(samples), noise \(noise)")
    for figure in ["forward-alpha-bar", "forward-noising", "toy-loss", "toy-trajectory", "toy-score"] { expectFigure(out, figure) }
  }

  @Test(arguments: [
    (["--part", "vae"], "ddim"),
    (["--prediction", "x0"], "velocity"),
    (["--steps", "1001"], "--steps"),
    (["--steps", "0"], "--steps"),
    (["--guidance-class", "10"], "--guidance-class"),
    (["--guidance-class", "-1"], "--guidance-class"),
  ]) func badInputIsOneLine(_ arguments: [String], _ mentioned: String) throws {
    let run = try runChapter("diffusion", arguments + ["--output", temporaryFolder("diffusion-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(mentioned), "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdout)")
  }
}
