import Testing
@testable import TorchlightNN
@testable import TorchlightOptim

/// A float64 leaf holding seeded values, laid out transposed (non-contiguous) when it has two axes.
func leaf64(_ shape: [Int], seed: UInt64, transposed: Bool = true) -> Tensor {
  let g = Generator(seed: seed)
  if transposed && shape.count == 2 {
    return Tensor.randn([shape[1], shape[0]], dtype: .float64, generator: g).t().requiringGrad()
  }
  return Tensor.randn(shape, dtype: .float64, generator: g).requiringGrad()
}

@Suite("Modules") struct ModuleTests {
  @Test func parameterCountsOfEveryLayer() {
    // Each layer's count, so a parameter that reflection misses shows up here.
    #expect(Linear(inFeatures: 3, outFeatures: 2).parameterCount == 8)
    #expect(Linear(inFeatures: 3, outFeatures: 2, bias: false).parameterCount == 6)
    #expect(Sequential(Linear(inFeatures: 784, outFeatures: 256), Linear(inFeatures: 256, outFeatures: 10)).parameterCount == 784 * 256 + 256 + 256 * 10 + 10)
    #expect(PReLU().parameterCount == 1 && PReLU(numParameters: 16).parameterCount == 16)
    let parameterFree: [Module] = [ReLU(), LeakyReLU(), RReLU(), ELU(), SELU(), GELU(), SiLU(), Sigmoid(), Tanh(), Softplus(),
                                   Hardtanh(), Softmax(), LogSoftmax(), Dropout(p: 0.5), Flatten()]
    for layer in parameterFree {
      #expect(layer.parameterCount == 0, "\(type(of: layer)) should have no parameters")
    }
    let list = ModuleList([Linear(inFeatures: 2, outFeatures: 2), PReLU(numParameters: 2)])
    #expect(list.parameterCount == 6 + 2)
  }

  @Test func parametersAreNamedLikePyTorch() {
    let net = Sequential(Linear(inFeatures: 4, outFeatures: 3), Linear(inFeatures: 3, outFeatures: 1, bias: false))
    #expect(net.namedParameters().map(\.0) == ["0.weight", "0.bias", "1.weight"])
    #expect(net.children().count == 2)
    #expect(net.namedModules().map(\.0) == ["", "0", "1"])
  }

  @Test func subclassFieldsAndBuffersAreFound() {
    final class Block: Module {
      let inner = Linear(inFeatures: 2, outFeatures: 2)
      let scale = Tensor.ones([2]).requiringGrad()
      let runningMean = Buffer(Tensor.zeros([2]))   // saved, never trained
      let heads = [Linear(inFeatures: 2, outFeatures: 1), Linear(inFeatures: 2, outFeatures: 1)]
      override func forward(_ x: Tensor) -> Tensor { inner(x) * scale }
    }
    let b = Block()
    #expect(b.namedParameters().map(\.0) == ["scale", "inner.weight", "inner.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias"])
    #expect(b.namedBuffers().map(\.0) == ["runningMean"])
    // A frozen parameter is still a parameter: counted, saved, just not trained.
    b.inner.weight.requiresGrad = false
    #expect(b.namedParameters().count == 7)
    #expect(b.parameterCount == 2 + 4 + 2 + 2 * 3)
    #expect(b.trainableParameterCount == 2 + 2 + 2 * 3)
  }

  @Test func trainAndEvalReachEveryChild() {
    let net = Sequential(Linear(inFeatures: 2, outFeatures: 2), Sequential(Linear(inFeatures: 2, outFeatures: 2)))
    net.eval()
    #expect(net.namedModules().allSatisfy { !$0.1.isTraining })
    net.train()
    #expect(net.namedModules().allSatisfy { $0.1.isTraining })
  }

  @Test func linearComputesXWTransposedPlusB() {
    let layer = Linear(inFeatures: 3, outFeatures: 2, generator: Generator(seed: 1))
    let x = Tensor([[1.0, 2, 3], [4, 5, 6]])
    let y = layer(x).toDoubles()
    let w = layer.weight.toDoubles(), b = layer.bias!.toDoubles()
    for i in 0..<2 { for j in 0..<2 {
      let expected = (0..<3).reduce(b[j]) { $0 + x.toDoubles()[i * 3 + $1] * w[j * 3 + $1] }
      #expect(Swift.abs(y[i * 2 + j] - expected) < 1e-5)
    } }
    let bound = 1 / 3.0.squareRoot()
    #expect(layer.weight.toDoubles().allSatisfy { Swift.abs($0) <= bound })
  }

