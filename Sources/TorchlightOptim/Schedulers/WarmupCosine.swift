import Foundation

/// A linear warm-up followed by a cosine decay to a floor, the schedule GPT training uses
/// (nanoGPT's, and what `SequentialLR` of `LinearLR(startFactor: 1/(W+1), totalIters: W)` and
/// `CosineAnnealingLR(tMax: T − W, etaMin:)` with milestone W computes). At step t, for each
/// base rate lr₀:
///
///     lr(t) = lr₀ · (t + 1)/(W + 1)                                  t < W   (warm-up)
///     lr(t) = η_min + (lr₀ − η_min) · (1 + cos(π (t − W)/(T − W)))/2   W ≤ t ≤ T
///     lr(t) = η_min                                                  t > T
///
/// The warm-up keeps the first updates small while Adam's second-moment estimates are still
/// noise; the slow cosine tail lets the last steps settle into a minimum. Step it once per
/// optimizer step.
public final class WarmupCosineLR: LRScheduler {
  /// W: steps of linear warm-up.
  public let warmupSteps: Int
  /// T: the step at which the rate reaches `etaMin` (nanoGPT's `lr_decay_iters`).
  public let decaySteps: Int
  /// η_min: the floor, the same for every group.
  public let etaMin: Double

  public init(optimizer: any Optimizer, warmupSteps: Int, decaySteps: Int, etaMin: Double = 0) {
    precondition(warmupSteps >= 0 && decaySteps > warmupSteps,
                 "WarmupCosineLR: need 0 ≤ warmupSteps < decaySteps, got \(warmupSteps) and \(decaySteps)")
    precondition(etaMin >= 0, "WarmupCosineLR: etaMin must be non-negative, got \(etaMin)")
    (self.warmupSteps, self.decaySteps, self.etaMin) = (warmupSteps, decaySteps, etaMin)
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let t = Double(epoch), w = Double(warmupSteps)
    if epoch < warmupSteps { return baseLRs.map { $0 * (t + 1) / (w + 1) } }
    if epoch > decaySteps { return baseLRs.map { _ in etaMin } }
    let cosine = (1 + Foundation.cos(Double.pi * (t - w) / Double(decaySteps - warmupSteps))) / 2
    return baseLRs.map { etaMin + ($0 - etaMin) * cosine }
  }
}
