import Foundation

/// Cosine annealing from each base rate down to `etaMin` over `tMax` steps
/// (`CosineAnnealingLR`, in the closed form of SGDR without restarts):
///
///     lr(t) = η_min + (lr₀ − η_min) · (1 + cos(π t / T_max)) / 2
///
/// Past T_max the cosine continues and the rate climbs again, as in PyTorch; stop stepping or
/// chain another schedule if that is not wanted.
public final class CosineAnnealingLR: LRScheduler {
  public let tMax: Int
  public let etaMin: Double

  public init(optimizer: any Optimizer, tMax: Int, etaMin: Double = 0) {
    precondition(tMax > 0, "CosineAnnealingLR: tMax must be positive, got \(tMax)")
    (self.tMax, self.etaMin) = (tMax, etaMin)
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let cosine = (1 + Foundation.cos(Double.pi * Double(epoch) / Double(tMax))) / 2
    return baseLRs.map { etaMin + ($0 - etaMin) * cosine }
  }
}

/// Cosine annealing with warm restarts (SGDR, `CosineAnnealingWarmRestarts`): the cosine of
/// `CosineAnnealingLR` over a period T₀, then again over T₀·T_mult, T₀·T_mult², …
///
///     lr(t) = η_min + (lr₀ − η_min) · (1 + cos(π T_cur / T_i)) / 2
///
/// where T_i is the length of the current period and T_cur the steps since it began.
/// Steps are whole numbers here (PyTorch also accepts fractional epochs); to restart within an
/// epoch, step per batch and count T₀ in batches.
public final class CosineAnnealingWarmRestarts: LRScheduler {
  public let t0: Int
  public let tMult: Int
  public let etaMin: Double

  public init(optimizer: any Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0) {
    precondition(t0 > 0, "CosineAnnealingWarmRestarts: t0 must be positive, got \(t0)")
    precondition(tMult >= 1, "CosineAnnealingWarmRestarts: tMult must be at least 1, got \(tMult)")
    (self.t0, self.tMult, self.etaMin) = (t0, tMult, etaMin)
    super.init(optimizer: optimizer)
  }

  /// (T_cur, T_i) at step t.
  public func period(at epoch: Int) -> (tCur: Int, tI: Int) {
    var (tCur, tI) = (epoch, t0)
    while tCur >= tI { tCur -= tI; tI *= tMult }
    return (tCur, tI)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let (tCur, tI) = period(at: epoch)
    let cosine = (1 + Foundation.cos(Double.pi * Double(tCur) / Double(tI))) / 2
    return baseLRs.map { etaMin + ($0 - etaMin) * cosine }
  }
}
