import Foundation
import Testing
@testable import TorchlightVision

func boxes(_ rows: [[Double]], dtype: DType = .float64) -> Tensor { Tensor(rows.flatMap { $0 }, shape: [rows.count, 4], dtype: dtype) }

func expectClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-9, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance }, "\(a) vs \(b)", sourceLocation: sourceLocation)
}

func childStderr(_ result: ExitTest.Result?) -> String { String(decoding: result?.standardErrorContent ?? [], as: UTF8.self) }

@Suite("Boxes: formats, area, IoU, NMS") struct BoxTests {
  @Test func formatsConvertBothWays() {
    let corner = boxes([[1, 2, 5, 8], [0, 0, 0, 3]])
    #expect(boxConvert(corner, from: .xyxy, to: .cxcywh).toDoubles() == [3, 5, 4, 6, 0, 1.5, 0, 3])
    #expect(boxConvert(corner, from: .xyxy, to: .xywh).toDoubles() == [1, 2, 4, 6, 0, 0, 0, 3])
    for format in BoxFormat.allCases {
      let there = boxConvert(corner, from: .xyxy, to: format)
      #expect(boxConvert(there, from: format, to: .xyxy).toDoubles() == corner.toDoubles(), "\(format)")
    }
    // Any leading axes.
    #expect(boxConvert(corner.view(1, 2, 4), from: .xyxy, to: .cxcywh).shape == [1, 2, 4])
  }

  @Test func iouOfKnownRectangles() {
    let a = boxes([[0, 0, 2, 2], [0, 0, 4, 4]])
    let b = boxes([[1, 1, 3, 3], [2, 0, 4, 2], [1, 1, 2, 2], [0, 0, 2, 2]])
    // Overlap 1 of union 7; touching edges only; a 1×1 box inside a 2×2 one; the same box; then
    // boxes inside the 4×4 one cover 4/16, 4/16, 1/16 and 4/16 of it.
    expectClose(boxIoU(a, b).toDoubles(), [1.0 / 7, 0, 0.25, 1, 0.25, 0.25, 1.0 / 16, 0.25])
    #expect(boxIoU(a, b).shape == [2, 4])
    #expect(boxArea(boxes([[0, 0, 2, 3], [1, 1, 1, 5], [3, 3, 1, 1]])).toDoubles() == [6, 0, 0])
    // The number version agrees with the tensor one.
    let g = Generator(seed: 1)
    let corners = Tensor.rand([20, 2], dtype: .float64, generator: g) * 10
    let random = Tensor.cat([corners, corners + Tensor.rand([20, 2], dtype: .float64, generator: g) * 5], axis: 1)
    let matrix = boxIoU(random, random).toDoubles(), tuples = boxTuples(random)
    for i in 0..<20 { for j in 0..<20 { #expect(Swift.abs(matrix[i * 20 + j] - boxIoU(tuples[i], tuples[j])) < 1e-12) } }
  }

  @Test func degenerateBoxesHaveIoUZeroNotNaN() {
    // A point, a line, an inverted box, and a proper box.
    let odd = boxes([[1, 1, 1, 1], [0, 0, 3, 0], [2, 2, 1, 1], [0, 0, 2, 2]])
    let iou = boxIoU(odd, odd).toDoubles()
    #expect(!iou.contains { $0.isNaN })
    #expect(iou == [0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 1])
    #expect(boxArea(odd).toDoubles() == [0, 0, 0, 4], "an inverted box is empty, not negative")
    // Gradients of IoU exist and are finite even with an empty box in the batch.
    let x = boxes([[0, 0, 2, 2], [1, 1, 1, 1]]).requiringGrad()
    boxIoU(x, boxes([[1, 1, 3, 3]])).sum().backward()
    #expect(x.grad!.toDoubles().allSatisfy { $0.isFinite })
  }

  @Test func iouGradientsMatchCentralDifferences() {
    // Boxes that overlap partially, away from the kinks where edges coincide.
    let a = boxes([[0.1, 0.2, 2.3, 2.1], [1.4, 0.3, 3.2, 2.9]]).requiringGrad()
    let b = boxes([[1.05, 1.15, 3.35, 3.05]]).requiringGrad()
    let result = gradientCheck({ boxIoU($0[0], $0[1]) }, inputs: [a, b])
    #expect(result.passed, "\(result)")
  }

  // b0 and b1 overlap with IoU 90/110; b3 overlaps b1 with 60/140 and b0 with 50/150; b2 is apart.
  let crowd = boxes([[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [5, 0, 15, 10]])
  let scores = Tensor([0.9, 0.95, 0.5, 0.6], dtype: .float64)

  @Test func nmsKeepsTheBestOfEachCluster() {
    #expect(nms(boxes: crowd, scores: scores, iouThreshold: 0.5).toArray(Int64.self) == [1, 3, 2])
    #expect(nms(boxes: crowd, scores: scores, iouThreshold: 0.4).toArray(Int64.self) == [1, 2])
    #expect(nms(boxes: crowd, scores: scores, iouThreshold: 0.9).toArray(Int64.self) == [1, 0, 3, 2])
    // Ties keep the input order; an empty box suppresses nothing and is kept.
    let tied = boxes([[0, 0, 1, 1], [0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5]])
    #expect(nms(boxes: tied, scores: Tensor([0.5, 0.5, 0.9], dtype: .float64), iouThreshold: 0.5).toArray(Int64.self) == [2, 0])
    #expect(nms(boxes: boxes([]).view(0, 4), scores: Tensor.zeros([0]), iouThreshold: 0.5).shape == [0])
  }

  @Test func batchedNMSWorksWithinEachClass() {
    // b0 is alone in class 1, so b1 cannot suppress it.
    let classes = Tensor([1, 0, 0, 0])
    #expect(batchedNMS(boxes: crowd, scores: scores, classes: classes, iouThreshold: 0.5).toArray(Int64.self) == [1, 0, 3, 2])
    #expect(batchedNMS(boxes: crowd, scores: scores, classes: classes, iouThreshold: 0.4).toArray(Int64.self) == [1, 0, 2])
    #expect(batchedNMS(boxes: crowd, scores: scores, classes: Tensor([0, 0, 0, 0]), iouThreshold: 0.4).toArray(Int64.self)
            == nms(boxes: crowd, scores: scores, iouThreshold: 0.4).toArray(Int64.self))
  }

  @Test func badBoxesAreNamed() async {
    var result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = boxIoU(Tensor.zeros([2, 3]), Tensor.zeros([1, 4]))
    }
    #expect(childStderr(result).contains("boxIoU: expected the first boxes [N, 4] (x₁, y₁, x₂, y₂ per box), got shape [2, 3]"))
    result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = nms(boxes: Tensor.zeros([2, 4]), scores: Tensor.zeros([3]), iouThreshold: 0.5)
    }
    #expect(childStderr(result).contains("nms: expected one score per box, [2], got scores [3]"))
  }
}

