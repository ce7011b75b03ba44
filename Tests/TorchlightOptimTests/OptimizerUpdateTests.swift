import Foundation
import Testing
@testable import TorchlightOptim

/// Each optimizer's first steps on the quadratic match its update rule written out here in
/// plain Double arithmetic, one coordinate at a time.
@Suite("Optimizer update rules") struct OptimizerUpdateTests {
  let n = Quadratic.w0.count

  @Test(arguments: [(0.0, 0.0, false), (0.9, 0.0, false), (0.9, 0.5, false), (0.9, 0.0, true)])
  func sgd(momentum: Double, dampening: Double, nesterov: Bool) {
    let (lr, wd) = (0.02, 0.1)
    var w = Quadratic.w0, buffer: [Double]? = nil, want: [[Double]] = []
    for _ in 0..<3 {
      var g = Quadratic.gradient(w)
      for i in 0..<n { g[i] += wd * w[i] }
      if momentum != 0 {
        if var b = buffer {
          for i in 0..<n { b[i] = momentum * b[i] + (1 - dampening) * g[i] }
          buffer = b
        } else {
          buffer = g
        }
        for i in 0..<n { g[i] = nesterov ? g[i] + momentum * buffer![i] : buffer![i] }
      }
      for i in 0..<n { w[i] -= lr * g[i] }
      want.append(w)
    }
    expectClose(Quadratic.run { SGD(parameters: [$0], lr: lr, momentum: momentum, dampening: dampening,
                                     weightDecay: wd, nesterov: nesterov) }, want)
  }

  @Test func sgdMaximizeClimbs() {
    let down = Quadratic.run { SGD(parameters: [$0], lr: 0.01) }
    let up = Quadratic.run { SGD(parameters: [$0], lr: 0.01, maximize: true) }
    // One step of each moves by the same amount in opposite directions.
    for i in 0..<n { #expect(Swift.abs((down[0][i] - Quadratic.w0[i]) + (up[0][i] - Quadratic.w0[i])) < 1e-15) }
  }

  @Test(arguments: [(0.0, 0.0, 0.0), (0.1, 0.05, 0.5)])
  func adagrad(lrDecay: Double, weightDecay: Double, initial: Double) {
    let (lr, eps) = (0.1, 1e-10)
    var w = Quadratic.w0, sum = Array(repeating: initial, count: n), want: [[Double]] = []
    for t in 1...3 {
      var g = Quadratic.gradient(w)
      for i in 0..<n { g[i] += weightDecay * w[i] }
      let clr = lr / (1 + Double(t - 1) * lrDecay)
      for i in 0..<n {
        sum[i] += g[i] * g[i]
        w[i] -= clr * g[i] / (sum[i].squareRoot() + eps)
      }
      want.append(w)
    }
    expectClose(Quadratic.run { Adagrad(parameters: [$0], lr: lr, lrDecay: lrDecay, weightDecay: weightDecay,
                                         initialAccumulatorValue: initial) }, want)
  }

  @Test(arguments: [(false, 0.0, 0.0), (true, 0.0, 0.0), (false, 0.9, 0.0), (true, 0.9, 0.01)])
  func rmsprop(centered: Bool, momentum: Double, weightDecay: Double) {
    let (lr, alpha, eps) = (0.01, 0.99, 1e-8)
    var w = Quadratic.w0, v = Array(repeating: 0.0, count: n), gAvg = v, b = v, want: [[Double]] = []
    for _ in 0..<3 {
      var g = Quadratic.gradient(w)
      for i in 0..<n {
        g[i] += weightDecay * w[i]
        v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i]
        var variance = v[i]
        if centered {
          gAvg[i] = alpha * gAvg[i] + (1 - alpha) * g[i]
          variance -= gAvg[i] * gAvg[i]
        }
        let step = g[i] / (variance.squareRoot() + eps)
        if momentum > 0 {
          b[i] = momentum * b[i] + step
          w[i] -= lr * b[i]
        } else {
          w[i] -= lr * step
        }
      }
      want.append(w)
    }
    expectClose(Quadratic.run { RMSprop(parameters: [$0], lr: lr, weightDecay: weightDecay, momentum: momentum,
                                         centered: centered) }, want)
  }

