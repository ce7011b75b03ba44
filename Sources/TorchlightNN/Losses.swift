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

func checkSameShape(_ op: String, _ predictions: Tensor, _ targets: Tensor) {
  guard predictions.shape == targets.shape else {
    fatalError("\(op): predictions of shape \(predictions.shape) and targets of shape \(targets.shape) must have the same shape (reshape one of them; broadcasting here is almost always a bug)")
  }
}

/// Squared error (ŷ − y)², averaged by default (`F.mse_loss`).
public func mseLoss(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
  checkSameShape("mseLoss", predictions, targets)
  let d = predictions - targets
  return reduction.apply(d * d)
}

/// Huber loss: ½d² for |d| < δ and δ(|d| − ½δ) beyond, with d = ŷ − y (`F.huber_loss`).
/// Quadratic near the target, linear far away, so outliers pull less than with squared error.
public func huberLoss(_ predictions: Tensor, _ targets: Tensor, delta: Double = 1, reduction: Reduction = .mean) -> Tensor {
  checkSameShape("huberLoss", predictions, targets)
  precondition(delta > 0, "huberLoss: delta must be positive, got \(delta)")
  let d = predictions - targets
  let a = d.abs()
  let losses = Tensor.where(a .< delta, 0.5 * d * d, delta * (a - 0.5 * delta))
  return reduction.apply(losses)
}
