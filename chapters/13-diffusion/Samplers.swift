import TorchlightNN

/// A trained denoiser as the samplers see it: ε̂(x_t, t) for a batch x_t that is all at step t.
typealias NoisePredictor = (_ x: Tensor, _ step: Int) -> Tensor

/// Ancestral DDPM sampling: from x_{T−1} ~ N(0, I), each step removes the predicted noise and
/// adds a little fresh noise,
///
///     x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) · ε̂(x_t, t)) / √α_t + σ_t z,    σ_t² = β̃_t, z ~ N(0, I).
///
/// `record(t, x)` sees the batch after every step (t = T−1 … 0, then before the first: t = T).
func ddpmSample(_ schedule: NoiseSchedule, shape: [Int], generator: Generator, _ predict: NoisePredictor,
                record: (Int, Tensor) -> Void = { _, _ in }) -> Tensor {
  withNoGrad {
    var x = Tensor.randn(shape, generator: generator)
    record(schedule.steps, x)
    for t in (0..<schedule.steps).reversed() {
      let epsilon = predict(x, t)
      let mean = (x - epsilon * (schedule.betas[t] / (1 - schedule.alphaBars[t]).squareRoot())) / schedule.alphas[t].squareRoot()
      x = t > 0 ? mean + Tensor.randn(shape, generator: generator) * schedule.posteriorVariance(t).squareRoot() : mean
      record(t, x)
    }
    return x
  }
}

/// The S steps a DDIM sampler visits, from T−1 down to 0, evenly spaced.
func ddimTimesteps(total: Int, count: Int) -> [Int] {
  precondition((1...total).contains(count), "ddimTimesteps: \(count) steps out of \(total)")
  guard count > 1 else { return [total - 1] }
  return (0..<count).map { Int((Double($0) * Double(total - 1) / Double(count - 1)).rounded()) }.reversed()
}

/// Deterministic DDIM sampling (η = 0) in `count` steps: at each visited t, estimate the clean
/// image and move it to the next visited step s < t along the same noise,
///
///     x̂₀ = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t,    x_s = √ᾱ_s x̂₀ + √(1 − ᾱ_s) ε̂      (ᾱ after the last step: 1).
///
/// With `clip`, x̂₀ is clamped to the data's range (and ε̂ recomputed to match). `record(t, x, x̂₀)`
/// sees every step.
func ddimSample(_ schedule: NoiseSchedule, start: Tensor, count: Int, clip: ClosedRange<Double>? = nil,
                _ predict: NoisePredictor, record: (Int, Tensor, Tensor) -> Void = { _, _, _ in }) -> Tensor {
  withNoGrad {
    var x = start
    let visited = ddimTimesteps(total: schedule.steps, count: count)
    for (i, t) in visited.enumerated() {
      let alphaBar = schedule.alphaBars[t]
      let next = i + 1 < visited.count ? schedule.alphaBars[visited[i + 1]] : 1
      var epsilon = predict(x, t)
      var x0 = (x - epsilon * (1 - alphaBar).squareRoot()) / alphaBar.squareRoot()
      if let clip {
        x0 = x0.clamp(min: clip.lowerBound, max: clip.upperBound)
        epsilon = (x - x0 * alphaBar.squareRoot()) / (1 - alphaBar).squareRoot()
      }
      x = x0 * next.squareRoot() + epsilon * (1 - next).squareRoot()
      record(t, x, x0)
    }
    return x
  }
}
