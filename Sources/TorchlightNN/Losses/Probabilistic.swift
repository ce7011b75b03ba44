/// Losses between probability distributions: binary cross-entropy (on probabilities or on
/// logits) and the Kullback–Leibler divergence.

/// Binary cross-entropy between predicted probabilities x ∈ [0, 1] and targets y ∈ [0, 1]
/// (`F.binary_cross_entropy`): ℓ = −w·[y·log x + (1 − y)·log(1 − x)], the negative
/// log-likelihood of y under a Bernoulli(x).
///
/// As in PyTorch, each log is clamped at −100, so a confident wrong answer (x = 0 with y = 1)
/// costs 100 instead of ∞, and 0·log 0 reads 0·(−100) = 0 instead of NaN. The backward is
/// PyTorch's too: ∂ℓ/∂x = w·(x − y) / max(x(1 − x), 10⁻¹²), finite even at x = 0 or 1.
/// log(1 − x) is computed as written, where PyTorch uses log1p(−x): the two differ by about one
/// rounding of 1 − x, far below the loss's own precision.
///
/// Prefer `binaryCrossEntropyWithLogits` on raw scores: a sigmoid followed by this loss rounds
/// large scores to exactly 0 or 1 and loses their gradient.
///
/// - Parameters:
///   - weight: rescales each element's loss; it must broadcast to the input's shape.
public func binaryCrossEntropy(_ probs: Tensor, _ targets: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .binaryCrossEntropy, [probs, targets, weight]) {
    return binaryCrossEntropy(c[0]!, c[1]!, weight: c[2], reduction: reduction)
  }
  checkSameShapes("binaryCrossEntropy", ["probabilities": probs, "targets": targets])
  let w = checkedWeight("binaryCrossEntropy", "weight", weight, shape: probs.shape, dtype: probs.dtype)
  let x = probs, y = targets.to(probs.dtype)
  if x.count > 0 {
    let (lo, hi) = withNoGrad { (x.min().item(), x.max().item()) }
    guard lo >= 0 && hi <= 1 else {
      fatalError("binaryCrossEntropy: every probability of the input (shape \(x.shape)) must lie in [0, 1], found values in [\(lo), \(hi)]; pass raw scores to binaryCrossEntropyWithLogits instead")
    }
  }
  func clampedLog(_ t: Tensor) -> Tensor { t.log().clamp(min: -100) }
  let losses = withNoGrad { -(y * clampedLog(x) + (1 - y) * clampedLog(1 - x)) }
    .recorded("BinaryCrossEntropyBackward", inputs: [x, y], saving: [x, y]) { g in
      [x.requiresGrad ? g * (x - y) / (x * (1 - x)).clamp(min: 1e-12) : nil,
       y.requiresGrad ? g * (clampedLog(1 - x) - clampedLog(x)) : nil]
    }
  return reduction.apply(w.map { losses * $0 } ?? losses)
}

/// Binary cross-entropy on raw scores (`F.binary_cross_entropy_with_logits`): the same as
/// `binaryCrossEntropy(sigmoid(x), y)` but computed without ever forming σ(x):
/// ℓ = w·[(1 − y)·x + (1 + (p − 1)·y)·log(1 + e⁻ˣ)], with p the positive-class weight.
///
/// This is −w·[p·y·log σ(x) + (1 − y)·log(1 − σ(x))] rewritten with −log σ(x) = log(1 + e⁻ˣ) and
/// −log(1 − σ(x)) = x + log(1 + e⁻ˣ). The softplus log(1 + e⁻ˣ) is evaluated as
/// max(−x, 0) + log1p(e^{−|x|}), which never overflows: logits of ±1000 give finite losses and
/// gradients. The gradient is w·[(1 + (p − 1)y)·σ(x) − p·y], which for p = 1 is the familiar σ(x) − y.
///
/// - Parameters:
///   - weight: rescales each element's loss; it must broadcast to the input's shape.
///   - posWeight: p, a weight on the positive term, one per class (last axis) typically:
///     p = #negatives / #positives balances a rare class. It must broadcast to the input's shape.
public func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor, weight: Tensor? = nil, posWeight: Tensor? = nil,
                                         reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .binaryCrossEntropyWithLogits, [logits, targets, weight, posWeight]) {
    return binaryCrossEntropyWithLogits(c[0]!, c[1]!, weight: c[2], posWeight: c[3], reduction: reduction)
  }
  checkSameShapes("binaryCrossEntropyWithLogits", ["logits": logits, "targets": targets])
  let w = checkedWeight("binaryCrossEntropyWithLogits", "weight", weight, shape: logits.shape, dtype: logits.dtype)
  let p = checkedWeight("binaryCrossEntropyWithLogits", "posWeight", posWeight, shape: logits.shape, dtype: logits.dtype)
  let y = targets.to(logits.dtype)
  let softplusOfMinusX = softplus(-logits, threshold: .infinity)   // −log σ(x), exact in both tails
  let positive = p.map { (1 + ($0 - 1) * y) * softplusOfMinusX } ?? softplusOfMinusX
  var losses = (1 - y) * logits + positive
  if let w { losses = losses * w }
  return reduction.apply(losses)
}

/// The Kullback–Leibler divergence KL(target ‖ model) pointwise (`F.kl_div`):
/// target·(log target − input), where `input` holds the model's **log**-probabilities (from
/// `logSoftmax`) and `target` probabilities, or log-probabilities when `logTarget` is true
/// (then the term is e^{target}·(target − input)).
///
/// A target of 0 contributes 0, as in PyTorch (`xlogy`: 0·log 0 = 0), so one-hot targets work.
/// With `logTarget` a target of −∞ (log 0) gives NaN instead, 0·(−∞), as in PyTorch: use log
/// targets only when they are finite, such as the output of `logSoftmax`.
/// The argument order follows PyTorch, the reverse of the KL(p ‖ q) notation. Input and target
/// must have the same shape (PyTorch would broadcast them).
///
/// - Parameter reduction: `batchmean` (sum / batch size) gives the true KL divergence per
///   example; the default `mean` divides by every element instead, as PyTorch's default does.
public func klDivLoss(_ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false) -> Tensor {
  if let c = Autocast.inputs(of: .klDivLoss, [input, target]) {
    return klDivLoss(c[0]!, c[1]!, reduction: reduction, logTarget: logTarget)
  }
  checkSameShapes("klDivLoss", ["input (log-probabilities)": input, "target": target])
  let t = target.to(input.dtype)
  let pointwise = logTarget ? t.exp() * (t - input) : xLogX(t) - t * input
  switch reduction {
  case .none: return pointwise
  case .sum: return pointwise.sum()
  case .mean: return pointwise.mean()
  case .batchmean: return input.rank == 0 ? pointwise.sum() : pointwise.sum() / Double(input.shape[0])
  }
}

/// t·log t, with 0 where t = 0 (its limit). The log reads 1 there instead of 0, so neither −∞
/// nor NaN reaches the value or the gradient (log t + 1 elsewhere).
private func xLogX(_ t: Tensor) -> Tensor {
  let zero = t .== 0
  let safe = Tensor.where(zero, Tensor.ones([], dtype: t.dtype), t)
  return Tensor.where(zero, Tensor.zeros([], dtype: t.dtype), t * safe.log())
}
