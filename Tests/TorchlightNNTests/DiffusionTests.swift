import Foundation
import Testing
@testable import TorchlightNN

@Suite("Diffusion: noise schedules, the closed form, the U-Net's blocks") struct DiffusionTests {
  @Test func schedulesHaveThePublishedShape() {
    let linear = NoiseSchedule.linear(steps: 1000)
    #expect(linear.betas.first! == 1e-4 && Swift.abs(linear.betas.last! - 0.02) < 1e-15)
    // ᾱ_T of DDPM's schedule: exp(Σ log(1 − β_t)) ≈ 4.0e-5, the image is gone.
    let exact = Foundation.exp(linear.betas.map { Foundation.log(1 - $0) }.reduce(0, +))
    #expect(Swift.abs(linear.alphaBars.last! - exact) < 1e-12 && linear.alphaBars.last! < 1e-4)
    let cosine = NoiseSchedule.cosine(steps: 1000)
    #expect(zip(cosine.alphaBars, cosine.alphaBars.dropFirst()).allSatisfy { $0 > $1 })
    // The cosine schedule keeps more signal in the middle of the chain.
    #expect(cosine.alphaBars[500] > linear.alphaBars[500] * 3)
    #expect(linear.posteriorVariance(0) == 0 && linear.posteriorVariance(10) < linear.betas[10])
  }

  /// Many chains run step by step, x_t = √(1 − β_t) x_{t−1} + √β_t ε, against the closed form
  /// q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I): means and variances within a few standard errors.
  @Test(arguments: [NoiseSchedule.linear(steps: 200), .cosine(steps: 200)])
  func theChainMatchesTheClosedForm(_ schedule: NoiseSchedule) {
    let chains = 4000
    let x0 = Tensor([-1.0, -0.3, 0.2, 0.9], shape: [1, 4], dtype: .float64)
    let g = Generator(seed: 21)
    var x = x0.expanded([chains, 4]).contiguous()
    for t in 0..<schedule.steps {
      x = schedule.step(x, step: t, noise: Tensor.randn(x.shape, dtype: .float64, generator: g))
      guard [20, 100, 199].contains(t) else { continue }
      let a = schedule.alphaBars[t]
      let mean = x.mean(axis: 0).toDoubles(), variance = x.variance(axis: 0).toDoubles()
      let meanError = (1 - a).squareRoot() / Double(chains).squareRoot()        // std of a sample mean
      let varianceError = (1 - a) * (2 / Double(chains - 1)).squareRoot()       // std of a sample variance
      for (k, value) in x0.toDoubles().enumerated() {
        #expect(Swift.abs(mean[k] - a.squareRoot() * value) < 5 * meanError, "t = \(t), pixel \(k): mean \(mean[k])")
        #expect(Swift.abs(variance[k] - (1 - a)) < 5 * varianceError, "t = \(t), pixel \(k): variance \(variance[k])")
      }
    }
    // The closed form itself: noised(x0, t, ε) = √ᾱ x0 + √(1 − ᾱ) ε, one t per example.
    let eps = Tensor.randn([2, 4], dtype: .float64, generator: g)
    let jumped = schedule.noised(Tensor.cat([x0, x0], axis: 0), steps: [3, 150], noise: eps).toDoubles()
    let e = eps.toDoubles(), v = x0.toDoubles()
    for k in 0..<4 {
      #expect(Swift.abs(jumped[k] - (schedule.alphaBars[3].squareRoot() * v[k] + (1 - schedule.alphaBars[3]).squareRoot() * e[k])) < 1e-12)
      #expect(Swift.abs(jumped[4 + k] - (schedule.alphaBars[150].squareRoot() * v[k] + (1 - schedule.alphaBars[150]).squareRoot() * e[4 + k])) < 1e-12)
    }
  }

