import Testing
@testable import TorchlightNN

@Suite("Module features") struct ModuleFeatureTests {
  @Test func containersRegisterTheirChildren() {
    let list = ModuleList([Linear(inFeatures: 2, outFeatures: 2)])
    list.append(Linear(inFeatures: 2, outFeatures: 1))
    #expect(list.namedParameters().map(\.0) == ["0.weight", "0.bias", "1.weight", "1.bias"])
    list.remove(at: 0)
    #expect(list.count == 1 && list.parameterCount == 3)
    let dict = ModuleDict(["encoder": Linear(inFeatures: 3, outFeatures: 2)])
    dict["head"] = Linear(inFeatures: 2, outFeatures: 1)
    #expect(dict.namedParameters().map(\.0) == ["encoder.weight", "encoder.bias", "head.weight", "head.bias"])
    dict["encoder"] = Linear(inFeatures: 3, outFeatures: 4, bias: false)   // replaced in place
    #expect(dict.keys == ["encoder", "head"] && dict.parameterCount == 12 + 3)
    dict["head"] = nil
    #expect(dict.keys == ["encoder"])
  }

  @Test func replacingALayerOfSequential() {
    let net = Sequential(Linear(inFeatures: 4, outFeatures: 8), ReLUForTest(), Linear(inFeatures: 8, outFeatures: 10))
    net.layers[2] = Linear(inFeatures: 8, outFeatures: 3)     // a new head
    #expect(net(Tensor.zeros([5, 4])).shape == [5, 3])
    net.append(Linear(inFeatures: 3, outFeatures: 1))
    #expect(net.namedParameters().map(\.0).last == "3.bias")
  }

  @Test func forwardHooksSeeAndCanReplaceOutputs() {
    let layer = Linear(inFeatures: 2, outFeatures: 2)
    var seen: [[Int]] = []
    let handle = layer.registerForwardHook { _, input, output in seen.append(input.shape + output.shape); return nil }
    _ = layer(Tensor.zeros([3, 2]))
    #expect(seen == [[3, 2, 3, 2]])
    let doubling = layer.registerForwardHook { _, _, output in output * 2 }
    let x = Tensor.ones([1, 2])
    let plain = layer.forward(x).toDoubles()
    #expect(layer(x).toDoubles() == plain.map { Double(Float($0 * 2)) })
    handle.remove(); doubling.remove()
    #expect(layer(x).toDoubles() == plain && seen.count == 2)
  }

  @Test func applyVisitsChildrenFirst() {
    let net = Sequential(Linear(inFeatures: 2, outFeatures: 2), Sequential(Linear(inFeatures: 2, outFeatures: 2)))
    var order: [String] = []
    net.apply { order.append(String(describing: type(of: $0))) }
    #expect(order == ["Linear", "Linear", "Sequential", "Sequential"])
    #expect(net.modules().count == 4)
    net.apply { m in if let l = m as? Linear { withNoGrad { l.weight.fill(0.5) } } }
    #expect(net.parameters().filter { $0.rank == 2 }.allSatisfy { $0.toDoubles().allSatisfy { $0 == 0.5 } })
  }

  @Test func summaryListsLayersShapesAndCounts() {
    let net = Sequential(Flatten(), Linear(inFeatures: 784, outFeatures: 256), ReLUForTest(), Dropout(p: 0.5),
                         Linear(inFeatures: 256, outFeatures: 10))
    net.parameters()[0].requiresGrad = false
    let text = net.summary(inputShape: [1, 1, 28, 28])
    #expect(text.contains("1 (Linear)") && text.contains("[1, 256]") && text.contains("200,960"))
    #expect(text.contains("Total params: 203,530"))
    #expect(text.contains("Trainable params: 2,826"))     // 784·256 frozen; its 256 biases and the head train
    #expect(text.contains("Non-trainable params: 200,704"))
    #expect(net.isTraining, "summary restores training mode")
  }
}

/// A tiny parameter-free layer for these tests (the activation modules live elsewhere).
final class ReLUForTest: Module {
  override func forward(_ x: Tensor) -> Tensor { x.relu() }
}

@Suite("Dropout") struct DropoutTests {
  @Test func invertedDropoutKeepsTheMeanAndIsOffInEval() {
    let x = Tensor.ones([200, 100], dtype: .float64)
    let layer = Dropout(p: 0.3, generator: Generator(seed: 1))
    let y = layer(x)
    let values = Set(y.toDoubles().map { ($0 * 1e9).rounded() / 1e9 })
    #expect(values == [0, (1 / 0.7 * 1e9).rounded() / 1e9])
    #expect(Swift.abs(y.mean().item() - 1) < 0.02)
    let zeros = y.toDoubles().filter { $0 == 0 }.count
    #expect(Swift.abs(Double(zeros) / 20000 - 0.3) < 0.02)
    layer.eval()
    #expect(layer(x) === x)
    #expect(dropout(x, p: 0.5, training: false) === x)
  }

  @Test func gradientFlowsThroughTheSameMask() {
    let x = Tensor.randn([4, 5], dtype: .float64, generator: Generator(seed: 2)).requiringGrad()
    let y = dropout(x, p: 0.5, generator: Generator(seed: 3))
    y.sum().backward()
    // Where an element was dropped its gradient is 0; elsewhere it is 1/(1 − p) = 2.
    for (g, out) in zip(x.grad!.toDoubles(), y.toDoubles()) { #expect(out == 0 ? g == 0 : g == 2) }
    let check = gradientCheck({ dropout($0[0], p: 0.4, generator: Generator(seed: 4)) }, inputs: [x.detached().t().requiringGrad()])
    #expect(check.passed, "\(check)")
  }
}
