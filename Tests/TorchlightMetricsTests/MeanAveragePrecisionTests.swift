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

/// The images of Tests/peers/map_reference.py, built from the same formulas (see its docstring).
private func referenceEvaluation() -> MeanAveragePrecision {
  var metric = MeanAveragePrecision(classes: 3)
  for i in 0..<24 {
    var truth: [[Double]] = [], truthLabels: [Int] = [], found: [[Double]] = [], foundLabels: [Int] = [], foundScores: [Double] = []
    for g in 0..<(1 + i % 4) {
      let c = (i + g) % 3
      let x = Double(12 * g + (7 * i) % 13), y = Double(9 * g + (11 * i) % 17)
      let w = Double(8 + (i + 3 * g) % 9), h = Double(6 + (2 * i + g) % 7)
      truth.append([x, y, x + w, y + h])
      truthLabels.append(c)
      guard (3 * i + g) % 5 != 4 else { continue }
      let (di, dg) = (Double(i), Double(g))
      let bx = x + 1.2 * sin(1.7 * di + 2.3 * dg), by = y + cos(0.9 * di + 1.1 * dg)
      let bw = w + sin(0.5 * di + dg), bh = h + 0.8 * cos(0.3 * di + 2 * dg)
      found.append([bx, by, bx + bw, by + bh])
      foundLabels.append((i + g) % 7 == 0 ? (c + 1) % 3 : c)
      foundScores.append(0.05 + 0.9 * (0.5 + 0.5 * sin(1.3 * di + 0.7 * dg + 0.2)))
    }
    let fx = Double(40 + i % 5), fy = Double(30 + i % 3)
    found.append([fx, fy, fx + 10, fy + 8])
    foundLabels.append(i % 3)
    foundScores.append(0.02 + 0.5 * (0.5 + 0.5 * cos(2.1 * Double(i))))
    metric.update(boxes: boxes(found), scores: scores(foundScores), labels: labels(foundLabels),
                  truthBoxes: boxes(truth), truthLabels: labels(truthLabels))
  }
  return metric
}

@Suite("Mean average precision against pycocotools") struct COCOReferenceTests {
  @Test func agreesWithCOCOeval() {
    let metric = referenceEvaluation()
    // Printed by Tests/peers/map_reference.py (pycocotools 2.0.11, NumPy 2.4): stats[0] and the
    // mean over classes of eval["precision"] at each IoU threshold (area "all", 100 detections).
    let perThreshold = [0.5941411967283685, 0.5941411967283685, 0.5293081606297276, 0.4115306561712072, 0.34715209695838195,
                        0.22965691217951226, 0.04445334643354444, 0.0024752475247524753, 0.0, 0.0]
    for (t, expected) in zip(MeanAveragePrecision.cocoThresholds, perThreshold) {
      let ours = metric.meanAveragePrecision(iouThreshold: t, interpolation: .coco101)
      #expect(Swift.abs(ours - expected) < 1e-4, "IoU \(t): \(ours) vs \(expected)")
    }
    #expect(Swift.abs(metric.map - 0.2752858813353863) < 1e-4, "map \(metric.map)")
    // VOC's mAP@0.5 on the same detections (all-point AP, VOC's matching): not COCO's AP50, but close.
    #expect(Swift.abs(metric.map50 - 0.5941411967283685) < 0.05, "map50 \(metric.map50)")
  }
}