@Suite("Anchors: generation, assignment, offsets") struct AnchorTests {
  @Test func anchorsCountCentresAndShapes() {
    let anchors = multiboxPrior(featureHeight: 2, featureWidth: 4, sizes: [0.5, 0.25], ratios: [1, 2, 0.5], dtype: .float64)
    #expect(anchors.shape == [2 * 4 * 4, 4], "n + m − 1 = 4 anchors per cell")
    let v = anchors.toDoubles()
    // Cell (0, 0), size 0.5, ratio 1: centre (1/8, 1/4), half width 0.25·(2/4), half height 0.25.
    expectClose(Array(v[0..<4]), [0, 0, 0.25, 0.5])
    // Every anchor of cell (i, j) is centred at ((j + ½)/4, (i + ½)/2).
    let centres = boxConvert(anchors, from: .xyxy, to: .cxcywh).toDoubles()
    for cell in 0..<8 {
      for k in 0..<4 {
        let row = (cell * 4 + k) * 4
        expectClose([centres[row], centres[row + 1]], [(Double(cell % 4) + 0.5) / 4, (Double(cell / 4) + 0.5) / 2])
      }
    }
    // In pixels of a 2:1 image (width = 2·height) the ratios are width:height, and the size is in heights.
    let widths: [Double] = (0..<4).map { k in 2 * centres[k * 4 + 2] }, heights: [Double] = (0..<4).map { k in centres[k * 4 + 3] }
    expectClose(zip(widths, heights).map { w, h in w / h }, [1, 1, 2, 0.5])
    expectClose(zip(widths, heights).map { w, h in (w * h).squareRoot() }, [0.5, 0.25, 0.5, 0.5])
    // d2l's example: a 561×728 map, sizes 0.75, 0.5, 0.25, ratios 1, 2, 0.5; cell (250, 250)'s first anchor.
    let big = multiboxPrior(featureHeight: 561, featureWidth: 728, sizes: [0.75, 0.5, 0.25], ratios: [1, 2, 0.5], dtype: .float64)
    let first = big[(250 * 728 + 250) * 5].toDoubles()
    let cx: Double = 250.5 / 728, cy: Double = 250.5 / 561, halfWidth: Double = 0.375 * 561 / 728
    expectClose(first, [cx - halfWidth, cy - 0.375, cx + halfWidth, cy + 0.375])
    expectClose(first.map { ($0 * 100).rounded() / 100 }, [0.06, 0.07, 0.63, 0.82])
  }

