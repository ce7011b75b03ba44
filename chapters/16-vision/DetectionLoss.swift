import Torchlight
import TorchlightNN

/// The single-shot detector's loss (SSD's): cross-entropy over anchor classes plus smooth-L1
/// over the offsets of the anchors assigned to an object, both summed and divided by the number
/// of assigned anchors N:
///
///     L = (1/N) · [ Σ_{i ∈ pos ∪ hard neg} CE(sᵢ, cᵢ) + Σ_{i ∈ pos} Σ_k smoothL1(t̂ᵢₖ − tᵢₖ) ]
///
/// Most anchors are background, so their cross-entropy would swamp the objects'. *Hard negative
/// mining* keeps, in each image, only the `negativeRatio`·(positives) background anchors with the
/// highest loss (at least `minNegatives`): the ones the network wrongly thinks hold something.
struct DetectionLoss {
  var negativeRatio = 3
  var minNegatives = 8

  /// Returns the total loss and its two parts (for printing), given the network's scores
  /// `[B, A, C + 1]` and offsets `[B, A, 4]` and the targets of `multiboxTarget`.
  func callAsFunction(scores: Tensor, offsets: Tensor, targetOffsets: Tensor, masks: Tensor, classes: Tensor)
    -> (total: Tensor, classLoss: Double, boxLoss: Double) {
    let (b, a, k) = (scores.shape[0], scores.shape[1], scores.shape[2])
    let perAnchor = crossEntropy(logits: scores.reshaped([b * a, k]), targets: classes.reshaped([b * a]), reduction: .none)
    let chosen = withNoGrad { mineHardNegatives(perAnchor.detached().toArray(Float.self), classes.toArray(Int64.self), images: b, anchors: a) }
    let positives = Double(max(1, classes.toArray(Int64.self).filter { $0 > 0 }.count))
    let classLoss = (perAnchor * Tensor(chosen, shape: [b * a], dtype: perAnchor.dtype)).sum() / positives
    let boxLoss = smoothL1Loss(offsets * masks, targetOffsets * masks, reduction: .sum) / positives
    return (classLoss + boxLoss, classLoss.item(), boxLoss.item())
  }

  /// 1 for every positive anchor and for the hardest negatives of each image, 0 elsewhere.
  func mineHardNegatives(_ loss: [Float], _ classes: [Int64], images b: Int, anchors a: Int) -> [Float] {
    var chosen = [Float](repeating: 0, count: b * a)
    for i in 0..<b {
      let range = (i * a)..<((i + 1) * a)
      var negatives: [Int] = []
      var positives = 0
      for j in range {
        if classes[j] > 0 { chosen[j] = 1; positives += 1 } else { negatives.append(j) }
      }
      let keep = min(negatives.count, max(minNegatives, negativeRatio * positives))
      negatives.sort { loss[$0] > loss[$1] || (loss[$0] == loss[$1] && $0 < $1) }
      for j in negatives.prefix(keep) { chosen[j] = 1 }
    }
    return chosen
  }
}
