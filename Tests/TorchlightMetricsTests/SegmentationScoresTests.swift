import Foundation
import Testing
import Torchlight
@testable import TorchlightMetrics

@Suite("Segmentation scores") struct SegmentationScoresTests {
  /// A 2×3 map worked by hand: truth [0 0 1 / 1 2 2], prediction [0 1 1 / 1 2 0].
  @Test func iouByHand() {
    var scores = SegmentationScores(classes: 4)
    scores.update(predicted: Tensor([0, 1, 1, 1, 2, 0].map(Int64.init), shape: [2, 3]),
                  truth: Tensor([0, 0, 1, 1, 2, 2].map(Int64.init), shape: [2, 3]))
    // Class 0: TP 1, truth 2, predicted 2 → 1/3. Class 1: TP 2, truth 2, predicted 3 → 2/3.
    // Class 2: TP 1, truth 2, predicted 1 → 1/2. Class 3: in neither → no IoU.
    #expect(scores.iou(class: 0) == 1.0 / 3 && scores.iou(class: 1) == 2.0 / 3 && scores.iou(class: 2) == 0.5)
    #expect(scores.iou(class: 3) == nil)
    #expect(Swift.abs(scores.meanIoU - (1.0 / 3 + 2.0 / 3 + 0.5) / 3) < 1e-15)
    #expect(scores.pixelAccuracy == 4.0 / 6)
    // A second update adds to the same confusion matrix: a perfect copy raises every IoU.
    scores.update(predicted: Tensor([0, 0, 1, 1, 2, 2].map(Int64.init), shape: [2, 3]),
                  truth: Tensor([0, 0, 1, 1, 2, 2].map(Int64.init), shape: [2, 3]))
    #expect(scores.iou(class: 0) == 3.0 / 5 && scores.pixelAccuracy == 10.0 / 12)
  }

  @Test func emptyScoresAreZero() {
    let scores = SegmentationScores(classes: 3)
    #expect(scores.meanIoU == 0 && scores.pixelAccuracy == 0)
  }
}
