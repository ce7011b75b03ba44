/// Dynamic loss scaling for float16 training (`torch.amp.GradScaler`, same algorithm and defaults).
///
/// float16 cannot hold magnitudes below 2⁻²⁴ ≈ 6·10⁻⁸, and many gradients are smaller. Scaling the
/// loss by S multiplies every gradient by S (backward is linear), lifting them into range; before
/// the optimizer uses them they are divided by S again, in float32. If S was too large some
/// gradient overflowed to ±∞ or NaN: that step is skipped and S is halved. After `growthInterval`
/// steps in a row without overflow S is doubled, so it stays near the largest safe value.
///
///     let scaler = GradScaler()
///     let loss = withAutocast(.float16) { crossEntropy(logits: model(x), targets: y) }
///     scaler.scaled(loss).backward()
///     scaler.unscale(optimizer)                          // optional: only to clip or inspect
///     clipGradNorm(optimizer.parameters, maxNorm: 1)     // on the true gradients
///     scaler.step(optimizer)                             // skipped if a gradient is inf/NaN
///     scaler.update()                                    // S ← S/2 after a skip, S·2 after 2000 clean steps
///
/// bfloat16 has float32's range, so its gradients do not underflow and it needs no scaler; that
/// is why PyTorch's CPU autocast defaults to bfloat16.
public final class GradScaler {
  /// S, the factor the loss is multiplied by.
  public private(set) var scale: Double
  public let growthFactor: Double
  public let backoffFactor: Double
  public let growthInterval: Int
  /// When false, `scaled` returns the loss as it is and `step` always steps.
  public let isEnabled: Bool
  /// Clean steps since the scale last changed (PyTorch's `_growth_tracker`).
  public private(set) var growthTracker = 0

  /// Where each optimizer is within the current iteration, and whether its gradients held an
  /// inf or NaN; cleared by `update()`.
  private enum Stage { case unscaled, stepped }
  private var stages: [ObjectIdentifier: (stage: Stage, foundInf: Bool)] = [:]

  public init(initScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5,
              growthInterval: Int = 2000, enabled: Bool = true) {
    precondition(initScale > 0 && initScale.isFinite, "GradScaler: initScale must be a positive finite number, got \(initScale)")
    precondition(growthFactor > 1, "GradScaler: growthFactor must be above 1, got \(growthFactor)")
    precondition(backoffFactor > 0 && backoffFactor < 1, "GradScaler: backoffFactor must lie in (0, 1), got \(backoffFactor)")
    precondition(growthInterval > 0, "GradScaler: growthInterval must be positive, got \(growthInterval)")
    scale = initScale
    self.growthFactor = growthFactor
    self.backoffFactor = backoffFactor
    self.growthInterval = growthInterval
    isEnabled = enabled
  }

  /// loss · S, to call `backward()` on (`scaler.scale(loss)`).
  public func scaled(_ loss: Tensor) -> Tensor { isEnabled ? loss * scale : loss }

  /// Divides the gradients of `optimizer`'s parameters by S in place (`unscale_`) and notes
  /// whether any of them is inf or NaN. At most once per optimizer and iteration, before `step`;
  /// call it yourself only to work on the true gradients first (clipping, logging).
  public func unscale(_ optimizer: Optimizer) {
    guard isEnabled else { return }
    let id = ObjectIdentifier(optimizer)
    if let stage = stages[id]?.stage {
      fatalError(stage == .unscaled
        ? "GradScaler.unscale: already called on this optimizer since the last update(); unscale once per iteration"
        : "GradScaler.unscale: called after step(); unscale before stepping, then update()")
    }
    let inverse = Double(Float(1 / scale))  // 1/S rounded to float32, as PyTorch computes it
    var foundInf = false
    withNoGrad {
      for p in optimizer.parameters {
        guard let g = p.grad else { continue }
        guard g.dtype != .float16 else {
          fatalError("GradScaler.unscale: a float16 gradient (parameter of shape \(p.shape)) cannot be unscaled safely; keep the parameters in float32 and autocast the computation")
        }
        if !foundInf { foundInf = (g - g).sum().item().isNaN }  // x − x is NaN exactly for inf and NaN
        g *= inverse
      }
    }
    stages[id] = (.unscaled, foundInf)
  }

  /// Unscales the gradients if `unscale` was not called, then runs `optimizer.step()` unless a
  /// gradient was inf or NaN. Returns whether the optimizer stepped.
  @discardableResult
  public func step(_ optimizer: Optimizer) -> Bool {
    guard isEnabled else {
      optimizer.step()
      return true
    }
    let id = ObjectIdentifier(optimizer)
    if stages[id]?.stage == .stepped {
      fatalError("GradScaler.step: already called on this optimizer since the last update(); call update() once per iteration")
    }
    if stages[id] == nil { unscale(optimizer) }
    let foundInf = stages[id]!.foundInf
    if !foundInf { optimizer.step() }
    stages[id] = (.stepped, foundInf)
    return !foundInf
  }

  /// Adjusts S for the next iteration: × backoffFactor if any optimizer's gradients held an inf
  /// or NaN this iteration (and the count of clean steps restarts), × growthFactor once
  /// `growthInterval` clean steps have passed in a row. `newScale` sets S directly instead.
  public func update(newScale: Double? = nil) {
    guard isEnabled else { return }
    defer { stages = [:] }
    if let newScale {
      precondition(newScale > 0 && newScale.isFinite, "GradScaler.update: newScale must be a positive finite number, got \(newScale)")
      scale = newScale
      return
    }
    precondition(!stages.isEmpty, "GradScaler.update: no gradients were checked since the last update(); call step(optimizer) first")
    if stages.values.contains(where: \.foundInf) {
      scale *= backoffFactor
      growthTracker = 0
    } else if growthTracker + 1 == growthInterval {
      if (scale * growthFactor).isFinite { scale *= growthFactor }
      growthTracker = 0
    } else {
      growthTracker += 1
    }
  }

  /// `scale`, the factors, the interval and the count of clean steps, by PyTorch's names.
  public func stateDict() -> [(String, Tensor)] {
    [("scale", scalar(scale)), ("growth_factor", scalar(growthFactor)), ("backoff_factor", scalar(backoffFactor)),
     ("growth_interval", count(growthInterval)), ("_growth_tracker", count(growthTracker))]
  }

  /// Restores the scale and the count of clean steps saved by `stateDict()`; the factors and the
  /// interval must be the ones this scaler was made with. On error nothing changes.
  public func load(stateDict: [(String, Tensor)]) throws {
    let reader = try StateReader(stateDict, owner: "GradScaler")
    let (saved, tracker) = (try reader.double("scale"), try reader.int("_growth_tracker"))
    let settings = [("growth_factor", growthFactor), ("backoff_factor", backoffFactor), ("growth_interval", Double(growthInterval))]
    for (name, mine) in settings where try reader.double(name) != mine {
      throw OptimizerStateError("GradScaler: the state dict has \(name) \(try reader.double(name)), this scaler \(mine)")
    }
    guard saved > 0, saved.isFinite, tracker >= 0, tracker < growthInterval else {
      throw OptimizerStateError("GradScaler: the state dict's scale \(saved) or _growth_tracker \(tracker) is out of range")
    }
    (scale, growthTracker) = (saved, tracker)
  }
}
