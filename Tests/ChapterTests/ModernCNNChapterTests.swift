import Foundation
import Testing

@Suite("Chapter 09: modern-cnn") struct ModernCNNChapterTests {
  /// The number after `label` on the first line containing it.
  func number(after label: String, in text: String) -> Double? {
    guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }),
          let range = line.range(of: label) else { return nil }
    return Double(line[range.upperBound...].split(separator: " ").first ?? "")
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickRunTrainsExplainsAndTransfers() throws {
    let out = temporaryFolder("modern-cnn")
    let run = try runChapter("modern-cnn", ["--quick", "--threads", "1", "--output", out])
    #expect(run.status == 0, "\(run.stderr)")
    let text = run.stdout
    // Blocks: identity and projection shortcuts, and dense concatenation, with their shapes.
    #expect(text.contains("identity shortcut, [4, 3, 6, 6] -> [4, 3, 6, 6]"), "\(text)")
    #expect(text.contains("1×1 projection,    [4, 3, 6, 6] -> [4, 6, 3, 3]"), "\(text)")
    #expect(text.contains("[4, 3, 8, 8] -> [4, 23, 8, 8]") && text.contains("[4, 23, 8, 8] -> [4, 10, 4, 4]"), "\(text)")
    let identity = try #require(number(after: "max |y − x| = ", in: text.replacingOccurrences(of: ",", with: " ")))
    #expect(identity < 1e-6)
    // Both networks trained and learned something (chance is 0.1).
    for model in ["resnet", "densenet"] {
      let result = try #require(run.result(model: model), "no RESULT line for \(model)")
      let accuracy = try #require(result["test_acc"].flatMap(Double.init))
      #expect(accuracy > 0.25, "\(model) test accuracy \(accuracy)")
      #expect(Int(result["parameters"] ?? "") ?? 0 > 1000)
    }
    // CAM: one 4×4 map per image for the quick ResNet; it rebuilds the scores, and Grad-CAM is ReLU(CAM)/(h·w).
    #expect(text.contains("CAM shape [10, 4, 4]"), "\(text)")
    let scoreGaps = text.split(separator: "\n").filter { $0.contains("score rebuilt from CAM") }
    let gradGaps = text.split(separator: "\n").filter { $0.contains("Grad-CAM vs ReLU(CAM)") }
    #expect(scoreGaps.count == 2 && gradGaps.count == 2)
    for line in scoreGaps + gradGaps {
      let gap = try #require(Double(line.split(separator: " ").last ?? ""), "\(line)")
      #expect(gap < 1e-4, "\(line)")
    }
    // Transfer learning: the checkpoint is a safetensors file holding the backbone; the frozen
    // backbone did not move; only the head trained there; fine-tuning trains everything.
    let checkpoint = try Data(contentsOf: URL(fileURLWithPath: "\(out)/resnet-pretrained-0to4.safetensors"))
    #expect(checkpoint.count > 8)
    let headerLength = checkpoint.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = String(decoding: checkpoint.dropFirst(8).prefix(headerLength), as: UTF8.self)
    #expect(header.contains("\"backbone.0.weight\"") && header.contains("\"head.weight\""), "\(header.prefix(200))")
    #expect(text.contains("frozen backbone after fine-tuning vs checkpoint: max difference 0.0e+00"), "\(text)")
    let frozen = try #require(run.result(model: "transfer-frozen")), fineTune = try #require(run.result(model: "transfer-finetune"))
    let scratch = try #require(run.result(model: "transfer-scratch"))
    #expect(frozen["trainable"] == "45", "a 5-way head on 8 features: \(frozen)")
    #expect(fineTune["trainable"] == scratch["trainable"] && Int(fineTune["trainable"] ?? "")! > 1000)
    for figure in ["curves-resnet", "cam-resnet", "curves-densenet", "cam-densenet", "transfer"] { expectFigure(out, figure) }
    // The overlay rows are drawn in colour.
    let camScript = (try? String(contentsOfFile: "\(out)/cam-resnet.gp", encoding: .utf8)) ?? ""
    #expect(camScript.contains("with rgbimage"))
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func oneThreadRunsRepeatExactly() throws {
    let arguments = ["--quick", "--threads", "1", "--model", "densenet", "--no-transfer", "--seed", "3"]
    let first = try runChapter("modern-cnn", arguments + ["--output", temporaryFolder("modern-cnn-a")])
    let second = try runChapter("modern-cnn", arguments + ["--output", temporaryFolder("modern-cnn-b")])
    #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
    let strip = { (s: String) in withoutTimings(s).replacingOccurrences(of: #"Figures in \S+"#, with: "Figures in _", options: .regularExpression) }
    #expect(strip(first.stdout) == strip(second.stdout))
    #expect(first.stdout.contains("RESULT chapter=modern-cnn model=densenet"))
  }

  @Test func badInputsAreRefusedInOneLine() throws {
    let unknown = try runChapter("modern-cnn", ["--model", "vgg", "--output", temporaryFolder("modern-cnn-bad")])
    #expect(unknown.status == 2 && unknown.stderr.contains("resnet, densenet, all"), "\(unknown.stderr)")
    let few = try runChapter("modern-cnn", ["--transfer-images", "3", "--output", temporaryFolder("modern-cnn-bad")])
    #expect(few.status == 2 && few.stderr.contains("--transfer-images"), "\(few.stderr)")
    let missing = try runChapter("modern-cnn", ["--quick", "--data-dir", "/nonexistent/fmnist", "--output", temporaryFolder("modern-cnn-bad")])
    #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/fmnist"), "\(missing.stderr)")
    for run in [unknown, few, missing] {
      #expect(run.stderr.split(separator: "\n").count == 1 && !run.stderr.contains("Fatal error"), "\(run.stderr)")
    }
  }
}
