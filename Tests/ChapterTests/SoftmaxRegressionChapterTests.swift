import Foundation
import Testing

@Suite("Chapter 04: softmax regression") struct SoftmaxRegressionChapterTests {
  static var dataInstalled: Bool {
    FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
  }

  @Test(.enabled(if: dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickRunLearnsAndDrawsItsFigures() throws {
    let out = temporaryFolder("softmax")
    let run = try runChapter("softmax-regression", ["--quick", "--output", out, "--threads", "1"])
    #expect(run.status == 0, "\(run.stderr)")
    for model in ["scratch", "concise"] {
      let result = try #require(run.result(model: model))
      let accuracy = try #require(Double(result["test_acc"] ?? ""))
      #expect(accuracy > 0.6, "\(model) test accuracy \(accuracy) after a quick run (chance is 0.1)")
      #expect(Double(result["train_loss"] ?? "") ?? 9 < 1.2)
    }
    #expect(run.stdout.contains("[nan, nan, nan]"), "the overflow demonstration")
    for figure in ["curves", "predictions", "weights", "confusion"] { expectFigure(out, figure) }
  }

  @Test(.enabled(if: dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func zeroEpochsScoresTheUntrainedModel() throws {
    let run = try runChapter("softmax-regression", ["--quick", "--epochs", "0", "--output", temporaryFolder("softmax-e0"), "--threads", "1"])
    #expect(run.status == 0, "\(run.stderr)")
    for model in ["scratch", "concise"] {
      let result = try #require(run.result(model: model), "a RESULT line for \(model) without training")
      #expect(result["epochs"] == "0")
      let accuracy = try #require(Double(result["test_acc"] ?? ""))
      #expect(accuracy < 0.4, "an untrained \(model) should be near chance (0.1), got \(accuracy)")
      #expect(result["examples_per_sec"] == "nan", "no epoch, no rate: \(result)")
    }
    #expect(run.stdout.contains("no training (--epochs 0)"))
  }

  @Test func missingDataIsOneClearLine() throws {
    let run = try runChapter("softmax-regression", ["--quick", "--data-dir", "/nonexistent", "--output", temporaryFolder("nodata")])
    #expect(run.status == 1)
    #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    #expect(run.stderr.contains("apt-get install dataset-fashion-mnist"))
    #expect(!run.stderr.contains("Fatal error"))
  }

  @Test func aDataDirThatIsAFileOrAnEmptyDataSetIsNamed() throws {
    let file = temporaryFolder("file") + "/not-a-folder"
    _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
    let notFolder = try runChapter("softmax-regression", ["--quick", "--data-dir", file, "--output", temporaryFolder("nf-out")])
    #expect(notFolder.status == 1 && notFolder.stderr.contains("is not a folder"), "\(notFolder.stderr)")

    // Valid files that hold no examples: the chapter stops before training and names the file.
    let folder = temporaryFolder("empty")
    for split in ["train", "t10k"] {
      try gzip([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28], to: "\(folder)/\(split)-images-idx3-ubyte.gz")
      try gzip([0, 0, 8, 1, 0, 0, 0, 0], to: "\(folder)/\(split)-labels-idx1-ubyte.gz")
    }
    let empty = try runChapter("softmax-regression", ["--quick", "--data-dir", folder, "--output", temporaryFolder("empty-out")])
    #expect(empty.status == 1, "\(empty.stdout)")
    #expect(empty.stderr.contains("train-images-idx3-ubyte.gz holds no examples"), "\(empty.stderr)")
    #expect(!empty.stdout.contains("RESULT"))
  }

  @Test(.enabled(if: dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func aDivergingLossStopsInOneLineAndTooManyThreadsAreCapped() throws {
    let run = try runChapter("softmax-regression", ["--quick", "--lr", "1e30", "--threads", "999", "--output", temporaryFolder("diverge")])
    #expect(run.status == 1, "\(run.stdout)")
    #expect(run.stdout.contains("--threads 999 is more than this machine's"), "\(run.stdout)")
    #expect(run.stderr.contains("training diverged at epoch 1, step") && run.stderr.contains("lower --lr"), "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && !run.stdout.contains("RESULT"))
  }

  @Test func aTruncatedFileIsNamed() throws {
    let folder = temporaryFolder("truncated")
    // A valid gzip stream whose IDX content stops short: the header promises 10 images.
    let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28] + [UInt8](repeating: 7, count: 500)
    try gzip(header, to: "\(folder)/train-images-idx3-ubyte.gz")
    try gzip([0, 0, 8, 1, 0, 0, 0, 10] + [UInt8](repeating: 1, count: 10), to: "\(folder)/train-labels-idx1-ubyte.gz")
    let run = try runChapter("softmax-regression", ["--quick", "--data-dir", folder, "--output", temporaryFolder("trunc-out")])
    #expect(run.status == 1)
    #expect(run.stderr.contains("train-images-idx3-ubyte.gz") && run.stderr.contains("truncated"), "\(run.stderr)")
  }
}

/// Compresses bytes with the system's gzip, as a real data file would be.
func gzip(_ bytes: [UInt8], to path: String) throws {
  let raw = path.replacingOccurrences(of: ".gz", with: "")
  try Data(bytes).write(to: URL(fileURLWithPath: raw))
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/bin/gzip")
  p.arguments = ["-f", raw]
  try p.run()
  p.waitUntilExit()
}
