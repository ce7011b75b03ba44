import Torchlight

/// Pixel accuracy and mean intersection over union of a segmentation (`torchmetrics`'
/// `JaccardIndex(average="macro")` over a whole data set): a confusion matrix of true class
/// against predicted class, summed over every pixel given to `update`, then for each class c
///
///     IoU_c = TP_c / (TP_c + FP_c + FN_c)
///
/// (the pixels both call c, over the pixels either calls c). `meanIoU` averages over the classes
/// that occur in the truth or the predictions; a class absent from both has no IoU (nil), as
/// 0/0 says. Pixel accuracy is the share of pixels whose predicted class is right.
public struct SegmentationScores {
  public let classes: Int
  /// `confusion[truth * classes + predicted]`: pixel counts.
  public private(set) var confusion: [Int]

  public init(classes: Int) {
    precondition(classes >= 1, "SegmentationScores: classes must be at least 1, got \(classes)")
    self.classes = classes
    confusion = [Int](repeating: 0, count: classes * classes)
  }

  /// Adds predicted and true class maps of the same shape (int64, any shape, e.g. `[B, H, W]`).
  public mutating func update(predicted: Tensor, truth: Tensor) {
    precondition(predicted.shape == truth.shape, "SegmentationScores.update: predicted \(predicted.shape) and truth \(truth.shape) differ in shape")
    let p = predicted.contiguous().to(.int64).toArray(Int64.self), t = truth.contiguous().to(.int64).toArray(Int64.self)
    for (a, b) in zip(t, p) {
      precondition(a >= 0 && a < classes && b >= 0 && b < classes, "SegmentationScores.update: class \(a) or \(b) is outside 0..<\(classes)")
      confusion[Int(a) * classes + Int(b)] += 1
    }
  }

  /// IoU of class c, nil when no pixel is c in the truth or the predictions.
  public func iou(class c: Int) -> Double? {
    let tp = confusion[c * classes + c]
    let truth = (0..<classes).reduce(0) { $0 + confusion[c * classes + $1] }
    let predicted = (0..<classes).reduce(0) { $0 + confusion[$1 * classes + c] }
    let union = truth + predicted - tp
    return union == 0 ? nil : Double(tp) / Double(union)
  }

  /// The mean of the defined per-class IoUs (the `miou` RESULT key); 0 before any update.
  public var meanIoU: Double {
    let values = (0..<classes).compactMap { iou(class: $0) }
    return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
  }

  /// The share of pixels classified right (the `pixel_acc` RESULT key).
  public var pixelAccuracy: Double {
    let total = confusion.reduce(0, +)
    return total == 0 ? 0 : Double((0..<classes).reduce(0) { $0 + confusion[$1 * classes + $1] }) / Double(total)
  }
}
