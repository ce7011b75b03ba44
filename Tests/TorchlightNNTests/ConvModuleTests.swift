import Testing
@testable import Torchlight
@testable import TorchlightNN

/// The layer modules of the CNN chapters: parameter counts, PyTorch's default initialisation
/// range, output shapes, and gradients through the module (the functional ops are checked in
/// detail in `ConvTests` and `PoolTests`).
@Suite("Convolution and pooling modules") struct ConvModuleTests {
  @Test func parameterCountsOfTheConvolutionLayers() {
    #expect(Conv2d(3, 8, kernelSize: 5).parameterCount == 8 * 3 * 25 + 8)
    #expect(Conv2d(4, 8, kernelSize: [3, 1], groups: 2, bias: false).parameterCount == 8 * 2 * 3)
    #expect(Conv1d(2, 5, kernelSize: 3).parameterCount == 5 * 2 * 3 + 5)
    #expect(ConvTranspose2d(6, 4, kernelSize: 2, groups: 2).parameterCount == 6 * 2 * 4 + 4)
    let parameterFree: [Module] = [MaxPool2d(kernelSize: 2), AvgPool2d(kernelSize: 2), AdaptiveAvgPool2d(outputSize: 1),
                                   AdaptiveMaxPool2d(outputSize: 2), MaxUnpool2d(kernelSize: 2), Upsample(scaleFactor: 2),
                                   ZeroPad2d(1)]
    for layer in parameterFree { #expect(layer.parameterCount == 0, "\(type(of: layer)) should have no parameters") }
    // The textbook's LeNet: 61,706 parameters.
    let leNet = Sequential(Conv2d(1, 6, kernelSize: 5, padding: 2), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2),
                           Conv2d(6, 16, kernelSize: 5), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten(),
                           Linear(inFeatures: 400, outFeatures: 120), Sigmoid(), Linear(inFeatures: 120, outFeatures: 84),
                           Sigmoid(), Linear(inFeatures: 84, outFeatures: 10))
    #expect(leNet.parameterCount == 61_706)
    #expect(leNet(Tensor.zeros([2, 1, 28, 28])).shape == [2, 10])
  }

  @Test func convolutionWeightsStartAsPyTorchs() {
    // kaiming_uniform(a = √5) gives U(±1/√fanIn); the bias uses the same bound.
    let conv = Conv2d(4, 16, kernelSize: 3, generator: Generator(seed: 1))
    let bound = 1 / Double(4 * 9).squareRoot()
    let w = conv.weight.toDoubles(), b = conv.bias!.toDoubles()
    #expect(w.allSatisfy { Swift.abs($0) <= bound } && b.allSatisfy { Swift.abs($0) <= bound })
    #expect(w.max()! > 0.9 * bound && w.min()! < -0.9 * bound, "the draws should fill the range")
  }

  @Test func gradientsFlowThroughTheModules() {
    let conv = Conv2d(2, 4, kernelSize: [3, 2], stride: [2, 1], padding: 1, groups: 2, dtype: .float64, generator: Generator(seed: 2))
    let x = leaf64([2, 2, 5, 4], seed: 3)
    let transposed = ConvTranspose2d(4, 2, kernelSize: 2, stride: 2, dtype: .float64, generator: Generator(seed: 4))
    let net = Sequential(conv, Tanh(), MaxPool2d(kernelSize: 2, padding: 1), transposed, AvgPool2d(kernelSize: 2, stride: 1),
                         AdaptiveAvgPool2d(outputSize: [2, 1]))
    // The input's gradient by the public check; each parameter's by central differences of a
    // scalar loss, on a sample of its elements.
    #expect(gradientCheck({ t in net(t[0]) }, inputs: [x]).passed)
    let y = net(x)
    let loss = (y * y).sum()
    loss.backward()
    for (name, p) in net.namedParameters() {
      let analytic = p.grad!.toDoubles()
      let flat = p.toDoubles()
      for i in stride(from: 0, to: flat.count, by: Swift.max(1, flat.count / 6)) {
        let index = unravel(i, p.shape)
        let numeric: Double = withNoGrad {
          let original = p.element(at: index)
          p.writeElement(at: index, original + 1e-6)
          let plus = { let y = net(x); return (y * y).sum().item() }()
          p.writeElement(at: index, original - 1e-6)
          let minus = { let y = net(x); return (y * y).sum().item() }()
          p.writeElement(at: index, original)
          return (plus - minus) / 2e-6
        }
        #expect(Swift.abs(analytic[i] - numeric) <= 1e-5 + 1e-4 * Swift.abs(numeric), "\(name)\(index)")
      }
    }
  }

  @Test func conv1dModuleMatchesConv2dOnHeightOne() {
    let conv1 = Conv1d(3, 2, kernelSize: 3, padding: 1, dtype: .float64, generator: Generator(seed: 5))
    let x = Tensor.randn([2, 3, 7], dtype: .float64, generator: Generator(seed: 6))
    let y = conv1(x)
    let y2 = conv2d(x.unsqueezed(axis: 2), weight: conv1.weight.unsqueezed(axis: 2), bias: conv1.bias, padding: [0, 1])
    #expect(y.shape == [2, 2, 7])
    #expect((y - y2.squeezed(axis: 2)).abs().max().item() < 1e-12)
  }

  @Test func unpoolModuleRestoresMaxima() {
    let pool = MaxPool2d(kernelSize: 2), unpool = MaxUnpool2d(kernelSize: 2)
    let x = Tensor.randn([1, 1, 4, 4], generator: Generator(seed: 7)).abs() + 0.1
    let (y, i) = pool.forwardWithIndices(x)
    let u = unpool(y, indices: i)
    #expect(u.shape == [1, 1, 4, 4])
    #expect((pool(u) - y).abs().max().item() == 0)
  }
}

/// The multi-index of flat position `i` in a row-major tensor of `shape`.
private func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
  var rest = i
  return shape.reversed().map { size -> Int in defer { rest /= size }; return rest % size }.reversed()
}
