import Foundation

/// Rescales the gradients of `parameters` together so that their total norm is at most
/// `maxNorm`, and returns the total norm measured before clipping (`clip_grad_norm_`).
///
/// The total norm is the p-norm of all gradients seen as one long vector,
/// ‖g‖ₚ = (Σᵢ |gᵢ|ᵖ)^(1/p), or maxᵢ |gᵢ| for `normType: .infinity`. When it exceeds `maxNorm`
/// every gradient is multiplied by maxNorm / (‖g‖ + 10⁻⁶): the direction of the update is kept,
/// only its length shrinks. Parameters without a gradient are skipped. The returned norm is
/// the one to log when watching for exploding gradients.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2) -> Double {
  precondition(normType > 0, "clipGradNorm: normType must be positive (2, 1, .infinity…), got \(normType)")
  let grads = parameters.compactMap(\.grad)
  if grads.isEmpty { return 0 }
  return withNoGrad {
    var total = 0.0
    if normType == .infinity {
      for g in grads where g.count > 0 { total = Swift.max(total, g.abs().max().item()) }
    } else if normType == 2 {
      for g in grads { total += (g * g).sum().item() }
      total = total.squareRoot()
    } else if normType == 1 {
      for g in grads { total += g.abs().sum().item() }
    } else {
      for g in grads { total += g.abs().pow(normType).sum().item() }
      total = Foundation.pow(total, 1 / normType)
    }
    let coefficient = maxNorm / (total + 1e-6)
    if coefficient < 1 {
      for g in grads { g *= coefficient }
    }
    return total
  }
}

/// Clamps every gradient element of `parameters` into [−clipValue, clipValue]
/// (`clip_grad_value_`). Unlike `clipGradNorm` this changes the direction of the update.
public func clipGradValue(_ parameters: [Tensor], clipValue: Double) {
  precondition(clipValue >= 0, "clipGradValue: clipValue must be non-negative, got \(clipValue)")
  withNoGrad {
    for p in parameters {
      guard let g = p.grad else { continue }
      g.copy(from: g.clamp(min: -clipValue, max: clipValue))
    }
  }
}
