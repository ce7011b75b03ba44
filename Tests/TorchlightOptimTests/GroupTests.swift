import Foundation
import Testing
@testable import TorchlightOptim

@Suite("Parameter groups and zeroGrad") struct GroupTests {
  func scalarParameter(_ value: Double = 1) -> Tensor { Tensor([value], shape: [1], dtype: .float64).requiringGrad() }

  @Test func groupsUpdateAtTheirOwnRates() {
    let backbone = scalarParameter(), head = scalarParameter()
    let optimizer = SGD(parameters: [head], lr: 0.1, momentum: 0.9)
    optimizer.addParamGroup([backbone]) { $0.lr = 0.01 }
    #expect(optimizer.groupCount == 2 && optimizer.learningRates == [0.1, 0.01])
    #expect(optimizer.groups[1].momentum == 0.9, "a new group starts from the defaults")
    for _ in 0..<3 {
      for p in [backbone, head] { p.setGrad(Tensor([1.0], shape: [1], dtype: .float64)) }
      optimizer.step()
    }
    // Momentum 0.9 with a constant gradient 1: steps of lr·(1, 1.9, 2.71).
    #expect(Swift.abs((1 - head.item()) - 0.1 * 5.61) < 1e-12)
    #expect(Swift.abs((1 - backbone.item()) - 0.01 * 5.61) < 1e-12)
    #expect(optimizer.parameters.count == 2)
  }

  @Test func learningRatesAndHyperparametersPerGroup() {
    let optimizer = Adam(parameters: [scalarParameter()], lr: 1e-3)
    optimizer.addParamGroup([scalarParameter()]) { $0.lr = 1e-4; $0.betas.0 = 0.8 }
    optimizer.lr = 0.5                                     // sets every group, as before
    #expect(optimizer.learningRates == [0.5, 0.5])
    optimizer.learningRates = [0.2, 0.02]
    #expect(optimizer.lr == 0.2 && optimizer.groups[1].lr == 0.02)
    #expect(optimizer.hyperparameter("beta1", group: 1) == 0.8 && optimizer.hyperparameter("amsgrad", group: 0) == 0)
    optimizer.setHyperparameter("beta2", group: 0, to: 0.99)
    optimizer.setHyperparameter("initial_lr", group: 0, to: 0.3)
    #expect(optimizer.groups[0].betas.1 == 0.99 && optimizer.groups[0].extras["initial_lr"] == 0.3)
    #expect(optimizer.hyperparameter("no_such_thing", group: 0) == nil)
  }

  @Test func zeroGradSetsToNilOrZeroes() {
    let w = scalarParameter(2)
    let optimizer = SGD(parameters: [w], lr: 0.1)
    (w * w).sum().backward()
    let buffer = w.grad!
    optimizer.zeroGrad(setToNil: false)
    #expect(w.grad === buffer && buffer.item() == 0, "the same tensor, filled with zeros")
    (w * w).sum().backward()
    #expect(w.grad === buffer && buffer.item() == 4, "backward adds into it")
    optimizer.zeroGrad()
    #expect(w.grad == nil)
    optimizer.step()                                       // no gradient: nothing happens
    #expect(w.item() == 2)
  }

  @Test func existingCallersStillWork() {
    // The chapters' form: SGD(parameters:lr:weightDecay:), step(), zeroGrad().
    let w = scalarParameter(1)
    let optimizer: any Optimizer = SGD(parameters: [w], lr: 0.5, weightDecay: 0.1)
    w.setGrad(Tensor([1.0], shape: [1], dtype: .float64))
    optimizer.step()
    optimizer.zeroGrad()
    #expect(Swift.abs(w.item() - (1 - 0.5 * (1 + 0.1))) < 1e-15 && w.grad == nil)
  }
}
