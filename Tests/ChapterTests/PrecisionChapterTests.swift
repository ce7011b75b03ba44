import Foundation
import Testing

@Suite("Chapter 14: precision") struct PrecisionChapterTests {
  /// The formats and arithmetic parts: every number derived from the rounding functions, checked
  /// against the IEEE layouts; the sums, overflow and softmax as the page describes them.
  @Test func quickFormatsAndArithmeticDeriveTheKnownNumbers() throws {
    let out = temporaryFolder("precision")
    let run = try runChapter("precision", ["--quick", "--part", "formats", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let formats = { (name: String) in run.results.first { $0["model"] == name && $0["part"] == "formats" } }
    let f32 = try #require(formats("float32")), f16 = try #require(formats("float16")), bf16 = try #require(formats("bfloat16"))
    #expect(Double(bf16["epsilon"]!) == 0x1p-7, "\(bf16)")
    #expect(Double(f16["epsilon"]!) == 0x1p-10, "\(f16)")
    #expect(Double(f32["epsilon"]!).map { Swift.abs($0 / 0x1p-23 - 1) < 1e-5 } == true, "\(f32)")
    #expect(Double(f16["max"]!) == 65504, "\(f16)")
    #expect(Double(f16["min_normal"]!).map { Swift.abs($0 / 0x1p-14 - 1) < 1e-5 } == true, "\(f16)")
    #expect(Double(f16["min_subnormal"]!).map { Swift.abs($0 / 0x1p-24 - 1) < 1e-5 } == true, "\(f16)")
    #expect(Double(bf16["max"]!).map { Swift.abs($0 / 3.38953e38 - 1) < 1e-5 } == true, "\(bf16)")   // (2 − 2⁻⁷)·2¹²⁷
    #expect(Double(f32["min_subnormal"]!).map { Swift.abs($0 / 0x1p-149 - 1) < 1e-5 } == true, "\(f32)")
    #expect([f32["fraction_bits"], f16["fraction_bits"], bf16["fraction_bits"]] == ["23", "10", "7"])
    #expect(!run.stdout.contains("≠ round"), "the engine's casts disagree with the rounding function")
    for figure in ["ulp", "relative-spacing"] { expectFigure(out, figure) }

    let arithmetic = try runChapter("precision", ["--quick", "--part", "arithmetic", "--threads", "1", "--output", out])
    #expect(arithmetic.status == 0, "\(arithmetic.stderr)")
    let sums = { (name: String) in arithmetic.results.first { $0["model"] == name && $0["part"] == "arithmetic" } }
    let h = try #require(sums("float16")), b = try #require(sums("bfloat16")), s = try #require(sums("float32"))
    let value = { (r: [String: String], key: String) in Double(r[key] ?? "") ?? .nan }
    // --quick adds 0.1 3,000 times: exactly 300.
    #expect(h["terms"] == "3000", "\(h)")
    // float16's naive sum stalls at 256 (ulp 0.25 there: 256 + 0.1 rounds back to 256), bfloat16's at 32.
    #expect(value(h, "naive_stall") == 256 && value(h, "naive_sum") == 256, "\(h)")
    #expect(value(b, "naive_stall") == 32, "\(b)")
    #expect(Swift.abs(value(s, "naive_sum") - 300) < 0.1 && value(s, "naive_sum") != 300, "\(s)")
    // Kahan and a float32 accumulator recover the sum to the precision of the format's 0.1.
    #expect(Swift.abs(value(h, "kahan_sum") - 300) <= 0.25, "\(h)")
    #expect(Swift.abs(value(h, "fp32_acc_sum") - 300) <= 0.25, "\(h)")
    #expect(Swift.abs(value(b, "fp32_acc_sum") - 300) <= 1, "\(b)")
    #expect(value(h, "product_300x300").isInfinite && value(s, "product_300x300") == 90000 && value(b, "product_300x300") == 90112)
    #expect(h["softmax_naive_nan"] == "1" && s["softmax_naive_nan"] == "0", "\(h) \(s)")
    expectFigure(out, "sum-error")
  }

  /// The training part in quick mode, for the MLP (LeNet's sigmoids need several full epochs to
  /// move, and its convolutions are slow in a debug build): the four formats all learn, from the
  /// same weights and batches to nearly the same place, with half-size activations under autocast
  /// and float32 parameters throughout.
  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickTrainingLearnsInEveryFormat() throws {
    let out = temporaryFolder("precision-training")
    let run = try runChapter("precision", ["--quick", "--part", "training", "--network", "mlp", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let training = run.results.filter { $0["part"] == "training" && $0["model"] == "mlp" }
    #expect(training.map { $0["format"] ?? "" } == ["fp32", "bf16-autocast", "fp16-autocast-scaler", "fp16-autocast"])
    let reference = Double(training.first?["test_acc"] ?? "") ?? .nan
    for r in training {
      let loss = Double(r["train_loss"] ?? "") ?? .nan, accuracy = Double(r["test_acc"] ?? "") ?? .nan
      // Below the untrained loss ln 10 ≈ 2.30, well above chance (0.1), and within 2% of float32.
      #expect(loss < 2.25 && accuracy > 0.4 && Swift.abs(accuracy - reference) < 0.02, "\(r)")
      #expect(r["bytes_per_param"] == "4", "parameters stay float32: \(r)")
      #expect(r["bytes_per_activation"] == (r["format"] == "fp32" ? "4.00" : "2.00"), "\(r)")
    }
    // The float32 run's gradients include some that float16 would flush to zero; the float16 run
    // without scaling has none of them left (they are zeros there).
    let flushed = { (format: String) in Double(training.first { $0["format"] == format }?["fp16_flush_frac"] ?? "") ?? .nan }
    #expect(flushed("fp32") > 0 && flushed("fp16-autocast") == 0, "\(training)")
    for figure in ["curves", "loss-scale", "gradient-magnitudes"] { expectFigure(out, figure) }
  }

  @Test(arguments: [
    (["--part", "fp8"], "training"),
    (["--terms", "5"], "--terms"),
    (["--network", "resnet"], "lenet"),
    (["--epochs", "-1"], "--epochs"),
  ]) func badInputIsOneLine(_ arguments: [String], _ mentioned: String) throws {
    let run = try runChapter("precision", arguments + ["--output", temporaryFolder("precision-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(mentioned), "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdout)")
  }
}
