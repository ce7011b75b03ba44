/// Normalization layers: each standardises its input over some axes, x̂ = (x − μ)/√(σ² + ε),
/// then scales and shifts it with learned γ, β (per channel or per element). They differ only in
/// which axes μ and σ² are taken over, for an input [N, C, H, W]:
/// - `BatchNorm2d`: over N, H, W (one μ per channel, across the batch);
/// - `LayerNorm`: over the trailing axes given (C, H, W: one μ per example);
/// - `InstanceNorm2d`: over H, W (one μ per example and channel);
/// - `GroupNorm`: over H, W and the channels of a group.
///
/// All are compositions of tensor ops, so their backward (for batch norm, the full gradient
/// through the batch statistics) comes from autograd and is checked numerically in the tests.
/// Two run as fused ops for speed, each keeping its op-by-op form as the reference it is tested
/// against: batch norm in training (`batchNormTraining`) and `layerNorm` (LayerNormOp.swift).

/// x̂·γ + β with x̂ = (x − mean)/√(var + ε); `weight` and `bias` broadcast against x.
func normalized(_ x: Tensor, mean: Tensor, variance: Tensor, eps: Double, weight: Tensor?, bias: Tensor?) -> Tensor {
  var y = (x - mean) / (variance + eps).sqrt()
  if let weight { y = y * weight }
  if let bias { y = y + bias }
  return y
}

/// Batch normalization (`F.batch_norm`), channels on axis 1 of `x` ([N, C] or [N, C, …]).
///
/// In training, each channel is standardised with the mean and the biased variance of the batch
/// (over every axis but 1), and the running statistics move towards the batch's:
/// r ← (1 − momentum)·r + momentum·batch value, using the *unbiased* variance as PyTorch does.
/// Outside training the running statistics are used instead, so the output of one example no
/// longer depends on the others in its batch.
public func batchNorm(_ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                      training: Bool, momentum: Double = 0.1, eps: Double = 1e-5) -> Tensor {
  guard x.rank >= 2 else { fatalError("batchNorm: input must be [N, C] or [N, C, …], got shape \(x.shape)") }
  let c = x.shape[1]
  let axes = [0] + Array(2..<x.rank)
  let shape = [1, c] + Array(repeating: 1, count: x.rank - 2)      // broadcasts a [C] vector over x
  for (name, t) in [("runningMean", runningMean), ("runningVar", runningVar), ("weight", weight), ("bias", bias)] {
    if let t, t.shape != [c] { fatalError("batchNorm: \(name) of shape \(t.shape) does not match the \(c) channels of input \(x.shape)") }
  }
  let w = weight?.reshaped(shape), b = bias?.reshaped(shape)
  guard training || runningMean == nil || runningVar == nil else {
    return normalized(x, mean: runningMean!.reshaped(shape), variance: runningVar!.reshaped(shape), eps: eps, weight: w, bias: b)
  }
  let count = x.count / c
  guard count > 1 else {
    fatalError("batchNorm: expected more than 1 value per channel when training, got input of shape \(x.shape)")
  }
  if x.dtype == .float32 || x.dtype == .float64, [weight, bias].allSatisfy({ $0 == nil || $0!.dtype == x.dtype }) {
    // The fused op: the same numbers as the composition below, several times faster.
    let (y, mean, variance) = batchNormTraining(x, weight: weight, bias: bias, eps: eps)
    if let runningMean, let runningVar {
      withNoGrad {
        runningMean.copy(from: runningMean * (1 - momentum) + mean * momentum)
        runningVar.copy(from: runningVar * (1 - momentum) + variance * (Double(count) / Double(count - 1) * momentum))
      }
    }
    return y
  }
  let mean = x.mean(axes: axes, keepDims: true)
  let variance = x.variance(axes: axes, correction: 0, keepDims: true)
  if let runningMean, let runningVar {
    withNoGrad {
      let unbiased = variance.reshaped(c) * (Double(count) / Double(count - 1))
      runningMean.copy(from: runningMean * (1 - momentum) + mean.reshaped(c) * momentum)
      runningVar.copy(from: runningVar * (1 - momentum) + unbiased * momentum)
    }
  }
  return normalized(x, mean: mean, variance: variance, eps: eps, weight: w, bias: b)
}

