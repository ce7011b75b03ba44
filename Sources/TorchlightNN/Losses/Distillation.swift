/// The knowledge-distillation loss of Hinton et al. (2015), as DeiT uses it with soft targets:
///
///     L = α·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α)·CE(s, y)
///
/// for student logits s, teacher logits t, labels y and temperature T. Dividing the logits by
/// T > 1 softens both distributions, so the student also learns how the teacher ranks the wrong
/// classes ("a shirt looks more like a T-shirt than a trouser"). The gradient of the KL term
/// with respect to s is (softmax(s/T) − softmax(t/T))/T per example, so the factor T² keeps
/// its size comparable to the hard-label term as T changes. The teacher gets no gradient.
///
/// - Parameters:
///   - studentLogits: [B, C], the model being trained.
///   - teacherLogits: [B, C], fixed (detached here).
///   - targets: [B] class indices (int64).
///   - temperature: T > 0.
///   - alpha: α ∈ [0, 1], the weight of the teacher (0: plain cross-entropy).
public func distillationLoss(studentLogits s: Tensor, teacherLogits t: Tensor, targets: Tensor, temperature: Double,
                             alpha: Double) -> Tensor {
  precondition(temperature > 0 && temperature.isFinite, "distillationLoss: temperature must be positive, got \(temperature)")
  precondition((0...1).contains(alpha), "distillationLoss: alpha must lie in [0, 1], got \(alpha)")
  guard s.rank == 2, t.shape == s.shape else {
    fatalError("distillationLoss: student and teacher logits must both be [B, C], got \(s.shape) and \(t.shape)")
  }
  let hard = crossEntropy(logits: s, targets: targets)
  guard alpha > 0 else { return hard }
  let soft = klDivLoss(logSoftmax(s / temperature, axis: 1), logSoftmax(t.detached().to(s.dtype) / temperature, axis: 1),
                       reduction: .batchmean, logTarget: true)
  return alpha * temperature * temperature * soft + (1 - alpha) * hard
}