  /// v = √ᾱ ε − √(1 − ᾱ) x₀ is the derivative of x_t = cos φ x₀ + sin φ ε along φ, and from x_t and
  /// v the noise comes back exactly: ε = √(1 − ᾱ) x_t + √ᾱ v. Checked at a step near each end of the
  /// chain and one in the middle, one step per example.
  @Test(arguments: [NoiseSchedule.linear(steps: 1000), .cosine(steps: 1000)])
  func velocityIsTheRateOfTurningAndGivesTheNoiseBack(_ schedule: NoiseSchedule) {
    let g = Generator(seed: 22)
    let steps = [0, 500, 999]
    let x0 = Tensor.rand([3, 1, 2, 2], dtype: .float64, generator: g) * 2 - 1
    let eps = Tensor.randn([3, 1, 2, 2], dtype: .float64, generator: g)
    let v = schedule.velocity(x0, steps: steps, noise: eps).toDoubles()
    let xt = schedule.noised(x0, steps: steps, noise: eps)
    let (clean, noise) = (x0.toDoubles(), eps.toDoubles())
    for (k, t) in steps.enumerated() {
      // dx_t/dφ by central differences in φ, with cos φ = √ᾱ_t.
      let phi = Foundation.acos(schedule.alphaBars[t].squareRoot()), h = 1e-6
      for i in (4 * k)..<(4 * k + 4) {
        let slope = ((Foundation.cos(phi + h) - Foundation.cos(phi - h)) * clean[i] + (Foundation.sin(phi + h) - Foundation.sin(phi - h)) * noise[i]) / (2 * h)
        #expect(Swift.abs(v[i] - slope) < 1e-8, "t = \(t): v \(v[i]), dx/dφ \(slope)")
      }
      let one = [1, 1, 2, 2]
      let back = schedule.noise(fromVelocity: Tensor(Array(v[(4 * k)..<(4 * k + 4)]), shape: one, dtype: .float64),
                                xt.narrow(axis: 0, start: k, length: 1), step: t).toDoubles()
      for i in 0..<4 { #expect(Swift.abs(back[i] - noise[4 * k + i]) < 1e-12, "t = \(t)") }
    }
  }

  @Test func timestepEmbeddingIsSinesThenCosines() {
    let e = timestepEmbedding([0, 7], dim: 6, dtype: .float64).toDoubles()
    #expect(Array(e[0..<6]) == [0, 0, 0, 1, 1, 1])
    let frequencies = [1.0, Foundation.pow(10_000, -1.0 / 3), Foundation.pow(10_000, -2.0 / 3)]
    for i in 0..<3 {
      #expect(Swift.abs(e[6 + i] - Foundation.sin(7 * frequencies[i])) < 1e-12)
      #expect(Swift.abs(e[9 + i] - Foundation.cos(7 * frequencies[i])) < 1e-12)
    }
  }

  /// The residual block, first and second order, with non-contiguous inputs and its parameters.
  @Test(arguments: AttentionLayout.allCases) func residualBlockGradients(_ layout: AttentionLayout) {
    let block = TimeResidualBlock(4, 6, embeddingDim: 3, groups: 2, dtype: .float64, generator: Generator(seed: 5))
    let x = attentionLeaf([2, 4, 3, 3], layout, seed: 6), e = attentionLeaf([2, 3], layout, seed: 7)
    let f: ([Tensor]) -> Tensor = { block($0[0], embedding: $0[1]) }
    let first = gradientCheck(f, inputs: [x, e] + block.parameters())
    #expect(first.passed, "\(first)")
    let second = gradgradCheck(f, inputs: [x, e])
    #expect(second.passed, "second order: \(second)")
  }

  @Test func selfAttentionGradients() {
    let attention = SelfAttention2d(4, groups: 2, dtype: .float64, generator: Generator(seed: 8))
    let x = attentionLeaf([2, 4, 2, 3], .transposed, seed: 9)
    let first = gradientCheck({ attention($0[0]) }, inputs: [x] + attention.parameters())
    #expect(first.passed, "\(first)")
    let second = gradgradCheck({ attention($0[0]) }, inputs: [x])
    #expect(second.passed, "second order: \(second)")
  }

  /// The whole U-Net: ε̂ has the image's shape, every parameter gets a gradient, the label
  /// changes the output, and "no label" (index 10) is a label of its own.
  @Test func unetShapesAndGradientsReachEveryParameter() {
    let unet = DiffusionUNet(channels: 8, generator: Generator(seed: 10))
    let x = Tensor.randn([3, 1, 12, 12], generator: Generator(seed: 11))
    let labels = Tensor([Int64(0), 4, 10], shape: [3])
    let out = unet(x, steps: [0, 500, 999], labels: labels)
    #expect(out.shape == [3, 1, 12, 12])
    (out * out).sum().backward()
    let missing = unet.namedParameters().filter { $0.1.grad == nil }.map(\.0)
    #expect(missing.isEmpty, "no gradient: \(missing)")
    let other = unet(x, steps: [0, 500, 999], labels: Tensor([Int64(1), 4, 10], shape: [3]))
    let change = withNoGrad { (other - out).abs().sum(axis: 1).sum(axis: 1).sum(axis: 1) }.toDoubles()
    #expect(change[0] > 0 && change[1] == 0 && change[2] == 0)
  }
}