  @Test func adadelta() {
    let (lr, rho, eps, wd) = (1.0, 0.9, 1e-6, 0.01)
    var w = Quadratic.w0, v = Array(repeating: 0.0, count: n), u = v, want: [[Double]] = []
    for _ in 0..<3 {
      let g0 = Quadratic.gradient(w)
      for i in 0..<n {
        let g = g0[i] + wd * w[i]
        v[i] = rho * v[i] + (1 - rho) * g * g
        let delta = (u[i] + eps).squareRoot() / (v[i] + eps).squareRoot() * g
        u[i] = rho * u[i] + (1 - rho) * delta * delta
        w[i] -= lr * delta
      }
      want.append(w)
    }
    expectClose(Quadratic.run { Adadelta(parameters: [$0], weightDecay: wd) }, want)
  }

  /// Adam's update in textbook form: m̂ / (√v̂ + ε). `decoupled` is AdamW.
  func adamReference(lr: Double, weightDecay: Double, amsgrad: Bool, decoupled: Bool, steps: Int = 3) -> [[Double]] {
    let (b1, b2, eps) = (0.9, 0.999, 1e-8)
    var w = Quadratic.w0, m = Array(repeating: 0.0, count: n), v = m, vMax = m, want: [[Double]] = []
    for t in 1...steps {
      let g0 = Quadratic.gradient(w)
      for i in 0..<n {
        var g = g0[i]
        if decoupled { w[i] *= 1 - lr * weightDecay } else { g += weightDecay * w[i] }
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        vMax[i] = Swift.max(vMax[i], v[i])
        let mHat = m[i] / (1 - pow(b1, Double(t)))
        let vHat = (amsgrad ? vMax[i] : v[i]) / (1 - pow(b2, Double(t)))
        w[i] -= lr * mHat / (vHat.squareRoot() + eps)
      }
      want.append(w)
    }
    return want
  }

  @Test(arguments: [(0.0, false), (0.1, false), (0.0, true), (0.1, true)])
  func adam(weightDecay: Double, amsgrad: Bool) {
    expectClose(Quadratic.run(steps: 5) { Adam(parameters: [$0], lr: 0.1, weightDecay: weightDecay, amsgrad: amsgrad) },
                adamReference(lr: 0.1, weightDecay: weightDecay, amsgrad: amsgrad, decoupled: false, steps: 5))
  }

  @Test func amsgradUsesTheLargestSecondMoment() {
    // A gradient that shrinks makes v fall; AMSGrad keeps the old maximum, so its steps are smaller.
    let w = Tensor([1.0], shape: [1], dtype: .float64).requiringGrad()
    let u = Tensor([1.0], shape: [1], dtype: .float64).requiringGrad()
    let plain = Adam(parameters: [w], lr: 0.1, betas: (0.5, 0.5)), ams = Adam(parameters: [u], lr: 0.1, betas: (0.5, 0.5), amsgrad: true)
    for g in [10.0, 0.1, 0.1] {
      w.setGrad(Tensor([g], shape: [1], dtype: .float64)); u.setGrad(Tensor([g], shape: [1], dtype: .float64))
      plain.step(); ams.step()
    }
    #expect(1 - u.item() < 1 - w.item())
    #expect(ams.groups[0].state[0].buffers["max_exp_avg_sq"]!.item() > ams.groups[0].state[0].buffers["exp_avg_sq"]!.item())
  }

  @Test(arguments: [0.0, 0.1])
  func adamW(weightDecay: Double) {
    expectClose(Quadratic.run(steps: 5) { AdamW(parameters: [$0], lr: 0.1, weightDecay: weightDecay) },
                adamReference(lr: 0.1, weightDecay: weightDecay, amsgrad: false, decoupled: true, steps: 5))
  }

