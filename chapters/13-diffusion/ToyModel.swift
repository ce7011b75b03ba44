import TorchlightNN

/// Two interleaved half circles ("two moons"), jittered by Gaussian noise of std `noise`, then
/// standardised to mean 0 and standard deviation 1 per axis: [count, 2].
func twoMoons(count: Int, noise: Double = 0.05, generator: Generator) -> Tensor {
  let half = count / 2
  let angle = Tensor.rand([count, 1], dtype: .float64, generator: generator) * Double.pi
  let upper = Tensor.cat([angle.cos(), angle.sin()], axis: 1).narrow(axis: 0, start: 0, length: half)
  let lower = Tensor.cat([1 - angle.cos(), 0.5 - angle.sin()], axis: 1).narrow(axis: 0, start: half, length: count - half)
  let points = Tensor.cat([upper, lower], axis: 0) + Tensor.randn([count, 2], dtype: .float64, generator: generator) * noise
  let mean = points.mean(axis: 0, keepDims: true), std = points.variance(axis: 0, keepDims: true).sqrt()
  // Shuffled, so any prefix holds both moons.
  return ((points - mean) / std).indexSelect(axis: 0, index: Tensor.randperm(count, generator: generator)).float()
}

/// The toy denoiser: an MLP on the point and the step's sinusoidal embedding,
/// ε̂(x_t, t) = MLP([x_t, emb(t)]), three hidden layers of `width` with SiLU.
final class ToyDenoiser: Module {
  let embeddingDim: Int
  let layers: Sequential

  init(width: Int = 128, embeddingDim: Int = 32, generator: Generator) {
    self.embeddingDim = embeddingDim
    layers = Sequential(Linear(inFeatures: 2 + embeddingDim, outFeatures: width, generator: generator), SiLU(),
                        Linear(inFeatures: width, outFeatures: width, generator: generator), SiLU(),
                        Linear(inFeatures: width, outFeatures: width, generator: generator), SiLU(),
                        Linear(inFeatures: width, outFeatures: 2, generator: generator))
  }

  /// ε̂ for points `x` [N, 2] at steps `t` (one per point).
  func callAsFunction(_ x: Tensor, steps t: [Double]) -> Tensor {
    layers(Tensor.cat([x, timestepEmbedding(t, dim: embeddingDim)], axis: 1))
  }

  override func forward(_ x: Tensor) -> Tensor { fatalError("ToyDenoiser needs the steps: call model(x, steps: t)") }
}

/// The simplified DDPM loss of one batch of clean points: draw t uniformly and ε ~ N(0, I), form
/// x_t in one jump, and score the predicted noise, ‖ε − ε̂(x_t, t)‖² averaged.
func simplifiedLoss(_ x0: Tensor, schedule: NoiseSchedule, generator: Generator,
                    predict: (Tensor, [Double]) -> Tensor) -> Tensor {
  let t = Tensor.randint(0, schedule.steps, [x0.shape[0]], generator: generator).toArray(Int64.self).map(Int.init)
  let noise = Tensor.randn(x0.shape, generator: generator)
  let xt = schedule.noised(x0, steps: t, noise: noise)
  return mseLoss(predict(xt, t.map(Double.init)), noise)
}

/// Mean distance from each point of `points` [N, 2] to its nearest neighbour in `data` [M, 2].
func meanNearestDistance(_ points: Tensor, to data: Tensor) -> Double {
  withNoGrad {
    // ‖p − d‖² = ‖p‖² − 2 p·d + ‖d‖², all pairs in one product.
    let squared = (points * points).sum(axis: 1, keepDims: true) - points.matmul(data.transposed()) * 2
      + (data * data).sum(axis: 1).unsqueezed(axis: 0)
    return squared.amin(axes: [1]).clamp(min: 0).sqrt().mean().item()
  }
}