/// Batch normalization over the channels of `[N, C]` or `[N, C, L]` inputs (`nn.BatchNorm1d`),
/// and the base of `BatchNorm2d`.
public class BatchNorm: Module {
  public let numFeatures: Int
  public let eps: Double
  /// Weight of the newest batch in the running statistics; nil keeps a plain cumulative average.
  public let momentum: Double?
  /// γ (ones) and β (zeros), one per channel, when `affine`.
  public let weight: Tensor?, bias: Tensor?
  /// Running mean (zeros), running variance (ones) and the number of batches seen, when
  /// `trackRunningStats`: saved in state dicts, never trained.
  public let runningMean: Buffer?, runningVar: Buffer?, numBatchesTracked: Buffer?
  let expectedRanks: Set<Int>

  init(_ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool, dtype: DType, ranks: Set<Int>) {
    precondition(numFeatures > 0, "\(Self.self): numFeatures must be positive, got \(numFeatures)")
    self.numFeatures = numFeatures; self.eps = eps; self.momentum = momentum; expectedRanks = ranks
    weight = affine ? Tensor.ones([numFeatures], dtype: dtype).requiringGrad() : nil
    bias = affine ? Tensor.zeros([numFeatures], dtype: dtype).requiringGrad() : nil
    runningMean = trackRunningStats ? Buffer(Tensor.zeros([numFeatures], dtype: dtype)) : nil
    runningVar = trackRunningStats ? Buffer(Tensor.ones([numFeatures], dtype: dtype)) : nil
    numBatchesTracked = trackRunningStats ? Buffer(Tensor([Int64(0)], shape: [])) : nil
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard expectedRanks.contains(x.rank), x.shape[1] == numFeatures else {
      fatalError("\(type(of: self))(\(numFeatures)): expected input of rank \(expectedRanks.sorted().map(String.init).joined(separator: " or ")) with \(numFeatures) channels on axis 1, got shape \(x.shape)")
    }
    var factor = momentum ?? 0
    if isTraining, let tracked = numBatchesTracked {
      let n = tracked.value.toArray(Int64.self)[0] + 1
      withNoGrad { tracked.value.copy(from: Tensor([n], shape: [])) }
      if momentum == nil { factor = 1 / Double(n) }        // cumulative moving average
    }
    return batchNorm(x, runningMean: runningMean?.value, runningVar: runningVar?.value, weight: weight, bias: bias,
                     training: isTraining || runningMean == nil, momentum: factor, eps: eps)
  }
}

/// Batch normalization for `[N, C]` or `[N, C, L]` inputs (`nn.BatchNorm1d`).
public final class BatchNorm1d: BatchNorm {
  public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
              trackRunningStats: Bool = true, dtype: DType = Tensor.defaultDType) {
    super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, dtype: dtype, ranks: [2, 3])
  }
}

/// Batch normalization for images `[N, C, H, W]` (`nn.BatchNorm2d`): one mean and variance per
/// channel, over the batch and every pixel.
public final class BatchNorm2d: BatchNorm {
  public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
              trackRunningStats: Bool = true, dtype: DType = Tensor.defaultDType) {
    super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, dtype: dtype, ranks: [4])
  }
}

/// Layer normalization (`F.layer_norm`): standardises each example over its trailing axes,
/// those of `normalizedShape`, with the biased variance; `weight` and `bias` have that shape.
/// Runs as one fused op (LayerNormOp.swift); `layerNormReference` is the same op by op.
public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
  if let c = Autocast.inputs(of: .layerNorm, [x, weight, bias]) {
    return layerNorm(c[0]!, normalizedShape: normalizedShape, weight: c[1], bias: c[2], eps: eps)
  }
  checkLayerNorm("layerNorm", x, normalizedShape, weight, bias)
  return layerNormFused(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
}

/// `layerNorm` op by op (mean, variance, subtract, divide, scale, shift): the readable
/// definition, and the reference that the fused op is tested against and differentiates for
/// second derivatives.
public func layerNormReference(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                               eps: Double = 1e-5) -> Tensor {
  checkLayerNorm("layerNormReference", x, normalizedShape, weight, bias)
  let k = normalizedShape.count
  let axes = Array((x.rank - k)..<x.rank)
  let mean = x.mean(axes: axes, keepDims: true)
  let variance = x.variance(axes: axes, correction: 0, keepDims: true)
  return normalized(x, mean: mean, variance: variance, eps: eps, weight: weight, bias: bias)
}

