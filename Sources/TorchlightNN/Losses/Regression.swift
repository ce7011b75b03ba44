/// Losses for real-valued targets: squared, absolute, Huber, smooth L1, and Poisson counts.

/// Squared error (ŷ − y)², averaged by default (`F.mse_loss`).
public func mseLoss(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .mseLoss, [predictions, targets]) {
    return mseLoss(c[0]!, c[1]!, reduction: reduction)
  }
  checkSameShape("mseLoss", predictions, targets)
  let d = predictions - targets
  return reduction.apply(d * d)
}

/// Absolute error |ŷ − y|, averaged by default (`F.l1_loss`). Its gradient has the same size
/// however far off a prediction is, so outliers pull no harder than anything else.
public func l1Loss(_ predictions: Tensor, _ targets: Tensor, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .l1Loss, [predictions, targets]) { return l1Loss(c[0]!, c[1]!, reduction: reduction) }
  checkSameShape("l1Loss", predictions, targets)
  return reduction.apply((predictions - targets).abs())
}

/// Huber loss: ½d² for |d| < δ and δ(|d| − ½δ) beyond, with d = ŷ − y (`F.huber_loss`).
/// Quadratic near the target, linear far away, so outliers pull less than with squared error.
public func huberLoss(_ predictions: Tensor, _ targets: Tensor, delta: Double = 1, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .huberLoss, [predictions, targets]) {
    return huberLoss(c[0]!, c[1]!, delta: delta, reduction: reduction)
  }
  checkSameShape("huberLoss", predictions, targets)
  precondition(delta > 0, "huberLoss: delta must be positive, got \(delta)")
  let d = predictions - targets
  let a = d.abs()
  let losses = Tensor.where(a .< delta, 0.5 * d * d, delta * (a - 0.5 * delta))
  return reduction.apply(losses)
}

/// Smooth L1 loss: ½d²/β for |d| < β and |d| − ½β beyond, with d = ŷ − y (`F.smooth_l1_loss`).
/// It is Huber loss divided by β: its slope far away is 1 whatever β is. β = 0 gives L1 loss.
public func smoothL1Loss(_ predictions: Tensor, _ targets: Tensor, beta: Double = 1, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .smoothL1Loss, [predictions, targets]) {
    return smoothL1Loss(c[0]!, c[1]!, beta: beta, reduction: reduction)
  }
  checkSameShape("smoothL1Loss", predictions, targets)
  precondition(beta >= 0, "smoothL1Loss: beta must not be negative, got \(beta)")
  let d = predictions - targets
  let a = d.abs()
  if beta == 0 { return reduction.apply(a) }
  let losses = Tensor.where(a .< beta, 0.5 * d * d / beta, a - 0.5 * beta)
  return reduction.apply(losses)
}

/// The negative log-likelihood of counts y under a Poisson distribution of rate λ
/// (`F.poisson_nll_loss`), dropping the constant log(y!):
/// e^x − y·x when the input is x = log λ (`logInput`, the default), or λ − y·log(λ + ε) when it is λ.
///
/// - Parameters:
///   - full: add Stirling's approximation of log(y!), y·log y − y + ½·log(2πy), for targets
///     y > 1 (it is 0 for y ≤ 1), so the value is the full negative log-likelihood.
///   - eps: keeps log(λ + ε) finite when λ = 0 (used only when `logInput` is false).
public func poissonNLLLoss(_ input: Tensor, _ target: Tensor, logInput: Bool = true, full: Bool = false, eps: Double = 1e-8,
                           reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .poissonNLLLoss, [input, target]) {
    return poissonNLLLoss(c[0]!, c[1]!, logInput: logInput, full: full, eps: eps, reduction: reduction)
  }
  checkSameShape("poissonNLLLoss", input, target)
  let y = target.to(input.dtype.isFloatingPoint ? input.dtype : Tensor.defaultDType)
  var losses = logInput ? input.exp() - y * input : input - y * (input + eps).log()
  if full {
    let counted = y .> 1
    // Where the term is dropped, log reads 1 instead of y, so no −∞ or NaN reaches the gradient.
    let safe = Tensor.where(counted, y, Tensor.ones([], dtype: y.dtype))
    let stirling = safe * safe.log() - safe + 0.5 * (2 * Double.pi * safe).log()
    losses = losses + Tensor.where(counted, stirling, Tensor.zeros([], dtype: y.dtype))
  }
  return reduction.apply(losses)
}
