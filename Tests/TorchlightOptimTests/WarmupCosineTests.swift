import Foundation
import Testing
@testable import TorchlightOptim

/// The schedule and optimizer settings of GPT training, against numbers PyTorch 2.13 printed
/// (float64): `SequentialLR(LinearLR(start_factor=1/(W+1), total_iters=W),
/// CosineAnnealingLR(T_max=T−W, eta_min))` for the schedule, and `torch.optim.AdamW` with two
/// parameter groups (weight decay 0.1 on the matrix, 0 on the bias), β₂ = 0.99, the rate set by
/// hand each step as nanoGPT does.
@Suite("Warm-up and cosine, AdamW groups") struct WarmupCosineTests {
  @Test func matchesPyTorchsSequentialWarmUpThenCosine() {
    let p = Tensor([0.0], shape: [1], dtype: .float64).requiringGrad()
    let optimizer = AdamW(parameters: [p], lr: 1e-3)
    let schedule = WarmupCosineLR(optimizer: optimizer, warmupSteps: 3, decaySteps: 10, etaMin: 1e-4)
    let pytorch = [0.00025, 0.0005, 0.00075, 0.001, 0.0009554359905560886, 0.0008305704108364301, 0.0006501344202803415,
                   0.00044986557971965854, 0.00026942958916356994, 0.00014456400944391144, 0.0001]
    var rates: [Double] = []
    for _ in pytorch.indices { rates.append(optimizer.lr); schedule.step() }
    expectClose(rates, pytorch, tolerance: 1e-15)
    // Past T the rate stays at the floor (PyTorch's cosine would climb again; nanoGPT clamps).
    #expect(schedule.learningRates(at: 11) == [1e-4] && schedule.learningRates(at: 5000) == [1e-4])
  }

  @Test func warmUpIsLinearFromOneStepIn() {
    let optimizer = AdamW(parameters: [Tensor.zeros([1], dtype: .float64).requiringGrad()], lr: 1e-3)
    let schedule = WarmupCosineLR(optimizer: optimizer, warmupSteps: 100, decaySteps: 2000, etaMin: 1e-4)
    #expect(Swift.abs(schedule.learningRates(at: 0)[0] - 1e-3 / 101) < 1e-18)
    #expect(Swift.abs(schedule.learningRates(at: 99)[0] - 1e-3 * 100 / 101) < 1e-18)
    #expect(schedule.learningRates(at: 100) == [1e-3])
    #expect(Swift.abs(schedule.learningRates(at: 1050)[0] - 5.5e-4) < 1e-15)   // halfway down the cosine
    #expect(Swift.abs(schedule.learningRates(at: 2000)[0] - 1e-4) < 1e-18)
  }

  @Test func adamWWithDecayOnMatricesOnlyMatchesPyTorch() {
    let w = Tensor([0.5, -1.0, 2.0, 0.25], shape: [2, 2], dtype: .float64).requiringGrad()
    let b = Tensor([0.1, -0.3], shape: [2], dtype: .float64).requiringGrad()
    let optimizer = AdamW(parameters: [w], lr: 0.01, betas: (0.9, 0.99), weightDecay: 0.1)
    optimizer.addParamGroup([b]) { $0.weightDecay = 0 }
    let schedule = WarmupCosineLR(optimizer: optimizer, warmupSteps: 2, decaySteps: 6, etaMin: 0.001)
    for step in 1...8 {
      let s = Double(step)
      w.setGrad(Tensor([0, 1, 2, 3].map { Foundation.cos(0.7 * s + Double($0)) }, shape: [2, 2], dtype: .float64))
      b.setGrad(Tensor([0, 1].map { Foundation.sin(0.3 * s + Double($0)) }, shape: [2], dtype: .float64))
      optimizer.step()
      schedule.step()
    }
    expectClose(w.toDoubles(), [0.4950137613320054, -0.9640405517488608, 2.019744306704955, 0.2564649411784032], tolerance: 1e-13)
    expectClose(b.toDoubles(), [0.06237313667903513, -0.3374563416664382], tolerance: 1e-13)
  }
}
