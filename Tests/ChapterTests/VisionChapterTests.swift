import Foundation
import Testing

@Suite("Chapter 16: vision") struct VisionChapterTests {
  /// The boxes, detection and segmentation parts in quick mode, on 16 canvases: the boxes part's
  /// numbers need no training and are checked exactly; the training parts are checked to run end
  /// to end and draw their figures. (Training them far enough to learn takes minutes in a debug
  /// build, and so does the augmentation experiment even on 100 images: the release runs on the
  /// chapter's page do that; the transforms themselves are tested in TorchlightDataTests.)
  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func quickRunsOfTheCanvasParts() throws {
    let out = temporaryFolder("vision")
    let value = { (r: [String: String]?, key: String) in Double(r?[key] ?? "") ?? .nan }
    let small = ["--quick", "--threads", "1", "--output", out, "--canvases", "16", "--test-canvases", "16"]

    let boxes = try runChapter("vision", small + ["--part", "boxes"])
    #expect(boxes.status == 0, "\(boxes.stderr)")
    #expect(boxes.stdout.contains("= 0.1429   (overlap 2×2 = 4, union 16 + 16 − 4 = 28)"), "\(boxes.stdout)")
    #expect(boxes.stdout.contains("(1.0, 1.0, 1.0, 3.0)) = 0.0000"), "an empty box's IoU is 0: \(boxes.stdout)")
    let anchors = boxes.result(model: "anchors")
    #expect(value(anchors, "anchors") == 336 && value(anchors, "nms_kept") == 2, "\(String(describing: anchors))")
    #expect(value(anchors, "mean_best_iou") > 0.5 && value(anchors, "matched_frac") > 0.6, "\(String(describing: anchors))")
    let roundTrip = try #require(boxes.stdout.split(separator: "\n").first { $0.contains("gives the boxes back to") })
    #expect(Double(roundTrip.split(separator: " ").dropLast(3).last ?? "").map { $0 < 1e-5 } == true, "\(roundTrip)")
    expectFigure(out, "anchors")

    let detection = try runChapter("vision", small + ["--part", "detection"])
    #expect(detection.status == 0, "\(detection.stderr)")
    let ssd = detection.result(model: "ssd")
    #expect((0...1).contains(value(ssd, "map50")) && value(ssd, "map") <= value(ssd, "map50"), "\(String(describing: ssd))")
    #expect(value(ssd, "train_loss").isFinite, "\(String(describing: ssd))")
    for figure in ["detections", "precision-recall", "detection-curves"] { expectFigure(out, figure) }

    let segmentation = try runChapter("vision", small + ["--part", "segmentation"])
    #expect(segmentation.status == 0, "\(segmentation.stderr)")
    let transposed = segmentation.result(model: "conv-transpose")
    #expect(value(transposed, "adjoint_gap") < 1e-12 && value(transposed, "bilinear_gap") < 1e-12, "\(String(describing: transposed))")
    let fcn = segmentation.result(model: "fcn")
    #expect((0...1).contains(value(fcn, "pixel_acc")) && (0...1).contains(value(fcn, "miou")), "\(String(describing: fcn))")
    for figure in ["segmentation", "segmentation-curves"] { expectFigure(out, figure) }
  }

  @Test(arguments: [
    (["--part", "classification"], "segmentation"),
    (["--canvases", "3"], "--canvases"),
    (["--test-canvases", "0"], "--test-canvases"),
    (["--subset", "50"], "--subset"),
    (["--augmentation-epochs", "0"], "--augmentation-epochs"),
  ]) func badInputIsOneLine(_ arguments: [String], _ mentioned: String) throws {
    let run = try runChapter("vision", arguments + ["--output", temporaryFolder("vision-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(mentioned), "\(run.stderr)")
    #expect(run.stdout.isEmpty, "\(run.stdout)")
  }
}
