import Foundation

/// Decays each rate by γ every `stepSize` steps (`StepLR`): lr(t) = lr₀ · γ^⌊t / stepSize⌋.
public final class StepLR: LRScheduler {
  public let stepSize: Int
  public let gamma: Double

  public init(optimizer: any Optimizer, stepSize: Int, gamma: Double = 0.1) {
    precondition(stepSize > 0, "StepLR: stepSize must be positive, got \(stepSize)")
    (self.stepSize, self.gamma) = (stepSize, gamma)
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    baseLRs.map { $0 * Foundation.pow(gamma, Double(epoch / stepSize)) }
  }
}

/// Decays each rate by γ at every milestone (`MultiStepLR`):
/// lr(t) = lr₀ · γ^(number of milestones ≤ t).
public final class MultiStepLR: LRScheduler {
  public let milestones: [Int]
  public let gamma: Double

  public init(optimizer: any Optimizer, milestones: [Int], gamma: Double = 0.1) {
    (self.milestones, self.gamma) = (milestones.sorted(), gamma)
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let passed = milestones.filter { $0 <= epoch }.count
    return baseLRs.map { $0 * Foundation.pow(gamma, Double(passed)) }
  }
}

/// Decays each rate by γ every step (`ExponentialLR`): lr(t) = lr₀ · γᵗ.
public final class ExponentialLR: LRScheduler {
  public let gamma: Double

  public init(optimizer: any Optimizer, gamma: Double) {
    self.gamma = gamma
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    baseLRs.map { $0 * Foundation.pow(gamma, Double(epoch)) }
  }
}

/// Multiplies each rate by `factor` for the first `totalIters` steps, then leaves it
/// (`ConstantLR`), a simple warm-up: lr(t) = lr₀ · (factor if t < totalIters else 1).
public final class ConstantLR: LRScheduler {
  public let factor: Double
  public let totalIters: Int

  public init(optimizer: any Optimizer, factor: Double = 1.0 / 3, totalIters: Int = 5) {
    precondition((0...1).contains(factor), "ConstantLR: factor must be in [0, 1], got \(factor)")
    (self.factor, self.totalIters) = (factor, totalIters)
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    baseLRs.map { epoch < totalIters ? $0 * factor : $0 }
  }
}

/// Scales each rate linearly from `startFactor` to `endFactor` over `totalIters` steps, then
/// keeps it (`LinearLR`), the usual linear warm-up:
/// lr(t) = lr₀ · (s + (e − s) · min(t, T) / T).
public final class LinearLR: LRScheduler {
  public let startFactor: Double
  public let endFactor: Double
  public let totalIters: Int

  public init(optimizer: any Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1.0, totalIters: Int = 5) {
    precondition(startFactor > 0 && startFactor <= 1, "LinearLR: startFactor must be in (0, 1], got \(startFactor)")
    precondition(endFactor >= 0 && endFactor <= 1, "LinearLR: endFactor must be in [0, 1], got \(endFactor)")
    precondition(totalIters > 0, "LinearLR: totalIters must be positive, got \(totalIters)")
    (self.startFactor, self.endFactor, self.totalIters) = (startFactor, endFactor, totalIters)
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    let factor = startFactor + (endFactor - startFactor) * Double(Swift.min(epoch, totalIters)) / Double(totalIters)
    return baseLRs.map { $0 * factor }
  }
}

/// Sets each rate to lr₀ · λ(t) for a function you give (`LambdaLR`), one function for all
/// groups or one per group. The functions are not saved in the state dict (nor are they in
/// PyTorch's): create the scheduler with the same ones before loading.
public final class LambdaLR: LRScheduler {
  public let lambdas: [(Int) -> Double]

  public init(optimizer: any Optimizer, lambda: @escaping (Int) -> Double) {
    lambdas = Array(repeating: lambda, count: optimizer.groupCount)
    super.init(optimizer: optimizer)
  }

  public init(optimizer: any Optimizer, lambdas: [(Int) -> Double]) {
    precondition(lambdas.count == optimizer.groupCount,
                 "LambdaLR: got \(lambdas.count) functions for \(optimizer.groupCount) parameter groups")
    self.lambdas = lambdas
    super.init(optimizer: optimizer)
  }

  public override func learningRates(at epoch: Int) -> [Double] {
    zip(baseLRs, lambdas).map { base, lambda in base * lambda(epoch) }
  }
}