/// Stops naming `op` unless x ends with `normalizedShape` and weight and bias have that shape.
func checkLayerNorm(_ op: String, _ x: Tensor, _ normalizedShape: [Int], _ weight: Tensor?, _ bias: Tensor?) {
  let k = normalizedShape.count
  guard k >= 1, x.rank >= k, Array(x.shape.suffix(k)) == normalizedShape else {
    fatalError("\(op): input of shape \(x.shape) does not end with the normalized shape \(normalizedShape)")
  }
  for (name, t) in [("weight", weight), ("bias", bias)] {
    if let t, t.shape != normalizedShape {
      fatalError("\(op): \(name) of shape \(t.shape) must have the normalized shape \(normalizedShape) (input \(x.shape))")
    }
  }
}

/// Layer normalization over the trailing axes `normalizedShape` (`nn.LayerNorm`), with
/// elementwise γ (ones) and β (zeros) of that shape. The same in training and evaluation.
public final class LayerNorm: Module {
  public let normalizedShape: [Int]
  public let eps: Double
  public let weight: Tensor?, bias: Tensor?

  public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, dtype: DType = Tensor.defaultDType) {
    precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
                 "LayerNorm: normalizedShape must be non-empty and positive, got \(normalizedShape)")
    self.normalizedShape = normalizedShape; self.eps = eps
    weight = elementwiseAffine ? Tensor.ones(normalizedShape, dtype: dtype).requiringGrad() : nil
    bias = elementwiseAffine ? Tensor.zeros(normalizedShape, dtype: dtype).requiringGrad() : nil
  }

  public convenience init(_ features: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, dtype: DType = Tensor.defaultDType) {
    self.init([features], eps: eps, elementwiseAffine: elementwiseAffine, dtype: dtype)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    layerNorm(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
  }
}

/// Group normalization (`F.group_norm`): the C channels of `[N, C, …]` split into `numGroups`
/// groups, each example standardised over each group's channels and positions; then per-channel
/// γ and β. One group is layer norm over (C, H, W); C groups is instance norm.
///
/// It runs as one fused op (`GroupNormOp.swift`: one pass for the statistics, one to write
/// with γ and β folded in, a closed-form backward). `groupNormReference` is the same op by op.
public func groupNorm(_ x: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
  if let c = Autocast.inputs(of: .groupNorm, [x, weight, bias]) {
    return groupNorm(c[0]!, numGroups: numGroups, weight: c[1], bias: c[2], eps: eps)
  }
  checkGroupNorm("groupNorm", x, numGroups)
  return groupNormFused(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps, silu: false)
}

/// `groupNorm` op by op (mean, variance, subtract, divide, scale, shift): the definition the
/// fused path is tested against.
public func groupNormReference(_ x: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
  checkGroupNorm("groupNormReference", x, numGroups)
  let n = x.shape[0], c = x.shape[1]
  let grouped = x.reshaped([n, numGroups, -1])
  let mean = grouped.mean(axis: 2, keepDims: true)
  let variance = grouped.variance(axis: 2, correction: 0, keepDims: true)
  let shape = [1, c] + Array(repeating: 1, count: x.rank - 2)
  var y = ((grouped - mean) / (variance + eps).sqrt()).reshaped(x.shape)
  if let weight { y = y * weight.reshaped(shape) }
  if let bias { y = y + bias.reshaped(shape) }
  return y
}

/// Stops naming `op` unless x is `[N, C, …]` with C divisible by `numGroups`.
func checkGroupNorm(_ op: String, _ x: Tensor, _ numGroups: Int) {
  guard x.rank >= 2, numGroups > 0, x.shape[1] % numGroups == 0 else {
    fatalError("\(op): \(x.rank >= 2 ? x.shape[1] : 0) channels of input \(x.shape) cannot be split into \(numGroups) groups")
  }
}

/// Group normalization with `numGroups` groups of the `numChannels` channels (`nn.GroupNorm`).
public final class GroupNorm: Module {
  public let numGroups: Int, numChannels: Int
  public let eps: Double
  public let weight: Tensor?, bias: Tensor?

