/// Cuts the learning rate when a watched metric stops improving (`ReduceLROnPlateau`).
///
/// Call `step(metric)` once per epoch with, say, the validation loss. A metric is an
/// improvement when it beats the best so far by more than `threshold`:
///
///     mode min, rel:  m < best · (1 − threshold)      mode max, rel:  m > best · (1 + threshold)
///     mode min, abs:  m < best − threshold            mode max, abs:  m > best + threshold
///
/// After more than `patience` epochs in a row without improvement, every rate becomes
/// max(lr · factor, minLR) (changes smaller than `eps` are skipped) and the count starts
/// again after `cooldown` epochs in which bad epochs are not counted.
public final class ReduceLROnPlateau {
  public enum Mode: Sendable { case min, max }
  public enum ThresholdMode: Sendable { case rel, abs }

  public let optimizer: any Optimizer
  public let mode: Mode
  public let factor: Double
  public let patience: Int
  public let threshold: Double
  public let thresholdMode: ThresholdMode
  public let cooldown: Int
  public let minLRs: [Double]
  public let eps: Double

  /// The best metric so far (+∞ or −∞ before the first step).
  public private(set) var best: Double
  /// Epochs since the last improvement, not counting cooldown epochs.
  public private(set) var numBadEpochs = 0
  /// Epochs of cooldown left.
  public private(set) var cooldownCounter = 0
  public private(set) var lastEpoch = 0
  public private(set) var lastLR: [Double]

  public init(optimizer: any Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10,
              threshold: Double = 1e-4, thresholdMode: ThresholdMode = .rel, cooldown: Int = 0,
              minLR: Double = 0, eps: Double = 1e-8) {
    precondition(factor < 1, "ReduceLROnPlateau: factor must be below 1, got \(factor)")
    self.optimizer = optimizer
    (self.mode, self.factor, self.patience, self.threshold) = (mode, factor, patience, threshold)
    (self.thresholdMode, self.cooldown, self.eps) = (thresholdMode, cooldown, eps)
    minLRs = Array(repeating: minLR, count: optimizer.groupCount)
    best = mode == .min ? .infinity : -.infinity
    lastLR = optimizer.learningRates
  }

  /// Whether `metric` improves on the best so far.
  public func isBetter(_ metric: Double) -> Bool {
    switch (mode, thresholdMode) {
    case (.min, .rel): metric < best * (1 - threshold)
    case (.min, .abs): metric < best - threshold
    case (.max, .rel): metric > best * (threshold + 1)
    case (.max, .abs): metric > best + threshold
    }
  }

  /// Records this epoch's metric and reduces the rates if it has plateaued.
  public func step(_ metric: Double) {
    lastEpoch += 1
    if isBetter(metric) {
      best = metric
      numBadEpochs = 0
    } else {
      numBadEpochs += 1
    }
    if cooldownCounter > 0 {
      cooldownCounter -= 1
      numBadEpochs = 0
    }
    if numBadEpochs > patience {
      var rates = optimizer.learningRates
      for g in rates.indices {
        let reduced = Swift.max(rates[g] * factor, minLRs[g])
        if rates[g] - reduced > eps { rates[g] = reduced }
      }
      optimizer.learningRates = rates
      cooldownCounter = cooldown
      numBadEpochs = 0
    }
    lastLR = optimizer.learningRates
  }

  public func stateDict() -> [(String, Tensor)] {
    [("best", scalar(best)), ("num_bad_epochs", count(numBadEpochs)), ("cooldown_counter", count(cooldownCounter)),
     ("last_epoch", count(lastEpoch)), ("last_lr", vector(lastLR))]
  }

  public func load(stateDict: [(String, Tensor)]) throws {
    let r = try StateReader(stateDict, owner: "ReduceLROnPlateau")
    let values = (try r.double("best"), try r.int("num_bad_epochs"), try r.int("cooldown_counter"),
                  try r.int("last_epoch"), try r.doubles("last_lr", count: lastLR.count))
    (best, numBadEpochs, cooldownCounter, lastEpoch, lastLR) = values
  }
}