  /// Adam updates a contiguous parameter and its state in place; a strided parameter, or state
  /// loaded in another dtype, takes the copying path. Both must give the same numbers exactly,
  /// and the in-place path must be seen through every view of the parameter.
  @Test(arguments: [false, true])
  func adamInPlaceMatchesTheCopyingPath(amsgrad: Bool) throws {
    let values = Tensor.randn([3, 4], dtype: .float64, generator: Generator(seed: 4))
    let dense = values.clone().requiringGrad()
    let strided = values.t().contiguous().t().requiringGrad()      // the same values, column-major
    #expect(!strided.isContiguous)
    let view = dense.detached().narrow(axis: 0, start: 1, length: 1)
    let a = AdamW(parameters: [dense], lr: 0.1, weightDecay: 0.1, amsgrad: amsgrad)
    let b = AdamW(parameters: [strided], lr: 0.1, weightDecay: 0.1, amsgrad: amsgrad)
    for step in 0..<4 {
      for (p, o) in [(dense, a), (strided, b)] as [(Tensor, AdamW)] {
        o.zeroGrad()
        ((p * p).sum() + (p * Double(step + 1)).sin().sum()).backward()
        o.step()
      }
      #expect(dense.toDoubles() == strided.toDoubles())
    }
    #expect(view.toDoubles() == Array(dense.toDoubles()[4..<8]))
    // State restored in float32 for a float64 parameter: converted on the next step, as before.
    let c = AdamW(parameters: [dense], lr: 0.1, weightDecay: 0.1, amsgrad: amsgrad)
    try c.load(stateDict: a.stateDict().map { ($0, $1.dtype == .float64 ? $1.to(.float32) : $1) })
    c.zeroGrad()
    (dense * dense).sum().backward()
    c.step()
    let restored = try #require(c.groups[0].state[0].buffers["exp_avg"])
    #expect(restored.dtype == .float64)
    #expect(dense.toDoubles().allSatisfy { $0.isFinite })
  }

  @Test func decoupledDecayDiffersFromL2() {
    let l2 = Quadratic.run { Adam(parameters: [$0], lr: 0.1, weightDecay: 0.1) }
    let decoupled = Quadratic.run { AdamW(parameters: [$0], lr: 0.1, weightDecay: 0.1) }
    #expect(zip(l2[2], decoupled[2]).contains { Swift.abs($0 - $1) > 1e-4 })
    #expect(AdamW(parameters: []).defaults.weightDecay == 0.01 && Adam(parameters: []).defaults.weightDecay == 0)
  }

  @Test func adamax() {
    let (lr, b1, b2, eps, wd) = (0.1, 0.9, 0.999, 1e-8, 0.05)
    var w = Quadratic.w0, m = Array(repeating: 0.0, count: n), u = m, want: [[Double]] = []
    for t in 1...3 {
      let g0 = Quadratic.gradient(w)
      for i in 0..<n {
        let g = g0[i] + wd * w[i]
        m[i] = b1 * m[i] + (1 - b1) * g
        u[i] = Swift.max(b2 * u[i], Swift.abs(g) + eps)
        w[i] -= lr / (1 - pow(b1, Double(t))) * m[i] / u[i]
      }
      want.append(w)
    }
    expectClose(Quadratic.run { Adamax(parameters: [$0], lr: lr, weightDecay: wd) }, want)
  }

  @Test(arguments: [(0.0, false), (0.1, false), (0.1, true)])
  func nadam(weightDecay: Double, decoupled: Bool) {
    let (lr, b1, b2, eps, psi) = (0.1, 0.9, 0.999, 1e-8, 0.004)
    var w = Quadratic.w0, m = Array(repeating: 0.0, count: n), v = m, want: [[Double]] = []
    func mu(_ t: Double) -> Double { b1 * (1 - 0.5 * pow(0.96, t * psi)) }
    var product = 1.0     // Π_{i=1}^{t} μᵢ
    for step in 1...4 {
      let t = Double(step)
      let g0 = Quadratic.gradient(w)
      product *= mu(t)
      let productNext = product * mu(t + 1)
      for i in 0..<n {
        var g = g0[i]
        if decoupled { w[i] *= 1 - lr * weightDecay } else { g += weightDecay * w[i] }
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        let mHat = mu(t + 1) * m[i] / (1 - productNext) + (1 - mu(t)) * g / (1 - product)
        let vHat = v[i] / (1 - pow(b2, t))
        w[i] -= lr * mHat / (vHat.squareRoot() + eps)
      }
      want.append(w)
    }
    expectClose(Quadratic.run(steps: 4) { NAdam(parameters: [$0], lr: lr, weightDecay: weightDecay,
                                                 decoupledWeightDecay: decoupled) }, want)
  }

