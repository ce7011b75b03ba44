/// Margin losses: they cost nothing once the right answer wins by a margin, and pull linearly
/// (or quadratically) otherwise. Ranking, embeddings (pairs and triplets), and multi-class or
/// multi-label hinges, with PyTorch's definitions.
///
/// Where a hinge max(0, z) sits exactly at z = 0 the gradient follows PyTorch: `clamp_min` (1 on
/// the bound) for the losses PyTorch composes from tensor ops, `z > 0` (0 on the bound) for the
/// two it writes as kernels, `multiMarginLoss` and `multiLabelMarginLoss`.
///
/// Inputs that are paired element by element must have the same shape. PyTorch broadcasts some
/// of them (`marginRankingLoss`, `hingeEmbeddingLoss`) silently, which is almost always a bug;
/// call `expanded` to broadcast on purpose.

/// max(0, −y·(x₁ − x₂) + margin) (`F.margin_ranking_loss`): with y = 1 the first input should
/// rank higher than the second by at least `margin`, with y = −1 lower.
public func marginRankingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .marginRankingLoss, [x1, x2, y]) {
    return marginRankingLoss(c[0]!, c[1]!, c[2]!, margin: margin, reduction: reduction)
  }
  checkSameShapes("marginRankingLoss", ["x1": x1, "x2": x2, "y": y])
  return reduction.apply((-y.to(x1.dtype) * (x1 - x2) + margin).clamp(min: 0))
}

/// For targets y ∈ {1, −1}: x where y = 1, max(0, margin − x) where y = −1
/// (`F.hinge_embedding_loss`). The input is typically a distance: small for similar pairs (y = 1),
/// at least `margin` for dissimilar ones. As in PyTorch, a target that is neither 1 nor −1 gets
/// both terms.
public func hingeEmbeddingLoss(_ input: Tensor, _ target: Tensor, margin: Double = 1, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .hingeEmbeddingLoss, [input, target]) {
    return hingeEmbeddingLoss(c[0]!, c[1]!, margin: margin, reduction: reduction)
  }
  checkSameShapes("hingeEmbeddingLoss", ["input": input, "target": target])
  let zero = Tensor.zeros([], dtype: input.dtype)
  let marginTerm = Tensor.where(target .!= 1, (margin - input).clamp(min: 0), zero)
  let inputTerm = Tensor.where(target .!= -1, input, zero)
  return reduction.apply(marginTerm + inputTerm)
}

/// For pairs of vectors x₁, x₂ (rows of `[N, D]`, or one `[D]`) and y ∈ {1, −1}
/// (`F.cosine_embedding_loss`): 1 − cos(x₁, x₂) where y = 1 (pull together),
/// max(0, cos(x₁, x₂) − margin) where y = −1 (push apart). One loss per row.
///
/// cos = x₁·x₂ / √((|x₁|² + ε)(|x₂|² + ε)) with ε = 10⁻¹², PyTorch's constant, so a zero
/// vector gives cos = 0 rather than NaN. A target that is neither 1 nor −1 costs 0.
public func cosineEmbeddingLoss(_ x1: Tensor, _ x2: Tensor, _ y: Tensor, margin: Double = 0, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .cosineEmbeddingLoss, [x1, x2, y]) {
    return cosineEmbeddingLoss(c[0]!, c[1]!, c[2]!, margin: margin, reduction: reduction)
  }
  let rowsMatch = x1.rank == 2 && y.shape == [x1.shape[0]]
  let single = x1.rank == 1 && y.rank == 0
  guard x1.shape == x2.shape, rowsMatch || single else {
    fatalError("cosineEmbeddingLoss: expected x1 and x2 of one shape [N, D] with y [N] (or [D] with y []), got x1 \(x1.shape), x2 \(x2.shape), y \(y.shape)")
  }
  let axis = x1.rank - 1
  let eps = 1e-12
  let dot = (x1 * x2).sum(axis: axis)
  let cos = dot / (((x1 * x1).sum(axis: axis) + eps) * ((x2 * x2).sum(axis: axis) + eps)).sqrt()
  let zero = Tensor.zeros([], dtype: cos.dtype)
  let losses = Tensor.where(y .== 1, 1 - cos, zero) + Tensor.where(y .== -1, (cos - margin).clamp(min: 0), zero)
  return reduction.apply(losses)
}

/// log(1 + e^{−y·x}) for targets y ∈ {1, −1} (`F.soft_margin_loss`): logistic regression's
/// loss written for ±1 labels, a smooth hinge.
///
/// Computed as a softplus, max(z, 0) + log1p(e^{−|z|}) with z = −y·x, so it never overflows.
/// PyTorch evaluates log1p(e^{z}) as written, which is +∞ once z > ~89 in float32 (~710 in
/// float64); wherever PyTorch's value is finite the two agree.
public func softMarginLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .softMarginLoss, [input, target]) {
    return softMarginLoss(c[0]!, c[1]!, reduction: reduction)
  }
  checkSameShapes("softMarginLoss", ["input": input, "target": target])
  return reduction.apply(softplus(-target.to(input.dtype) * input, threshold: .infinity))
}