  public init(numGroups: Int, numChannels: Int, eps: Double = 1e-5, affine: Bool = true, dtype: DType = Tensor.defaultDType) {
    precondition(numGroups > 0 && numChannels % numGroups == 0,
                 "GroupNorm: \(numChannels) channels cannot be split into \(numGroups) groups")
    self.numGroups = numGroups; self.numChannels = numChannels; self.eps = eps
    weight = affine ? Tensor.ones([numChannels], dtype: dtype).requiringGrad() : nil
    bias = affine ? Tensor.zeros([numChannels], dtype: dtype).requiringGrad() : nil
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard x.rank >= 2, x.shape[1] == numChannels else {
      fatalError("GroupNorm(\(numGroups), \(numChannels)): expected input [N, \(numChannels), …], got shape \(x.shape)")
    }
    return groupNorm(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps)
  }
}

/// Instance normalization (`F.instance_norm` without running statistics): each channel of each
/// example of `[N, C, …]` standardised over its own positions, y = (x − μ_nc)/√(σ²_nc + ε), then
/// per-channel γ and β. It is group normalization with one channel per group.
public func instanceNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
  guard x.rank >= 3 else { fatalError("instanceNorm: expected input [N, C, …] with at least one position axis, got shape \(x.shape)") }
  return groupNorm(x, numGroups: x.shape[1], weight: weight, bias: bias, eps: eps)
}

/// Instance normalization for images `[N, C, H, W]` (`nn.InstanceNorm2d`): each channel of each
/// example standardised over its own pixels. As in PyTorch, no affine parameters and no running
/// statistics by default.
public final class InstanceNorm2d: Module {
  public let numFeatures: Int
  public let eps: Double
  public let weight: Tensor?, bias: Tensor?

  public init(_ numFeatures: Int, eps: Double = 1e-5, affine: Bool = false, dtype: DType = Tensor.defaultDType) {
    precondition(numFeatures > 0, "InstanceNorm2d: numFeatures must be positive, got \(numFeatures)")
    self.numFeatures = numFeatures; self.eps = eps
    weight = affine ? Tensor.ones([numFeatures], dtype: dtype).requiringGrad() : nil
    bias = affine ? Tensor.zeros([numFeatures], dtype: dtype).requiringGrad() : nil
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard x.rank == 4, x.shape[1] == numFeatures else {
      fatalError("InstanceNorm2d(\(numFeatures)): expected input [N, \(numFeatures), H, W], got shape \(x.shape)")
    }
    return instanceNorm(x, weight: weight, bias: bias, eps: eps)
  }
}

/// Local response normalization across channels (`nn.LocalResponseNorm`, used by AlexNet):
///     b_c = a_c / (k + α/n · Σ_{c' near c} a_{c'}²)^β,
/// the sum over the n channels c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋ that exist (missing ones count as 0,
/// and the average still divides by n, as PyTorch does).
public func localResponseNorm(_ x: Tensor, size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) -> Tensor {
  guard x.rank >= 3, size > 0 else { fatalError("localResponseNorm: needs input [N, C, …] and size > 0, got shape \(x.shape), size \(size)") }
  let c = x.shape[1]
  let squares = x * x
  var total = Tensor.zeros(like: squares)
  for offset in -(size / 2)...((size - 1) / 2) {
    // total[:, j] += squares[:, j + offset] where that channel exists.
    let from = Swift.max(0, offset), to = Swift.min(c, c + offset)
    guard from < to else { continue }
    let shifted = squares.narrow(axis: 1, start: from, length: to - from)
    let before = Swift.max(0, -offset), after = c - before - (to - from)
    var parts: [Tensor] = []
    if before > 0 { parts.append(Tensor.zeros(like: squares.narrow(axis: 1, start: 0, length: before))) }
    parts.append(shifted)
    if after > 0 { parts.append(Tensor.zeros(like: squares.narrow(axis: 1, start: 0, length: after))) }
    total = total + Tensor.cat(parts, axis: 1)
  }
  return x / (total * (alpha / Double(size)) + k).pow(beta)
}

/// Local response normalization as a layer (`nn.LocalResponseNorm`).
public final class LocalResponseNorm: Module {
  public let size: Int
  public let alpha: Double, beta: Double, k: Double
  public init(size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) {
    self.size = size; self.alpha = alpha; self.beta = beta; self.k = k
  }
  public override func forward(_ x: Tensor) -> Tensor { localResponseNorm(x, size: size, alpha: alpha, beta: beta, k: k) }
}
