import Foundation
import Testing
@testable import TorchlightMetrics
import Torchlight

private func boxes(_ rows: [[Double]]) -> Tensor { Tensor(rows.flatMap { $0 }, shape: [rows.count, 4], dtype: .float64) }
private func labels(_ values: [Int]) -> Tensor { Tensor(values.map(Int64.init), shape: [values.count]) }
private func scores(_ values: [Double]) -> Tensor { Tensor(values, shape: [values.count], dtype: .float64) }

private func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { a.map { Swift.abs($0 - b) <= tolerance } ?? false }

@Suite("Mean average precision") struct MeanAveragePrecisionTests {
  @Test func interpolationByHand() {
    // Ranked hits T, F, T against 2 boxes: precision 1, ½, ⅔ at recall ½, ½, 1.
    let hits = [true, false, true]
    // All points: the envelope is 1 up to recall ½, then ⅔: ½·1 + ½·⅔.
    #expect(close(averagePrecision(truePositives: hits, truthCount: 2, interpolation: .allPoints), 0.5 + 1.0 / 3))
    // 101 points: recalls 0…0.50 (51 of them) read 1, recalls 0.51…1 (50) read ⅔.
    #expect(close(averagePrecision(truePositives: hits, truthCount: 2, interpolation: .coco101), (51 + 50 * 2.0 / 3) / 101))
    // A false positive first: precision 0 then ½; the envelope is ½ everywhere.
    #expect(close(averagePrecision(truePositives: [false, true], truthCount: 1, interpolation: .allPoints), 0.5))
    #expect(close(averagePrecision(truePositives: [false, true], truthCount: 1, interpolation: .coco101), 0.5))
    // Nothing found: 0; half found perfectly: ½ (all points) and 51/101 (recalls 0…0.5).
    #expect(averagePrecision(truePositives: [], truthCount: 3, interpolation: .coco101) == 0)
    #expect(close(averagePrecision(truePositives: [true], truthCount: 2, interpolation: .allPoints), 0.5))
    #expect(close(averagePrecision(truePositives: [true], truthCount: 2, interpolation: .coco101), 51.0 / 101))
    let curve = precisionRecall(truePositives: hits, truthCount: 2)
    #expect(curve.precision == [1, 0.5, 2.0 / 3] && curve.recall == [0.5, 0.5, 1])
  }

  @Test func oneClassOneImage() {
    var metric = MeanAveragePrecision(classes: 1)
    metric.update(boxes: boxes([[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30]]), scores: scores([0.9, 0.8, 0.7]), labels: labels([0, 0, 0]),
                  truthBoxes: boxes([[0, 0, 10, 10], [20, 20, 30, 30]]), truthLabels: labels([0, 0]))
    #expect(close(metric.map50, 0.5 + 1.0 / 3))
    // Every match has IoU 1, so all ten COCO thresholds agree.
    #expect(close(metric.map, (51 + 50 * 2.0 / 3) / 101))
    #expect(metric.precisionRecallCurve(class: 0).recall == [0.5, 0.5, 1])
  }

  @Test func cocoAveragesOverIoUThresholds() {
    // IoU 0.72: a hit at thresholds 0.5…0.7 (five of ten), a miss above.
    var metric = MeanAveragePrecision(classes: 1)
    metric.update(boxes: boxes([[0, 0, 10, 7.2]]), scores: scores([0.6]), labels: labels([0]),
                  truthBoxes: boxes([[0, 0, 10, 10]]), truthLabels: labels([0]))
    #expect(metric.map50 == 1 && close(metric.map, 0.5))
    #expect(metric.averagePrecision(class: 0, iouThreshold: 0.75, interpolation: .coco101) == 0)
    #expect(MeanAveragePrecision.cocoThresholds.count == 10 && close(MeanAveragePrecision.cocoThresholds[9], 0.95))
  }

  @Test func vocAndCocoMatchDifferently() {
    // Two overlapping boxes; the second detection's best box (IoU 0.96) is already taken by the
    // first detection, but the other box overlaps it by 92/108 ≈ 0.85.
    var metric = MeanAveragePrecision(classes: 1)
    metric.update(boxes: boxes([[0, 0, 10, 10], [0.2, 0, 10.2, 10]]), scores: scores([0.9, 0.8]), labels: labels([0, 0]),
                  truthBoxes: boxes([[0, 0, 10, 10], [1, 0, 11, 10]]), truthLabels: labels([0, 0]))
    // VOC: a duplicate, so T, F: AP ½.
    #expect(close(metric.map50, 0.5))
    // COCO: the free box is taken at thresholds up to 0.85 (AP 1), not at 0.9 and 0.95 (AP 51/101).
    #expect(close(metric.averagePrecision(class: 0, iouThreshold: 0.5, interpolation: .coco101), 1))
    #expect(close(metric.map, (8 + 2 * 51.0 / 101) / 10))
  }

  @Test func classesAndImagesAreAveragedAsTheConventionsSay() {
    var metric = MeanAveragePrecision(classes: 3)
    // Image 0: class 0 found; a class-2 detection with no class-2 box anywhere.
    metric.update(boxes: boxes([[0, 0, 4, 4], [10, 10, 14, 14]]), scores: scores([0.7, 0.9]), labels: labels([0, 2]),
                  truthBoxes: boxes([[0, 0, 4, 4]]), truthLabels: labels([0]))
    // Image 1: a class-1 box nobody found, and a class-0 false positive scored above image 0's hit.
    metric.update(boxes: boxes([[5, 5, 9, 9]]), scores: scores([0.8]), labels: labels([0]),
                  truthBoxes: boxes([[20, 20, 24, 24]]), truthLabels: labels([1]))
    // Class 0: F (0.8) then T (0.7): AP ½. Class 1: 0. Class 2: no ground truth, left out.
    #expect(close(metric.averagePrecision(class: 0, iouThreshold: 0.5, interpolation: .allPoints), 0.5))
    #expect(metric.averagePrecision(class: 1, iouThreshold: 0.5, interpolation: .allPoints) == 0)
    #expect(metric.averagePrecision(class: 2, iouThreshold: 0.5, interpolation: .allPoints) == nil)
    #expect(close(metric.map50, 0.25) && close(metric.map, 0.25))
    #expect(MeanAveragePrecision(classes: 2).map50 == 0, "no images: 0, not NaN")
  }

  @Test func cocoCountsOnlyTheTopDetectionsPerImage() {
    func metric(_ cap: Int) -> MeanAveragePrecision {
      var m = MeanAveragePrecision(classes: 1, maxDetections: cap)
      m.update(boxes: boxes([[30, 30, 40, 40], [0, 0, 10, 10]]), scores: scores([0.9, 0.8]), labels: labels([0, 0]),
               truthBoxes: boxes([[0, 0, 10, 10]]), truthLabels: labels([0]))
      return m
    }
    #expect(close(metric(100).map, 0.5) && metric(1).map == 0)
    #expect(close(metric(1).map50, 0.5), "VOC has no cap")
  }
}
