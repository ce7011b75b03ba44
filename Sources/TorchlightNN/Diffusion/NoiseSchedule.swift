import Foundation

/// The forward (noising) process of a diffusion model, q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I),
/// described by its variances β_t. Steps are numbered 0…T−1 here (the DDPM paper's 1…T).
///
/// Everything a sampler needs follows from β: α_t = 1 − β_t and ᾱ_t = α_0 · α_1 ⋯ α_t, the share
/// of the clean image's signal left after step t, which gives the closed form
/// q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I).
public struct NoiseSchedule: Sendable {
  public let betas: [Double]
  public let alphas: [Double]
  public let alphaBars: [Double]

  /// A schedule from its variances β_t, each in (0, 1).
  public init(betas: [Double]) {
    precondition(!betas.isEmpty && betas.allSatisfy { $0 > 0 && $0 < 1 },
                 "NoiseSchedule: every β_t must lie in (0, 1), got \(betas.count) values from \(betas.min() ?? .nan) to \(betas.max() ?? .nan)")
    self.betas = betas
    alphas = betas.map { 1 - $0 }
    var product = 1.0
    alphaBars = alphas.map { product *= $0; return product }
  }

  /// The number of steps T.
  public var steps: Int { betas.count }

  /// β rising linearly from `betaStart` to `betaEnd` over `steps` steps: DDPM's schedule is
  /// 1e-4 → 0.02 over T = 1000.
  public static func linear(steps: Int, betaStart: Double = 1e-4, betaEnd: Double = 0.02) -> NoiseSchedule {
    precondition(steps >= 2, "NoiseSchedule.linear: at least 2 steps, got \(steps)")
    return NoiseSchedule(betas: (0..<steps).map { betaStart + (betaEnd - betaStart) * Double($0) / Double(steps - 1) })
  }

  /// The linear schedule for T steps scaled to destroy the signal as much as DDPM's 1000 steps
  /// do: β from 1e-4 · 1000/T to 0.02 · 1000/T (for short chains such as a toy's T = 100).
  public static func scaledLinear(steps: Int) -> NoiseSchedule {
    let scale = 1000 / Double(steps)
    return linear(steps: steps, betaStart: 1e-4 * scale, betaEnd: min(0.02 * scale, 0.999))
  }

  /// Nichol and Dhariwal's cosine schedule: ᾱ(t) = f(t)/f(0) with f(t) = cos²((t/T + s)/(1 + s) · π/2),
  /// so the signal fades slowly at both ends; β_t = 1 − ᾱ_t/ᾱ_{t−1}, capped at 0.999.
  public static func cosine(steps: Int, offset s: Double = 0.008) -> NoiseSchedule {
    precondition(steps >= 2, "NoiseSchedule.cosine: at least 2 steps, got \(steps)")
    func f(_ t: Double) -> Double { let c = Foundation.cos((t / Double(steps) + s) / (1 + s) * Double.pi / 2); return c * c }
    return NoiseSchedule(betas: (0..<steps).map { min(1 - f(Double($0 + 1)) / f(Double($0)), 0.999) })
  }

  /// Variance of the reverse step's noise with DDPM's choice σ_t² = β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · β_t,
  /// the variance of q(x_{t−1} | x_t, x_0); zero at t = 0.
  public func posteriorVariance(_ t: Int) -> Double {
    t == 0 ? 0 : (1 - alphaBars[t - 1]) / (1 - alphaBars[t]) * betas[t]
  }

  /// x_t drawn in one jump from the closed form: √ᾱ_t x_0 + √(1 − ᾱ_t) ε, with one step t per
  /// example of the batch (`x0` is [N, …], `noise` like it).
  public func noised(_ x0: Tensor, steps t: [Int], noise: Tensor) -> Tensor {
    let (signal, spread) = coefficients(t, like: x0, "noised")
    return x0 * signal + noise * spread
  }

  /// The velocity v = √ᾱ_t ε − √(1 − ᾱ_t) x_0 (Salimans and Ho, 2022), a v-prediction model's
  /// target: the rate at which x_t turns from image into noise when x_t = cos φ x_0 + sin φ ε is
  /// seen as a point on a circle, v = dx_t/dφ. One step t per example.
  public func velocity(_ x0: Tensor, steps t: [Int], noise: Tensor) -> Tensor {
    let (signal, spread) = coefficients(t, like: x0, "velocity")
    return noise * signal - x0 * spread
  }

  /// The noise that a predicted velocity implies for x_t at step t: ε = √(1 − ᾱ_t) x_t + √ᾱ_t v
  /// (and x_0 = √ᾱ_t x_t − √(1 − ᾱ_t) v), so samplers written for ε-prediction run v-models too.
  public func noise(fromVelocity v: Tensor, _ x: Tensor, step t: Int) -> Tensor {
    x * (1 - alphaBars[t]).squareRoot() + v * alphaBars[t].squareRoot()
  }

  /// √ᾱ_t and √(1 − ᾱ_t) per example, shaped [N, 1, …, 1] to broadcast over `x`'s other axes.
  private func coefficients(_ t: [Int], like x: Tensor, _ op: String) -> (signal: Tensor, spread: Tensor) {
    precondition(t.count == x.shape[0], "NoiseSchedule.\(op): \(t.count) steps for a batch of \(x.shape[0])")
    let shape = [x.shape[0]] + Array(repeating: 1, count: x.rank - 1)
    return (Tensor(t.map { alphaBars[$0].squareRoot() }, shape: shape, dtype: x.dtype),
            Tensor(t.map { (1 - alphaBars[$0]).squareRoot() }, shape: shape, dtype: x.dtype))
  }

  /// One step of the chain, x_t = √(1 − β_t) x_{t−1} + √β_t ε: the definition the closed form summarises.
  public func step(_ previous: Tensor, step t: Int, noise: Tensor) -> Tensor {
    previous * alphas[t].squareRoot() + noise * betas[t].squareRoot()
  }
}
