/// Average precision from a ranked list of detections (the area under the precision–recall curve).
///
/// Walking down the detections by score, after k of them precision is TP/k and recall is
/// TP/G (G ground-truth boxes). The raw curve zig-zags, so both conventions first take its
/// upper envelope, p̂(r) = max over r′ ≥ r of p(r′) (the best precision reachable at recall r
/// or beyond), then:
/// - `.allPoints` (PASCAL VOC since 2010): the exact area under p̂, Σ (rₖ − rₖ₋₁)·p̂(rₖ);
/// - `.coco101` (COCO): the mean of p̂ at the recalls 0, 0.01, …, 1 (0 past the last recall reached).
public enum PrecisionInterpolation: Sendable {
  case allPoints
  case coco101
}

/// The average precision of detections already marked true or false positive and sorted by
/// decreasing score, against `truthCount` ground-truth boxes (`truthCount` > 0).
public func averagePrecision(truePositives: [Bool], truthCount: Int, interpolation: PrecisionInterpolation) -> Double {
  precondition(truthCount > 0, "averagePrecision: there must be at least one ground-truth box, got \(truthCount)")
  let (precision, recall) = precisionRecall(truePositives: truePositives, truthCount: truthCount)
  // The envelope, from the right.
  var envelope = precision
  for i in stride(from: envelope.count - 2, through: 0, by: -1) { envelope[i] = Swift.max(envelope[i], envelope[i + 1]) }
  switch interpolation {
  case .allPoints:
    var area = 0.0, previous = 0.0
    for (r, p) in zip(recall, envelope) {
      area += (r - previous) * p
      previous = r
    }
    return area
  case .coco101:
    var total = 0.0, k = 0
    for step in 0...100 {
      let level = step == 100 ? 1 : Double(step) * 0.01   // as np.linspace(0, 1, 101)
      // The first detection whose recall reaches the level (numpy's searchsorted, side left).
      while k < recall.count && recall[k] < level { k += 1 }
      if k < recall.count { total += envelope[k] }
    }
    return total / 101
  }
}

/// Precision and recall after each detection of a ranked list.
public func precisionRecall(truePositives: [Bool], truthCount: Int) -> (precision: [Double], recall: [Double]) {
  var hits = 0.0
  var precision: [Double] = [], recall: [Double] = []
  for (k, hit) in truePositives.enumerated() {
    if hit { hits += 1 }
    precision.append(hits / Double(k + 1))
    recall.append(hits / Double(truthCount))
  }
  return (precision, recall)
}
