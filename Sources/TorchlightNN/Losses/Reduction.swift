/// How losses are reduced, and the shape checks every loss shares.

/// How a loss turns per-element losses into its result (`reduction=` in PyTorch).
public enum Reduction: String, Sendable {
  /// The per-element losses, unreduced.
  case none
  /// Their sum.
  case sum
  /// Their mean (the default).
  case mean

  func apply(_ losses: Tensor) -> Tensor {
    switch self {
    case .none: losses
    case .sum: losses.sum()
    case .mean: losses.mean()
    }
  }
}

/// The reductions of `klDivLoss`: those of `Reduction` plus `batchmean`, the sum divided by the
/// batch size (the first axis), which is the true KL divergence per example. It is a separate
/// enum because `batchmean` means nothing for the other losses.
public enum KLDivReduction: String, Sendable {
  /// The pointwise terms, unreduced.
  case none
  /// Their sum.
  case sum
  /// Their mean over every element: the sum divided by batch size × support size, which is
  /// *not* the KL divergence (PyTorch keeps it for backward compatibility and warns).
  case mean
  /// The sum divided by the batch size (`input.shape[0]`): the mathematically right one.
  case batchmean
}

func checkSameShape(_ op: String, _ predictions: Tensor, _ targets: Tensor) {
  guard predictions.shape == targets.shape else {
    fatalError("\(op): predictions of shape \(predictions.shape) and targets of shape \(targets.shape) must have the same shape (reshape one of them; broadcasting here is almost always a bug)")
  }
}

/// Stops unless all the named tensors have the same shape, listing every shape.
func checkSameShapes(_ op: String, _ tensors: KeyValuePairs<String, Tensor>) {
  guard let first = tensors.first?.value.shape, tensors.allSatisfy({ $0.value.shape == first }) else {
    let listed = tensors.map { "\($0.key) \($0.value.shape)" }.joined(separator: ", ")
    fatalError("\(op): \(listed) must all have the same shape (reshape them; broadcasting here is almost always a bug)")
  }
}

/// Stops unless the optional per-element `weight` (named `name`) broadcasts to `shape` without
/// growing it; returns it in `dtype`, ready to multiply the losses.
func checkedWeight(_ op: String, _ name: String, _ weight: Tensor?, shape: [Int], dtype: DType) -> Tensor? {
  guard let weight else { return nil }
  let fits = weight.rank <= shape.count && zip(weight.shape.reversed(), shape.reversed()).allSatisfy { $0 == $1 || $0 == 1 }
  guard fits else {
    fatalError("\(op): \(name) of shape \(weight.shape) must broadcast to the input's shape \(shape)")
  }
  return weight.to(dtype)
}
