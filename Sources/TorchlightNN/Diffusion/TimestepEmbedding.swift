import Foundation

/// The sinusoidal embedding of diffusion steps (the Transformer's positional encoding, used by
/// DDPM for t): for frequencies ω_i = 10000^(−i/(d/2)), i = 0…d/2−1, the row of step t is
/// [sin(t ω_0), …, sin(t ω_{d/2−1}), cos(t ω_0), …, cos(t ω_{d/2−1})]. Returns [N, dim] for N steps.
public func timestepEmbedding(_ steps: [Double], dim: Int, dtype: DType = Tensor.defaultDType) -> Tensor {
  precondition(dim >= 2 && dim % 2 == 0, "timestepEmbedding: dim must be even and at least 2, got \(dim)")
  let half = dim / 2
  let frequencies = (0..<half).map { Foundation.exp(-Foundation.log(10_000.0) * Double($0) / Double(half)) }
  var values: [Double] = []
  values.reserveCapacity(steps.count * dim)
  for t in steps {
    values += frequencies.map { Foundation.sin(t * $0) }
    values += frequencies.map { Foundation.cos(t * $0) }
  }
  return Tensor(values, shape: [steps.count, dim], dtype: dtype)
}
