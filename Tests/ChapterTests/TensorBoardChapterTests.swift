import Foundation
import Testing
import Torchlight
import TorchlightBoard
@testable import ChapterKit

/// `--tensorboard DIR` on a chapter that trains through `fit`: every epoch's numbers are the ones
/// in metrics.csv, every minibatch has its loss and gradient norm, every parameter its
/// histograms, and the options are there as text. Read back with our own reader (the format
/// itself is checked against TensorBoard in TorchlightBoardTests).
@Suite("--tensorboard") struct TensorBoardChapterTests {
  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func aQuickMLPRunLogsItsCurvesHistogramsAndOptions() throws {
    let out = temporaryFolder("mlp-board"), board = temporaryFolder("mlp-board-events")
    let run = try runChapter("mlp", ["--quick", "--model", "concise", "--epochs", "2", "--threads", "1", "--output", out, "--tensorboard", board])
    try #require(run.status == 0, "\(run.stderr)")
    // Watching changes nothing: the same run without --tensorboard prints the same numbers.
    let plain = try runChapter("mlp", ["--quick", "--model", "concise", "--epochs", "2", "--threads", "1", "--output", temporaryFolder("mlp-plain")])
    let numbers = { (text: String) in
      withoutTimings(text).replacingOccurrences(of: #"examples_per_sec=[0-9.]+"#, with: "examples_per_sec=_", options: .regularExpression)
    }
    #expect(numbers(plain.stdout) == numbers(run.stdout))

    let options = try LoggedEvent.read(run: "\(board)/mlp").flatMap(\.values).filter { $0.tag == "options" }
    #expect(options.count == 1 && options.first?.plugin == "text")
    #expect(options.first?.text?.contains("--tensorboard \(board)") == true && options.first?.text?.contains("| --lr | 0.1 |") == true)

    let events = try LoggedEvent.read(run: "\(board)/mlp/concise")
    #expect(events.first?.fileVersion == "brain.Event:2")
    func series(_ tag: String) -> [(step: Int, value: LoggedValue)] {
      events.flatMap { event in event.values.filter { $0.tag == tag }.map { (event.step, $0) } }
    }
    // Per epoch: exactly the numbers of metrics.csv (as 32-bit floats, as TensorBoard keeps them).
    let csv = try String(contentsOfFile: "\(out)/metrics.csv", encoding: .utf8).split(separator: "\n").dropFirst()
      .map { $0.split(separator: ",") }
    for (metric, tag) in [("train_loss", "loss/train"), ("train_acc", "acc/train"), ("test_loss", "loss/test"), ("test_acc", "acc/test"), ("sec", "time/epoch_seconds")] {
      let expected = csv.filter { $0[3] == metric }.map { (Int($0[2])!, Float(Double($0[4])!)) }
      let logged = series(tag).map { ($0.step, $0.value.scalar ?? .nan) }
      #expect(expected.count == 2 && logged.map(\.0) == expected.map(\.0) && logged.map(\.1) == expected.map(\.1), "\(tag): \(logged) vs \(expected)")
    }
    #expect(series("lr").map { $0.value.scalar } == [0.1, 0.1])
    #expect(series("speed/examples_per_sec").allSatisfy { ($0.value.scalar ?? 0) > 0 } && series("speed/examples_per_sec").count == 2)

    // Per minibatch: 5000 quick images in batches of 256 make 20 steps an epoch.
    let losses = series("batch/loss"), norms = series("batch/grad_norm")
    #expect(losses.map(\.step) == Array(1...40) && norms.map(\.step) == Array(1...40))
    #expect(losses.allSatisfy { ($0.value.scalar ?? .nan).isFinite && $0.value.scalar! > 0 })
    #expect(norms.allSatisfy { ($0.value.scalar ?? .nan) > 0 })
    #expect(losses.last!.value.scalar! < losses.first!.value.scalar!, "the minibatch loss did not fall")

    // Per epoch, for every parameter of 784 → 256 → 10: weights after the epoch, gradients of its last minibatch.
    for (name, count) in [("1.weight", 200_704.0), ("1.bias", 256), ("3.weight", 2560), ("3.bias", 10)] {
      for kind in ["weights", "gradients"] {
        let histograms = series("\(kind)/\(name)")
        #expect(histograms.map(\.step) == [1, 2], "\(kind)/\(name)")
        for h in histograms.compactMap(\.value.histogram) {
          #expect(h.count == count && h.bucketCounts.reduce(0, +) == count && h.min < h.max, "\(kind)/\(name)")
        }
      }
    }
  }

  @Test(.enabled(if: gnuplotInstalled, "needs gnuplot to draw the figures"))
  func everyFigureDrawnIsAnImage() throws {
    let out = temporaryFolder("linreg-board"), board = temporaryFolder("linreg-board-events")
    let run = try runChapter("linear-regression", ["--quick", "--threads", "1", "--output", out, "--tensorboard", board])
    try #require(run.status == 0, "\(run.stderr)")
    let pngs = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".png") }
    let images = try LoggedEvent.read(run: "\(board)/linear-regression").flatMap(\.values).filter { $0.image != nil }
    #expect(pngs.count == 4, "\(pngs)")
    // Its two models, trained by their own loops through TrainingLog, are runs of their own.
    for model in ["scratch", "concise"] {
      let losses = try LoggedEvent.read(run: "\(board)/linear-regression/\(model)").flatMap(\.values).filter { $0.tag == "loss" }
      #expect(losses.count == 3, "\(model): \(losses.count) epochs of loss")
    }
    #expect(Set(images.map { "\($0.tag).png" }) == Set(pngs.map { "figures/\($0)" }))
    for image in images {
      let png = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(image.tag.dropFirst("figures/".count)).png"))
      #expect(image.image?.png == [UInt8](png) && image.image!.width > 0 && image.image!.height > 0, "\(image.tag)")
    }
  }

  @Test func anUnwritableFolderIsOneLineBeforeTraining() throws {
    let run = try runChapter("mlp", ["--model", "concise", "--output", temporaryFolder("mlp-board-bad"), "--tensorboard", "/proc/torchlight/events"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("--tensorboard /proc/torchlight/events is not a writable folder"), "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stdout.isEmpty, "\(run.stdout)\(run.stderr)")
  }
}

/// The gradient norm's sum of squares, eight lanes at a time in blocks of 1024, against a plain
/// sum in Double, on a length that leaves a partial block and a tail shorter than eight.
@Suite("--tensorboard sums") struct TensorBoardSumTests {
  @Test func sumOfSquaresCoversEveryElement() {
    let values = (0..<2061).map { Float(sin(Double($0)) * 3) }
    let expected = values.reduce(0.0) { $0 + Double($1) * Double($1) }
    let float = BoardRun.sumOfSquares(Tensor(values, shape: [2061]))
    #expect(abs(float - expected) < 1e-5 * expected, "\(float) vs \(expected)")
    let double = BoardRun.sumOfSquares(Tensor(values.map(Double.init), shape: [2061], dtype: .float64))
    #expect(abs(double - expected) < 1e-12 * expected)
    #expect(BoardRun.sumOfSquares(Tensor([Float](), shape: [0])) == 0)
  }

  @Test func metricNamesBecomeGroupedTags() {
    #expect(BoardRun.tag("train_loss") == "loss/train" && BoardRun.tag("val_perplexity") == "perplexity/val")
    #expect(BoardRun.tag("test_acc") == "acc/test" && BoardRun.tag("bleu") == "bleu" && BoardRun.tag("trainer") == "trainer")
    #expect(BoardRun.rateName("tok/s") == "tokens_per_sec" && BoardRun.rateName("ex/s") == "examples_per_sec")
  }
}