  /// RAdam takes plain momentum steps until ρₜ > 5 (step 6 with β₂ = 0.999), then rectified
  /// adaptive ones: ten steps cover both.
  @Test(arguments: [(0.0, false), (0.1, false), (0.1, true)])
  func radam(weightDecay: Double, decoupled: Bool) {
    let (lr, b1, b2, eps) = (0.05, 0.9, 0.999, 1e-8)
    let rhoInf = 2 / (1 - b2) - 1
    var w = Quadratic.w0, m = Array(repeating: 0.0, count: n), v = m, want: [[Double]] = []
    var rectified: [Bool] = []
    for step in 1...10 {
      let t = Double(step)
      let g0 = Quadratic.gradient(w)
      let rho = rhoInf - 2 * t * pow(b2, t) / (1 - pow(b2, t))
      rectified.append(rho > 5)
      for i in 0..<n {
        var g = g0[i]
        if decoupled { w[i] *= 1 - lr * weightDecay } else { g += weightDecay * w[i] }
        m[i] = b1 * m[i] + (1 - b1) * g
        v[i] = b2 * v[i] + (1 - b2) * g * g
        let mHat = m[i] / (1 - pow(b1, t))
        if rho > 5 {
          let l = (1 - pow(b2, t)).squareRoot() / (v[i].squareRoot() + eps)
          let r = ((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)).squareRoot()
          w[i] -= lr * mHat * r * l
        } else {
          w[i] -= lr * mHat
        }
      }
      want.append(w)
    }
    #expect(rectified.contains(true) && rectified.contains(false))
    expectClose(Quadratic.run(steps: 10) { RAdam(parameters: [$0], lr: lr, weightDecay: weightDecay,
                                                  decoupledWeightDecay: decoupled) }, want)
  }

  @Test func defaultsAreTorchs() {
    let p = [Tensor.zeros([1])]
    #expect(SGD(parameters: p).lr == 1e-3)
    #expect(Adagrad(parameters: p).defaults.eps == 1e-10 && Adagrad(parameters: p).lr == 1e-2)
    let rms = RMSprop(parameters: p).defaults
    #expect(rms.lr == 1e-2 && rms.alpha == 0.99 && rms.eps == 1e-8 && !rms.centered)
    let ada = Adadelta(parameters: p).defaults
    #expect(ada.lr == 1 && ada.rho == 0.9 && ada.eps == 1e-6)
    let adam = Adam(parameters: p).defaults
    #expect(adam.lr == 1e-3 && adam.betas == (0.9, 0.999) && adam.eps == 1e-8 && !adam.amsgrad)
    #expect(Adamax(parameters: p).lr == 2e-3 && NAdam(parameters: p).lr == 2e-3 && RAdam(parameters: p).lr == 1e-3)
    #expect(NAdam(parameters: p).defaults.momentumDecay == 4e-3)
  }

  @Test func float32ParametersStayFloat32() {
    let w = Tensor([1, 2, 3] as [Float], shape: [3]).requiringGrad()
    let optimizer = Adam(parameters: [w], lr: 0.1, weightDecay: 0.01)
    (w * w).sum().backward()
    optimizer.step()
    #expect(w.dtype == .float32 && optimizer.groups[0].state[0].buffers["exp_avg"]!.dtype == .float32)
    #expect(zip(w.toDoubles(), [0.9, 1.9, 2.9]).allSatisfy { Swift.abs($0 - $1) < 1e-3 })   // Adam's first step is ≈ lr
  }

  @Test func parametersWithoutGradientAreSkipped() {
    let used = Tensor([1.0], shape: [1], dtype: .float64).requiringGrad()
    let unused = Tensor([1.0], shape: [1], dtype: .float64).requiringGrad()
    let optimizer = Adam(parameters: [used, unused], lr: 0.1)
    used.setGrad(Tensor([1.0], shape: [1], dtype: .float64))
    optimizer.step()
    #expect(unused.item() == 1 && used.item() < 1)
    #expect(optimizer.groups[0].state[1].step == 0 && optimizer.groups[0].state[0].step == 1)
  }
}