/// One-versus-all logistic loss for multi-label targets (`F.multilabel_soft_margin_loss`): for
/// scores x and 0/1 targets y over C classes (the last axis),
/// (1/C)·Σ_c w_c·[y_c·log(1 + e^{−x_c}) + (1 − y_c)·log(1 + e^{x_c})], one value per example,
/// then reduced over the examples. It is `binaryCrossEntropyWithLogits` averaged over classes.
///
/// - Parameter weight: a weight per class; it must broadcast to the input's shape.
public func multiLabelSoftMarginLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
  checkSameShapes("multiLabelSoftMarginLoss", ["input": input, "target": target])
  guard input.rank >= 1 else {
    fatalError("multiLabelSoftMarginLoss: expected scores [C] or [N, C], got shape \(input.shape)")
  }
  let w = checkedWeight("multiLabelSoftMarginLoss", "weight", weight, shape: input.shape, dtype: input.dtype)
  let y = target.to(input.dtype)
  // −log σ(x) = softplus(−x) and −log(1 − σ(x)) = softplus(x), both exact in the tails.
  var losses = y * softplus(-input, threshold: .infinity) + (1 - y) * softplus(input, threshold: .infinity)
  if let w { losses = losses * w }
  let classes = input.shape[input.rank - 1]
  return reduction.apply(losses.sum(axis: input.rank - 1) / Double(classes))
}

/// The multi-class hinge loss of a support vector machine (`F.multi_margin_loss`): for scores x
/// over C classes and the target class y,
/// (1/C)·Σ_{i ≠ y} w_y·max(0, margin − x_y + x_i)^p, so every wrong class should score at least
/// `margin` below the right one.
///
/// The class weight multiplies *after* the power, as PyTorch's code does (its documentation
/// writes max(0, w_y·(…))^p, which differs for p = 2).
///
/// - Parameters:
///   - input: scores `[N, C]`, or `[C]` for one example.
///   - target: class indices, int64 `[N]` (or `[]`).
///   - p: 1 (the default, linear hinge) or 2 (squared hinge).
///   - weight: a weight per class `[C]`.
public func multiMarginLoss(_ input: Tensor, _ target: Tensor, p: Int = 1, margin: Double = 1, weight: Tensor? = nil,
                            reduction: Reduction = .mean) -> Tensor {
  precondition(p == 1 || p == 2, "multiMarginLoss: p must be 1 or 2, got \(p)")
  let batched = input.rank == 2 && target.shape == [input.shape[0]]
  let single = input.rank == 1 && target.rank == 0
  guard batched || single else {
    fatalError("multiMarginLoss: expected scores [N, C] and class targets [N] (or [C] and []), got \(input.shape) and \(target.shape)")
  }
  let x = single ? input.unsqueezed(axis: 0) : input
  let classes = x.shape[1]
  let t = checkedClassIndices("multiMarginLoss", target.reshaped([-1]), classes: classes)
  if let weight, weight.shape != [classes] {
    fatalError("multiMarginLoss: weight must have one value per class, shape [\(classes)], got \(weight.shape)")
  }
  let rightScore = x.gather(axis: 1, index: t.unsqueezed(axis: 1))   // [N, 1]
  let z = (margin - rightScore + x).relu()                             // 0-gradient at z = 0, as PyTorch's z > 0
  let wrongClass = (Tensor.arange(classes).reshaped(1, -1) .!= t.unsqueezed(axis: 1)).to(x.dtype)
  var perExample = ((p == 1 ? z : z * z) * wrongClass).sum(axis: 1) / Double(classes)
  if let weight { perExample = perExample * weight.to(x.dtype).indexSelect(axis: 0, index: t) }
  return reduction.apply(single ? perExample.reshaped([]) : perExample)
}