  // d2l's worked example (section "Anchor Boxes"): two ground-truth boxes, five anchors.
  let truth = boxes([[0.1, 0.08, 0.52, 0.92], [0.55, 0.2, 0.9, 0.88]])
  let anchors = boxes([[0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.05, 0.88, 0.98], [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]])

  @Test func assignmentFollowsThresholdThenBestAnchorPerBox() {
    // IoUs: anchor 2 (0.57) and 4 (0.75) pass 0.5 for box 1; box 0's best anchor is 1 (IoU 0.14).
    #expect(assignAnchors(groundTruth: truth, anchors: anchors).toArray(Int64.self) == [-1, 0, 1, -1, 1])
    #expect(assignAnchors(groundTruth: truth, anchors: anchors, iouThreshold: 0.6).toArray(Int64.self) == [-1, 0, -1, -1, 1])
    // The best-per-box step overrides the threshold step: both anchors' best box is 0 (IoU 0.9
    // and 0.95), but anchor 1 takes box 0, and then anchor 0 is box 1's best free anchor (IoU 0.6).
    let pair = boxes([[0, 0, 1, 1], [0, 0, 0.9, 0.6]])
    #expect(assignAnchors(groundTruth: pair, anchors: boxes([[0, 0, 0.9, 1], [0, 0, 1, 0.95]])).toArray(Int64.self) == [1, 0])
    // An empty ground-truth box claims no anchor; no boxes: all background.
    #expect(assignAnchors(groundTruth: boxes([[0.3, 0.3, 0.3, 0.3]]), anchors: anchors).toArray(Int64.self) == [-1, -1, -1, -1, -1])
    #expect(assignAnchors(groundTruth: boxes([]).view(0, 4), anchors: anchors).toArray(Int64.self) == [-1, -1, -1, -1, -1])
  }

  @Test func multiboxTargetsMatchTheWorkedExample() {
    let target = multiboxTarget(anchors: anchors, boxes: truth.view(1, 2, 4), labels: Tensor([0, 1]).view(1, 2))
    #expect(target.classes.toArray(Int64.self) == [0, 1, 2, 0, 2])
    #expect(target.masks.toDoubles() == [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1])
    expectClose(target.offsets.toDoubles(), [0, 0, 0, 0, 1.4, 10, 2.5939719432654282, 7.175423816922662,
                                             -1.2, 0.26881720430107553, 1.68236475453336, -1.565452101655128, 0, 0, 0, 0,
                                             -0.5714285714285686, -1, 4.999997498480112e-06, 0.6258201265327881])
    // Padding (label −1) is ignored; an image without boxes is all background.
    let padded = multiboxTarget(anchors: anchors, boxes: Tensor.stack([truth, Tensor.zeros([2, 4], dtype: .float64)]),
                                labels: Tensor([0, 1, -1, -1]).view(2, 2))
    #expect(padded.classes.toArray(Int64.self) == [0, 1, 2, 0, 2, 0, 0, 0, 0, 0])
    #expect(padded.offsets[1].abs().sum().item() == 0 && padded.masks[1].sum().item() == 0)
  }