  @Test func linearGradientsOnNonContiguousInput() {
    let layer = Linear(inFeatures: 3, outFeatures: 2, dtype: .float64, generator: Generator(seed: 2))
    let x = leaf64([4, 3], seed: 3)
    #expect(!x.isContiguous)
    let result = gradientCheck({ xs in layer(xs[0]) }, inputs: [x])
    #expect(result.passed, "\(result)")
    // And with respect to the layer's own parameters.
    let wrt = gradientCheck({ _ in layer(x.detached()) }, inputs: [layer.weight, layer.bias!])
    #expect(wrt.passed, "\(wrt)")
  }

  @Test func sequentialBackpropagatesThroughEveryLayer() {
    let net = Sequential(Linear(inFeatures: 3, outFeatures: 4, dtype: .float64, generator: Generator(seed: 4)),
                         Linear(inFeatures: 4, outFeatures: 1, dtype: .float64, generator: Generator(seed: 5)))
    let x = leaf64([5, 3], seed: 6)
    let result = gradientCheck({ _ in net(x.detached()).tanh() }, inputs: net.parameters())
    #expect(result.passed, "\(result)")
  }
}

@Suite("Losses") struct LossTests {
  @Test func mseMatchesItsDefinition() {
    let p = Tensor([1.0, 2, 3]), t = Tensor([1.5, 2, 1])
    #expect(Swift.abs(mseLoss(p, t).item() - (0.25 + 0 + 4) / 3) < 1e-6)
    #expect(Swift.abs(mseLoss(p, t, reduction: .sum).item() - 4.25) < 1e-6)
    #expect(mseLoss(p, t, reduction: .none).toDoubles() == [0.25, 0, 4])
  }

  @Test func huberIsQuadraticNearAndLinearFar() {
    let p = Tensor([0.0, 0, 0]), t = Tensor([0.5, -2, 3])
    // δ = 1: ½·0.25 = 0.125; 1·(2 − ½) = 1.5; 1·(3 − ½) = 2.5.
    #expect(huberLoss(p, t, reduction: .none).toDoubles() == [0.125, 1.5, 2.5])
    // δ = 2: ½·0.25; ½·4 = 2 (the boundary belongs to the linear part: 2·(2 − 1) = 2, equal); 2·(3 − 1) = 4.
    #expect(huberLoss(p, t, delta: 2, reduction: .none).toDoubles() == [0.125, 2, 4])
  }

  @Test func lossGradientsOnNonContiguousInputs() {
    let p = leaf64([3, 4], seed: 7), t = leaf64([3, 4], seed: 8)
    for reduction in [Reduction.mean, .sum, .none] {
      let mse = gradientCheck({ xs in mseLoss(xs[0], xs[1], reduction: reduction) }, inputs: [p, t])
      #expect(mse.passed, "\(mse)")
    }
    // Keep |p − t| away from δ so the check does not straddle the switch between the two pieces.
    let far = (p.detached() * 3).detached().requiringGrad()
    let huber = gradientCheck({ xs in huberLoss(xs[0], xs[1], delta: 0.7) }, inputs: [far, t])
    #expect(huber.passed, "\(huber)")
  }

  @Test func shapeMismatchStopsWithBothShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = mseLoss(Tensor.zeros([4, 1]), Tensor.zeros([4]))
    }
    let text = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(text.contains("mseLoss") && text.contains("[4, 1]") && text.contains("[4]"))
  }
}

@Suite("SGD") struct SGDTests {
  @Test func stepIsThetaMinusLrTimesGradient() {
    let w = Tensor([1.0, -2.0]).requiringGrad()
    let optimizer = SGD(parameters: [w], lr: 0.1)
    (w * w).sum().backward()          // ∇ = 2w = [2, −4]
    optimizer.step()
    #expect(w.toDoubles().map { ($0 * 1e6).rounded() / 1e6 } == [0.8, -1.6])
    optimizer.zeroGrad()
    #expect(w.grad == nil)
  }

  @Test func weightDecayAddsLambdaTheta() {
    let w = Tensor([1.0]).requiringGrad()
    let optimizer = SGD(parameters: [w], lr: 0.5, weightDecay: 0.1)
    (w * 3).sum().backward()          // ∇ = 3, plus λw = 0.1
    optimizer.step()
    #expect(Swift.abs(w.item() - (1 - 0.5 * 3.1)) < 1e-6)
  }

  @Test func parametersWithoutGradientsAreSkipped() {
    let used = Tensor([1.0]).requiringGrad(), unused = Tensor([5.0]).requiringGrad()
    let optimizer = SGD(parameters: [used, unused], lr: 1)
    (used * 2).sum().backward()
    optimizer.step()
    #expect(used.item() == -1 && unused.item() == 5)
  }
}
