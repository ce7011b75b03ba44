/// The base of the learning-rate schedulers (`torch.optim.lr_scheduler.LRScheduler`).
///
/// A schedule is a formula lr(t) for the step count t: subclasses override
/// `learningRates(at:)`, and `step()` moves to t + 1 and writes the new rates into the
/// optimizer's parameter groups. Call `step()` once per epoch, after the epoch's
/// `optimizer.step()` calls (per batch for `OneCycleLR`). Creating a scheduler already applies
/// lr(0), as PyTorch does.
///
/// The base rates are the groups' learning rates when the first scheduler of the optimizer was
/// made; they are kept in each group as `"initial_lr"`, so several schedulers of one optimizer
/// (for `SequentialLR`) share them.
///
/// Every schedule here is computed in closed form from t, not by multiplying the previous rate
/// as several of PyTorch's do: the values agree to rounding, and resuming from a state dict or
/// jumping to any t gives exactly the same rates. A rate set by hand between steps is
/// overwritten by the next `step()`.
open class LRScheduler {
  public let optimizer: any Optimizer
  /// The learning rate of each group at t = 0.
  public internal(set) var baseLRs: [Double]
  /// t: the number of `step()` calls so far (`last_epoch`).
  public internal(set) var lastEpoch = 0
  /// The rates set by the last step (`get_last_lr()`).
  public internal(set) var lastLR: [Double] = []

  public init(optimizer: any Optimizer) {
    self.optimizer = optimizer
    for g in 0..<optimizer.groupCount where optimizer.hyperparameter("initial_lr", group: g) == nil {
      optimizer.setHyperparameter("initial_lr", group: g, to: optimizer.learningRates[g])
    }
    baseLRs = (0..<optimizer.groupCount).map { optimizer.hyperparameter("initial_lr", group: $0)! }
    update(to: 0)
  }

  /// The learning rate of every group at step `epoch`. Subclasses implement their formula here.
  open func learningRates(at epoch: Int) -> [Double] {
    fatalError("\(type(of: self)) must override learningRates(at:)")
  }

  /// Moves to step `epoch` and sets the optimizer's rates (subclasses that also change other
  /// hyperparameters, such as OneCycleLR's momentum, extend this).
  open func update(to epoch: Int) {
    lastEpoch = epoch
    let rates = learningRates(at: epoch)
    optimizer.learningRates = rates
    lastLR = rates
  }

  /// Advances the schedule by one step.
  public func step() { update(to: lastEpoch + 1) }

  /// `last_epoch`, `base_lrs` and `last_lr` as named tensors, plus what a subclass adds.
  open func stateDict() -> [(String, Tensor)] {
    [("last_epoch", count(lastEpoch)), ("base_lrs", vector(baseLRs)), ("last_lr", vector(lastLR))]
  }

  /// Restores `stateDict()`. Like PyTorch's, it leaves the optimizer alone: load the optimizer's
  /// state too (it holds the current rates), or call `update(to: lastEpoch)`.
  open func load(stateDict: [(String, Tensor)]) throws {
    let reader = try StateReader(stateDict, owner: String(describing: type(of: self)))
    let n = baseLRs.count
    let (epoch, base, last) = (try reader.int("last_epoch"), try reader.doubles("base_lrs", count: n),
                               try reader.doubles("last_lr", count: n))
    (lastEpoch, baseLRs, lastLR) = (epoch, base, last)
  }
}
