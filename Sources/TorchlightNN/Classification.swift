/// Softmax and the classification losses built on it.

/// The largest value along `axis` (kept), with ±∞ replaced by 0: the shift that keeps exp from
/// overflowing. Shifting by any constant leaves softmax unchanged.
func stableShift(_ x: Tensor, axis: Int) -> Tensor {
  let m = x.amax(axes: [axis], keepDims: true)
  return Tensor.where(m.abs() .== Double.infinity, Tensor.zeros(like: m), m)
}

/// softmax(x)ᵢ = e^{xᵢ} / Σⱼ e^{xⱼ} along `axis`, computed as e^{xᵢ−m} / Σⱼ e^{xⱼ−m} with m the
/// largest value, so large inputs neither overflow nor lose precision.
/// Backward: ∂L/∂x = y ⊙ (g − Σⱼ gⱼ yⱼ).
public func softmax(_ x: Tensor, axis: Int = -1) -> Tensor {
  if let c = Autocast.inputs(of: .softmax, [x]) { return softmax(c[0]!, axis: axis) }
  // float16/bfloat16: in float32, rounded once; the casts carry the gradient.
  if x.dtype.isReducedPrecision { return softmax(x.float(), axis: axis).to(x.dtype) }
  let a = Layout.normalizeAxis(axis, rank: x.rank, op: "softmax")
  let y = withNoGrad {
    let e = (x - stableShift(x, axis: a)).exp()
    return e / e.sum(axis: a, keepDims: true)
  }
  return y.recorded("SoftmaxBackward", inputs: [x], saving: [y]) { g in
    let y = y.savedOutput { softmax(x, axis: a) }
    return [y * (g - (g * y).sum(axis: a, keepDims: true))]
  }
}

/// log softmax(x) = x − logsumexp(x) along `axis`, computed as (x − m) − log Σ e^{x−m}: the log-probabilities a classifier's loss
/// needs, without ever forming a probability that could underflow to 0.
/// Backward: ∂L/∂x = g − softmax(x) · Σⱼ gⱼ.
public func logSoftmax(_ x: Tensor, axis: Int = -1) -> Tensor {
  if let c = Autocast.inputs(of: .logSoftmax, [x]) { return logSoftmax(c[0]!, axis: axis) }
  // float16/bfloat16: in float32, rounded once; the casts carry the gradient.
  if x.dtype.isReducedPrecision { return logSoftmax(x.float(), axis: axis).to(x.dtype) }
  let a = Layout.normalizeAxis(axis, rank: x.rank, op: "logSoftmax")
  let y = withNoGrad {
    let shifted = x - stableShift(x, axis: a)
    return shifted - shifted.exp().sum(axis: a, keepDims: true).log()
  }
  return y.recorded("LogSoftmaxBackward", inputs: [x], saving: [y]) { g in
    let y = y.savedOutput { logSoftmax(x, axis: a) }
    return [g - y.exp() * g.sum(axis: a, keepDims: true)]
  }
}

/// The negative log-likelihood of class targets (`F.nll_loss`): −w[yᵢ]·logpᵢ[yᵢ] for each
/// example, where `logProbs` is `[N, C]` (from `logSoftmax`) and `targets` int64 `[N]`.
/// Targets equal to `ignoreIndex` count for nothing; `mean` divides by the total weight of the
/// counted targets, as PyTorch does.
public func nllLoss(_ logProbs: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                    reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .nllLoss, [logProbs, weight]) {
    return nllLoss(c[0]!, targets: targets, weight: c[1], ignoreIndex: ignoreIndex, reduction: reduction)
  }
  let (perExample, weights) = weightedNLL(logProbs, targets: targets, weight: weight, ignoreIndex: ignoreIndex, op: "nllLoss")
  switch reduction {
  case .none: return perExample
  case .sum: return perExample.sum()
  case .mean: return perExample.sum() / weights.sum()
  }
}

/// Per-example −w[yᵢ]·logpᵢ[yᵢ] (0 for ignored targets) and the weights w[yᵢ] (0 when ignored).
func weightedNLL(_ logProbs: Tensor, targets: Tensor, weight: Tensor?, ignoreIndex: Int, op: String) -> (Tensor, Tensor) {
  guard logProbs.rank == 2, targets.rank == 1, targets.shape[0] == logProbs.shape[0] else {
    fatalError("\(op): expected scores [N, C] and class targets [N], got \(logProbs.shape) and \(targets.shape)")
  }
  guard targets.dtype == .int64 else {
    fatalError("\(op): class targets must be int64, got \(targets.dtype) (shape \(targets.shape)); use .long(), or pass probabilities [N, C] to crossEntropy")
  }
  let classes = logProbs.shape[1]
  if let weight, weight.shape != [classes] {
    fatalError("\(op): weight must have one value per class, shape [\(classes)], got \(weight.shape)")
  }
  let kept = targets .!= Double(ignoreIndex)
  let safe = Tensor.where(kept, targets, Tensor(Int64(0)))   // ignored rows look up class 0, then count 0
  let values = safe.toArray(Int64.self)
  if let bad = values.first(where: { $0 < 0 || $0 >= classes }) {
    fatalError("\(op): target \(bad) is outside 0..<\(classes) (and is not ignoreIndex \(ignoreIndex))")
  }
  let picked = logProbs.gather(axis: 1, index: safe.unsqueezed(axis: 1)).squeezed(axis: 1)
  var weights = kept.to(logProbs.dtype)
  if let weight { weights = weights * weight.to(logProbs.dtype).indexSelect(axis: 0, index: safe) }
  return (-picked * weights, weights)
}

