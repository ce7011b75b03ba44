import Foundation

/// Gamma and Beta draws: the Beta(α, α) mixing coefficient of MixUp and CutMix comes from here.
extension Tensor {
  /// Gamma(α, 1) draws, mean α and variance α (`torch._standard_gamma`, the sampler behind
  /// `torch.distributions.Gamma`), by Marsaglia and Tsang's squeeze method: for α ≥ 1, with
  /// d = α − 1/3 and c = 1/√(9d), d·(1 + c·z)³ for a standard normal z is accepted when
  /// log u < z²/2 + d − d·v + d·log v (v = (1 + c·z)³); about 5% of proposals are rejected.
  /// For α < 1, Gamma(α) = Gamma(α + 1)·u^(1/α).
  public static func gamma(_ shape: [Int], concentration alpha: Double, dtype: DType = Tensor.defaultDType,
                           generator: Generator? = nil) -> Tensor {
    precondition(alpha > 0 && alpha.isFinite, "gamma: concentration must be positive and finite, got \(alpha)")
    return drawn(shape, dtype: dtype, generator: generator) { Foundation.exp(logGammaDraw(alpha, $0)) }
  }

  /// Beta(α, β) draws in [0, 1], mean α/(α + β) (`torch.distributions.Beta`): X/(X + Y) for
  /// X ~ Gamma(α) and Y ~ Gamma(β). Computed from log X and log Y as 1/(1 + e^(log Y − log X)),
  /// so small α (where X and Y both underflow to 0) still gives 0 or 1, never 0/0.
  public static func beta(_ shape: [Int], alpha: Double, beta: Double, dtype: DType = Tensor.defaultDType,
                          generator: Generator? = nil) -> Tensor {
    precondition(alpha > 0 && alpha.isFinite && beta > 0 && beta.isFinite,
                 "beta: alpha and beta must be positive and finite, got alpha \(alpha), beta \(beta)")
    return drawn(shape, dtype: dtype, generator: generator) { g in
      let logX = logGammaDraw(alpha, g), logY = logGammaDraw(beta, g)
      return 1 / (1 + Foundation.exp(logY - logX))
    }
  }

  /// log of one Gamma(α, 1) draw (call inside the generator's lock).
  static func logGammaDraw(_ alpha: Double, _ g: Generator) -> Double {
    if alpha < 1 {
      // Gamma(α) = Gamma(α + 1)·u^(1/α); in logs, so u^(1/α) cannot underflow.
      let u = 1 - g.nextUniform()   // (0, 1]
      return logGammaDraw(alpha + 1, g) + Foundation.log(u) / alpha
    }
    let d = alpha - 1.0 / 3, c = 1 / (9 * d).squareRoot()
    while true {
      let z = g.nextNormalPair().0
      let t = 1 + c * z
      guard t > 0 else { continue }
      let v = t * t * t
      let u = 1 - g.nextUniform()
      if Foundation.log(u) < 0.5 * z * z + d - d * v + d * Foundation.log(v) { return Foundation.log(d * v) }
    }
  }
}