  @Test func offsetsDecodeBackToTheBoxes() {
    let g = Generator(seed: 2)
    let anchors = boxConvert(Tensor.cat([Tensor.rand([30, 2], dtype: .float64, generator: g),
                                         Tensor.rand([30, 2], dtype: .float64, generator: g) * 0.5 + 0.05], axis: 1), from: .cxcywh, to: .xyxy)
    let targets = boxConvert(Tensor.cat([Tensor.rand([30, 2], dtype: .float64, generator: g),
                                         Tensor.rand([30, 2], dtype: .float64, generator: g) * 0.5 + 0.05], axis: 1), from: .cxcywh, to: .xyxy)
    let offsets = offsetBoxes(anchors: anchors, boxes: targets)
    // Exact up to eps = 10⁻⁶ inside the logs, a relative change of about 10⁻⁵ in the sizes.
    expectClose(offsetInverse(anchors: anchors, offsets: offsets).toDoubles(), targets.toDoubles(), tolerance: 1e-5)
    expectClose(offsetInverse(anchors: anchors, offsets: offsetBoxes(anchors: anchors, boxes: targets, eps: 0)).toDoubles(),
                targets.toDoubles(), tolerance: 1e-12)
    // An anchor's own box has offsets 0; zero offsets decode to the anchor.
    expectClose(offsetBoxes(anchors: anchors, boxes: anchors, eps: 0).toDoubles(), [Double](repeating: 0, count: 120))
    expectClose(offsetInverse(anchors: anchors, offsets: Tensor.zeros([30, 4], dtype: .float64)).toDoubles(), anchors.toDoubles(), tolerance: 1e-12)
    // An empty box is encoded finitely.
    #expect(offsetBoxes(anchors: boxes([[0, 0, 1, 1]]), boxes: boxes([[0.5, 0.5, 0.5, 0.5]])).toDoubles().allSatisfy { $0.isFinite })
  }

  @Test func detectionsFromTheWorkedExample() {
    // d2l's example: four anchors, zero offsets, probabilities of background, dog and cat.
    let anchors = boxes([[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]])
    let probabilities = Tensor([0, 0, 0, 0, 0.9, 0.8, 0.7, 0.1, 0.1, 0.2, 0.3, 0.9], shape: [1, 3, 4], dtype: .float64).transposed(1, 2)
    let found = multiboxDetection(classProbabilities: probabilities, offsets: Tensor.zeros([1, 4, 4], dtype: .float64), anchors: anchors)
    #expect(found.count == 1)
    // Anchors 1 and 2 (dog, IoU > 0.5 with anchor 0) are suppressed; the cat stays.
    #expect(found[0].labels.toArray(Int64.self) == [0, 1] && found[0].scores.toDoubles() == [0.9, 0.9])
    expectClose(found[0].boxes.toDoubles(), [0.1, 0.08, 0.52, 0.92, 0.55, 0.2, 0.9, 0.88], tolerance: 1e-12)
    // A high threshold keeps only the confident; maxDetections caps the count; offsets move the boxes.
    #expect(multiboxDetection(classProbabilities: probabilities, offsets: Tensor.zeros([1, 4, 4], dtype: .float64), anchors: anchors,
                              scoreThreshold: 0.95)[0].scores.count == 0)
    #expect(multiboxDetection(classProbabilities: probabilities, offsets: Tensor.zeros([1, 4, 4], dtype: .float64), anchors: anchors,
                              maxDetections: 1)[0].labels.toArray(Int64.self) == [0])
    let shifted = Tensor([10.0, 0, 0, 0], shape: [1, 1, 4], dtype: .float64).expanded([1, 4, 4]).contiguous()
    let moved = multiboxDetection(classProbabilities: probabilities, offsets: shifted, anchors: anchors)[0].boxes.toDoubles()
    expectClose(Array(moved[0..<4]), [0.1 + 0.42, 0.08, 0.52 + 0.42, 0.92], tolerance: 1e-12)   // one anchor width to the right
  }

  @Test func emptyAnchorsAreRefused() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = offsetBoxes(anchors: Tensor([0.0, 0, 0, 1], shape: [1, 4]), boxes: Tensor([0.0, 0, 1, 1], shape: [1, 4]))
    }
    #expect(childStderr(result).contains("offsetBoxes: every anchor needs a positive width and height"))
  }
}