/// Cross-entropy between class scores and targets (`F.cross_entropy`): log-softmax followed by
/// the negative log-likelihood.
///
/// - Parameters:
///   - logits: unnormalised scores `[N, C]`.
///   - targets: class indices, int64 `[N]`; or class probabilities, float `[N, C]` (soft targets).
///   - weight: a weight per class `[C]`, for unbalanced classes.
///   - ignoreIndex: class-index targets equal to it are left out (padding in sequence models).
///   - labelSmoothing: ε in [0, 1]: the target becomes (1 − ε)·one-hot + ε/C, which keeps the
///     model from becoming over-confident.
///   - reduction: `mean` (over the counted targets' weights, as PyTorch), `sum` or `none`.
///
/// Class-index targets without class weights or smoothing (the usual classifier) run as one fused
/// op (`crossEntropyFused`); everything else, and second derivatives, go through
/// `crossEntropyReference`, the same loss op by op.
public func crossEntropy(logits: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                         labelSmoothing: Double = 0, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .crossEntropy, [logits, targets, weight]) {
    return crossEntropy(logits: c[0]!, targets: c[1]!, weight: c[2], ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing, reduction: reduction)
  }
  if targets.dtype == .int64, weight == nil, labelSmoothing == 0, logits.rank == 2,
     logits.dtype == .float32 || logits.dtype == .float64, targets.shape == [logits.shape[0]] {
    return crossEntropyFused(logits: logits, targets: targets, ignoreIndex: ignoreIndex, reduction: reduction)
  }
  return crossEntropyReference(logits: logits, targets: targets, weight: weight, ignoreIndex: ignoreIndex,
                               labelSmoothing: labelSmoothing, reduction: reduction)
}

/// `crossEntropy` op by op, as its documentation reads: log-softmax, then the negative
/// log-likelihood (and the smoothing term). The readable definition, and the reference that the
/// fused op is tested against and differentiates for second derivatives.
public func crossEntropyReference(logits: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                  labelSmoothing: Double = 0, reduction: Reduction = .mean) -> Tensor {
  precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing must lie in [0, 1], got \(labelSmoothing)")
  guard logits.rank == 2 else {
    fatalError("crossEntropy: expected logits [N, C], got \(logits.shape); flatten extra axes into N first")
  }
  let logp = logSoftmax(logits, axis: 1)
  let classes = Double(logits.shape[1])
  let classWeights = weight.map { $0.to(logp.dtype).reshaped(1, -1) }

  if targets.dtype.isFloatingPoint {
    // Probabilities per class: −Σ_c w_c·p_c·log q_c per example, averaged over examples.
    guard targets.shape == logits.shape else {
      fatalError("crossEntropy: probability targets must have the logits' shape \(logits.shape), got \(targets.shape)")
    }
    var p = targets.to(logp.dtype)
    if labelSmoothing > 0 { p = p * (1 - labelSmoothing) + labelSmoothing / classes }
    var terms = -p * logp
    if let classWeights { terms = terms * classWeights }
    let perExample = terms.sum(axis: 1)
    return reduction == .mean ? perExample.mean() : reduction.apply(perExample)
  }

  let (nll, weights) = weightedNLL(logp, targets: targets, weight: weight, ignoreIndex: ignoreIndex, op: "crossEntropy")
  let total = weights.sum()
  func reduce(_ perExample: Tensor) -> Tensor {
    switch reduction {
    case .none: perExample
    case .sum: perExample.sum()
    case .mean: perExample.sum() / total
    }
  }
  guard labelSmoothing > 0 else { return reduce(nll) }
  // The smoothing term: −Σ_c w_c·log q_c per counted example, spread uniformly over classes.
  var smooth = -logp
  if let classWeights { smooth = smooth * classWeights }
  let counted = (targets .!= Double(ignoreIndex)).to(logp.dtype)
  let smoothPerExample = smooth.sum(axis: 1) * counted
  let smoothReduced: Tensor = switch reduction {
  case .none: smoothPerExample
  case .sum: smoothPerExample.sum()
  case .mean: smoothPerExample.sum() / (weight == nil ? counted.sum() : total)
  }
  return reduce(nll) * (1 - labelSmoothing) + smoothReduced * (labelSmoothing / classes)
}

/// The fraction of examples whose highest score is the target class.
public func accuracy(logits: Tensor, targets: Tensor) -> Double {
  guard logits.rank == 2, targets.shape == [logits.shape[0]] else {
    fatalError("accuracy: expected logits [N, C] and targets [N], got \(logits.shape) and \(targets.shape)")
  }
  guard logits.shape[0] > 0 else { return 0 }
  return (logits.argmax(axis: 1) .== targets).sum().item() / Double(logits.shape[0])
}
