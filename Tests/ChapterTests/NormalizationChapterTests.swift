import Foundation
import Testing

@Suite("Chapter 08: normalization") struct NormalizationChapterTests {
  /// The numbers after "label" on the first line containing it.
  static func numbers(after label: String, in text: String) -> [Double] {
    guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }),
          let range = line.range(of: label) else { return [] }
    return line[range.upperBound...].split(whereSeparator: { " ,:()|=∑Σ".contains($0) }).compactMap { Double($0) }
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickRunChecksScratchAgainstModuleLearnsAndDrawsEveryFigure() throws {
    let out = temporaryFolder("normalization")
    let run = try runChapter("normalization", ["--quick", "--batch-size", "32", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    // The hand-written batch norm agrees with the library's, in training, evaluation and backward.
    let difference = try #require(Self.numbers(after: "max difference scratch vs module:", in: run.stdout).first)
    #expect(difference < 1e-4, "scratch vs module: \(difference)")
    // The batch statistics take part in the backward pass: the full gradient sums to zero per feature.
    let sums = Self.numbers(after: "per feature is", in: run.stdout)
    #expect(sums.count >= 2 && sums[0] < 1e-9 && sums[1] > 1e-3, "\(sums)")
    // A conv bias before batch norm changes nothing and gets no gradient.
    let change = try #require(Self.numbers(after: "changes the output by", in: run.stdout).first)
    let biasGradient = try #require(Self.numbers(after: "largest |∂L/∂bias|", in: run.stdout).first)
    #expect(change < 1e-9 && biasGradient < 1e-9, "output change \(change), bias gradient \(biasGradient)")
    // Training mode depends on the batch, evaluation mode does not.
    let modes = Self.numbers(after: "outputs differ by up to", in: run.stdout)
    #expect(modes.count >= 2 && modes[0] > 1e-3 && modes[1] < 1e-6, "\(modes)")
    // Both BN-LeNets learned something in one short epoch, and started from the same weights.
    let scratch = try #require(run.result(model: "bn-lenet-scratch")), module = try #require(run.result(model: "bn-lenet"))
    let accScratch = try #require(scratch["test_acc"].flatMap(Double.init)), accModule = try #require(module["test_acc"].flatMap(Double.init))
    #expect(accScratch > 0.3 && accModule > 0.3, "scratch \(accScratch), module \(accModule)")
    #expect(Swift.abs(accScratch - accModule) < 0.05)
    for kind in ["none", "batch-norm", "layer-norm", "instance-norm", "group-norm"] {
      let acc = try #require(run.result(model: "small-cnn-\(kind)")?["test_acc"].flatMap(Double.init))
      #expect(acc > 0.15, "\(kind): \(acc)")   // chance is 0.1
    }
    #expect(run.results.filter { $0["model"]?.hasPrefix("batch-size-") == true }.count == 6)
    for figure in ["bn-lenet-curves", "activations", "axes", "comparison", "batch-size"] { expectFigure(out, figure) }
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func oneThreadRunsRepeatExactly() throws {
    let args = ["--quick", "--batch-size", "32", "--only", "bn-lenet", "--threads", "1", "--seed", "7"]
    let a = try runChapter("normalization", args + ["--output", temporaryFolder("normalization-a")])
    let b = try runChapter("normalization", args + ["--output", temporaryFolder("normalization-b")])
    #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
    #expect(a.result(model: "bn-lenet") != nil)
    #expect(withoutTimings(a.stdout) == withoutTimings(b.stdout))
  }

  @Test func badOptionsAreRefusedInOneLine() throws {
    let run = try runChapter("normalization", ["--only", "resnet", "--output", temporaryFolder("normalization-bad")])
    #expect(run.status == 2)
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("--only"), "\(run.stderr)")
    let epochs = try runChapter("normalization", ["--compare-epochs", "0", "--output", temporaryFolder("normalization-bad2")])
    #expect(epochs.status == 2 && epochs.stderr.contains("--compare-epochs"), "\(epochs.stderr)")
  }
}