/// The multi-class, multi-label hinge loss (`F.multilabel_margin_loss`): for scores x over C
/// classes and a set of target classes J, (1/C)·Σ_{j ∈ J} Σ_{i ∉ J} max(0, 1 − (x_j − x_i)),
/// so every target class should beat every other class by 1.
///
/// As in PyTorch, `target` has the input's shape and lists the target classes first, ended by
/// −1: `[3, 0, −1, 1]` means J = {3, 0} (what follows −1 is ignored). It is computed here as a
/// `[N, C, C]` tensor of all pairs, simple rather than fast.
public func multiLabelMarginLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .multiLabelMarginLoss, [input, target]) {
    return multiLabelMarginLoss(c[0]!, c[1]!, reduction: reduction)
  }
  guard input.shape == target.shape, input.rank == 1 || input.rank == 2 else {
    fatalError("multiLabelMarginLoss: expected scores and targets of one shape [N, C] (or [C]), got \(input.shape) and \(target.shape)")
  }
  guard target.dtype == .int64 else {
    fatalError("multiLabelMarginLoss: targets must be int64 class indices ended by −1, got \(target.dtype) (shape \(target.shape))")
  }
  let single = input.rank == 1
  let x = single ? input.unsqueezed(axis: 0) : input
  let (rows, classes) = (x.shape[0], x.shape[1])
  let labels = target.toArray(Int64.self)
  if let bad = labels.first(where: { $0 < -1 || $0 >= classes }) {
    fatalError("multiLabelMarginLoss: target \(bad) is outside −1..<\(classes) (input \(input.shape))")
  }
  // times[n][j]: how often class j is listed before the −1 (PyTorch counts repeats);
  // others[n][i]: 1 where class i is not a target.
  var times = [Double](repeating: 0, count: rows * classes), others = [Double](repeating: 1, count: rows * classes)
  for n in 0..<rows {
    for k in 0..<classes {
      let j = Int(labels[n * classes + k])
      if j == -1 { break }
      times[n * classes + j] += 1
      others[n * classes + j] = 0
    }
  }
  let jWeights = Tensor(times, shape: [rows, classes, 1], dtype: x.dtype)
  let iWeights = Tensor(others, shape: [rows, 1, classes], dtype: x.dtype)
  let z = (1 - x.unsqueezed(axis: 2) + x.unsqueezed(axis: 1)).relu()   // z[n, j, i] = 1 − x_j + x_i
  let perExample = (z * jWeights * iWeights).sum(axes: [1, 2]) / Double(classes)
  return reduction.apply(single ? perExample.reshaped([]) : perExample)
}

/// The triplet loss (`F.triplet_margin_loss`): max(0, d(a, p) − d(a, n) + margin) for an anchor
/// a, a positive p (same class) and a negative n, rows of `[N, D]` (or one `[D]`), where
/// d(x, y) = ‖x − y + ε‖_p is PyTorch's `pairwise_distance` (ε keeps the norm's gradient finite
/// when x = y).
///
/// - Parameter swap: use min(d(a, n), d(p, n)) as the negative distance, the harder of the two
///   (Balntas et al., 2016).
public func tripletMarginLoss(_ anchor: Tensor, _ positive: Tensor, _ negative: Tensor, margin: Double = 1, p: Double = 2,
                              eps: Double = 1e-6, swap: Bool = false, reduction: Reduction = .mean) -> Tensor {
  if let c = Autocast.inputs(of: .tripletMarginLoss, [anchor, positive, negative]) {
    return tripletMarginLoss(c[0]!, c[1]!, c[2]!, margin: margin, p: p, eps: eps, swap: swap, reduction: reduction)
  }
  checkSameShapes("tripletMarginLoss", ["anchor": anchor, "positive": positive, "negative": negative])
  guard anchor.rank == 1 || anchor.rank == 2 else {
    fatalError("tripletMarginLoss: expected embeddings [N, D] or [D], got shape \(anchor.shape)")
  }
  precondition(p > 0, "tripletMarginLoss: the norm degree p must be positive, got \(p)")
  let toPositive = pNormDistance(anchor, positive, p: p, eps: eps)
  var toNegative = pNormDistance(anchor, negative, p: p, eps: eps)
  if swap { toNegative = Tensor.minimum(toNegative, pNormDistance(positive, negative, p: p, eps: eps)) }
  return reduction.apply((margin + toPositive - toNegative).clamp(min: 0))
}

/// ‖x − y + ε‖_p over the last axis (`F.pairwise_distance`), with p = 1 and 2 written out.
private func pNormDistance(_ x: Tensor, _ y: Tensor, p: Double, eps: Double) -> Tensor {
  let d = x - y + eps
  let axis = d.rank - 1
  switch p {
  case 2: return (d * d).sum(axis: axis).sqrt()
  case 1: return d.abs().sum(axis: axis)
  default: return d.abs().pow(p).sum(axis: axis).pow(1 / p)
  }
}

/// `indices` (int64) checked to lie in 0..<classes.
private func checkedClassIndices(_ op: String, _ indices: Tensor, classes: Int) -> Tensor {
  guard indices.dtype == .int64 else {
    fatalError("\(op): class targets must be int64, got \(indices.dtype) (shape \(indices.shape)); use .long()")
  }
  if let bad = indices.toArray(Int64.self).first(where: { $0 < 0 || $0 >= classes }) {
    fatalError("\(op): target \(bad) is outside 0..<\(classes)")
  }
  return indices
}
