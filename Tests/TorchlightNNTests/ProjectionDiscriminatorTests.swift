import Testing
@testable import TorchlightNN

/// The conditional GAN's pieces: the projection discriminator and the labelled noise.
@Suite("GAN: projection discriminator and labelled noise") struct ProjectionDiscriminatorTests {
  /// A small float64 projection discriminator: features 3 × 2 × 2 = 12 per image.
  func smallDiscriminator() -> ProjectionDiscriminator {
    let g = Generator(seed: 31)
    let body = Sequential(Conv2d(2, 3, kernelSize: 3, stride: 2, padding: 1, dtype: .float64, generator: g), LeakyReLU(negativeSlope: 0.2))
    let head = Sequential(Conv2d(3, 1, kernelSize: 2, dtype: .float64, generator: g), Flatten())
    return ProjectionDiscriminator(body: body, head: head, classes: 4, features: 12, dtype: .float64, generator: g)
  }

  /// First and second order, with respect to the images (laid out three ways) and every
  /// parameter, the class vectors included.
  @Test(arguments: AttentionLayout.allCases) func gradients(_ layout: AttentionLayout) {
    let d = smallDiscriminator()
    let x = attentionLeaf([3, 2, 4, 4], layout, seed: 32)
    let labels = Tensor([Int64(2), 0, 2], shape: [3])
    let f: ([Tensor]) -> Tensor = { d($0[0], labels: labels) }
    let first = gradientCheck(f, inputs: [x] + d.parameters())
    #expect(first.passed, "\(first)")
    let second = gradgradCheck(f, inputs: [x] + d.parameters())
    #expect(second.passed, "second order: \(second)")
  }

  /// D(x, y) − D(x, y′) = ⟨E[y] − E[y′], vec φ(x)⟩: the label enters only through the projection.
  @Test func theLabelEntersThroughTheProjection() {
    let d = smallDiscriminator()
    let x = Tensor.randn([2, 2, 4, 4], dtype: .float64, generator: Generator(seed: 33))
    let a = d(x, labels: Tensor([Int64(1), 3], shape: [2])), b = d(x, labels: Tensor([Int64(0), 3], shape: [2]))
    let h = d.body(x).reshaped([2, 12])
    let expected = ((d.embedding.weight[1] - d.embedding.weight[0]) * h[0]).sum().item()
    let difference = (a - b).toDoubles()
    #expect(Swift.abs(difference[0] - expected) < 1e-12)
    #expect(difference[1] == 0)
    #expect(a.shape == [2, 1])
  }

  /// The DCGAN version: the body ends at the features 2·w × 7 × 7, every parameter (the class
  /// vectors too) gets a gradient, and DCGAN's initialisation draws the class vectors small.
  @Test func dcganProjectionDiscriminatorTrainsEveryParameter() {
    let g = Generator(seed: 34)
    let d = dcganProjectionDiscriminator(width: 4, classes: 10, normalization: .batch, generator: g)
    dcganInitialise(d, generator: g)
    #expect(d.embedding.weight.shape == [10, 8 * 49])
    #expect(withNoGrad { d.embedding.weight.abs().max().item() } < 0.2)
    let x = Tensor.randn([5, 1, 28, 28], generator: g)
    let out = d(x, labels: Tensor([Int64(0), 9, 3, 3, 7], shape: [5]))
    #expect(out.shape == [5, 1])
    out.sum().backward()
    let missing = d.namedParameters().filter { $0.1.grad == nil }.map(\.0)
    #expect(missing.isEmpty, "no gradient: \(missing)")
    // Only the rows of the classes in the batch move.
    let rows = withNoGrad { d.embedding.weight.grad!.abs().sum(axis: 1) }.toDoubles()
    #expect(rows.enumerated().allSatisfy { ([0, 3, 7, 9].contains($0.offset)) == ($0.element > 0) })
  }

  /// z with the one-hot codes appended as channels; a gradient reaches z.
  @Test func labelledNoiseAppendsOneHotChannels() {
    let z = Tensor.randn([3, 5, 1, 1], dtype: .float64, generator: Generator(seed: 35)).requiringGrad()
    let input = labelledNoise(z, labels: Tensor([Int64(2), 0, 3], shape: [3]), classes: 4)
    #expect(input.shape == [3, 9, 1, 1])
    let codes = input.narrow(axis: 1, start: 5, length: 4).reshaped([3, 4]).toDoubles()
    #expect(codes == [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    #expect(input.narrow(axis: 1, start: 0, length: 5).toDoubles() == z.toDoubles())
    let check = gradientCheck({ labelledNoise($0[0], labels: Tensor([Int64(1), 1, 0], shape: [3]), classes: 4).pow(2).sum() }, inputs: [z])
    #expect(check.passed, "\(check)")
  }
}
