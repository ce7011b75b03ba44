/// Mixed precision by scope (`torch.autocast("cpu", dtype=…)`). Inside `withAutocast(.bfloat16)`,
/// the ops listed in `AutocastOps.swift` convert their inputs before computing: products
/// (matmul, linear, convolution, attention) to the low format, where they are cheap and their
/// sums still accumulate in float32; softmax, norms, losses and some reductions to float32, where
/// rounding would hurt. Every other op runs in the dtype its inputs have.
///
/// The conversions are ordinary recorded casts (`to(_:)`), so gradients flow back through them and
/// reach each parameter in the parameter's own dtype (float32 weights get float32 gradients).
/// Parameters stay float32 ("master weights"); only the computation is low precision.
///
///     let loss = withAutocast(.bfloat16) { crossEntropy(logits: model(x), targets: y) }  // float32 loss
///     loss.backward()   // outside the scope, as PyTorch recommends
public enum Autocast {
  @TaskLocal static var dtype: DType?
  /// The weight-cast cache of the outermost enclosing scope (see `AutocastCache`).
  @TaskLocal static var cache: AutocastCache?

  /// The low format of the enclosing `withAutocast` scope, or nil outside one.
  public static var currentDType: DType? { dtype }

  /// The inputs of `op` converted as autocast wants them, or nil when autocast is off or nothing
  /// needs converting (then the op runs on its inputs as they are). Only floating tensors other
  /// than float64 are converted, as in PyTorch; nil entries (an absent bias) stay nil. Outside a
  /// scope this costs one task-local read: the list of inputs is not even built.
  public static func inputs(of op: AutocastOp, _ tensors: @autoclosure () -> [Tensor?]) -> [Tensor?]? {
    guard let low = dtype else { return nil }
    let target: DType = op.policy == .lowerPrecision ? low : .float32
    var changed = false
    let cast = tensors().map { t -> Tensor? in
      guard let t, t.dtype.isFloatingPoint, t.dtype != .float64, t.dtype != target else { return t }
      changed = true
      if let cache, AutocastCache.isCacheable(t, to: target) { return cache.cast(t, to: target) }
      return t.to(target)
    }
    return changed ? cast : nil
  }
}

/// Runs `body` with autocast to `dtype` (float16 or bfloat16); `enabled: false` turns it off for
/// an inner scope. Task-local like `withNoGrad`. Backward passes never autocast.
///
/// Within the outermost scope a weight is cast to the low format once, however many ops use it
/// (`AutocastCache`); the copies are dropped when that scope ends.
public func withAutocast<R>(_ dtype: DType = .bfloat16, enabled: Bool = true, _ body: () throws -> R) rethrows -> R {
  precondition(dtype.isReducedPrecision, "withAutocast: the low format must be float16 or bfloat16, not \(dtype)")
  let cache = Autocast.cache ?? AutocastCache()
  return try Autocast.$cache.withValue(cache) { try Autocast.$dtype.withValue(enabled ? dtype : nil, operation: body) }
}
