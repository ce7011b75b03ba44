import Testing
@testable import TorchlightNN
import TorchlightOptim

/// RNN, GRU and LSTM modules: the fused layers against the op-by-op reference, and both against
/// central differences, in every configuration.
@Suite("Recurrent modules") struct RecurrentModuleTests {
  /// Outputs, final states and the gradients of input, states and every parameter, fused vs
  /// reference, float64.
  @Test(arguments: RecurrentConfig.all) func fusedMatchesTheReference(_ config: RecurrentConfig) {
    let s = RecurrentSetup(config, steps: 4)
    s.module.implementation = .fused
    let fused = s.run()
    let gf = grad(of: s.loss(fused), with: s.leaves)
    s.module.implementation = .reference
    let reference = s.run()
    let gr = grad(of: s.loss(reference), with: s.leaves)
    let valueError = largestDifference([fused.output, fused.hN, fused.cN], [reference.output, reference.hN, reference.cN])
    let gradError = largestDifference(gf, gr)
    #expect(valueError < 1e-13, "values differ by \(valueError)")
    #expect(gradError < 1e-12, "gradients differ by \(gradError)")
    #expect(gf.allSatisfy { $0 != nil }, "every leaf gets a gradient")
    #expect(fused.output.shape == reference.output.shape && fused.hN.shape == reference.hN.shape)
  }

  /// The same in float32, larger, to a tolerance relative to the largest value.
  @Test(arguments: RecurrentConfig.combined) func fusedMatchesTheReferenceInFloat32(_ config: RecurrentConfig) {
    let s = RecurrentSetup(config, steps: 9, batch: 4, inputSize: 5, hiddenSize: 12, dtype: .float32, seed: 2)
    let fused = s.run(), gf = grad(of: s.loss(fused), with: s.leaves)
    s.module.implementation = .reference
    let reference = s.run(), gr = grad(of: s.loss(reference), with: s.leaves)
    let values = [reference.output, reference.hN, reference.cN]
    let valueError = largestDifference([fused.output, fused.hN, fused.cN], values) / largestMagnitude(values)
    let gradError = largestDifference(gf, gr) / largestMagnitude(gr)
    #expect(valueError < 5e-6, "values differ by \(valueError) of the largest")
    #expect(gradError < 2e-5, "gradients differ by \(gradError) of the largest")
  }

  /// Dropout between layers draws the same masks in both implementations when the generator
  /// restarts from the same seed, so they still agree; after eval() it is off.
  @Test(arguments: RecurrentKind.allCases) func dropoutBetweenLayersInTrainingOnly(_ kind: RecurrentKind) {
    let config = RecurrentConfig(kind: kind, numLayers: 3, bidirectional: true, state: true, dropout: 0.5)
    let s = RecurrentSetup(config, steps: 4, batch: 3, hiddenSize: 4)
    s.module.generator!.manualSeed(5)
    let fused = s.run(), gf = grad(of: s.loss(fused), with: s.leaves)
    s.module.implementation = .reference
    s.module.generator!.manualSeed(5)
    let reference = s.run(), gr = grad(of: s.loss(reference), with: s.leaves)
    #expect(largestDifference([fused.output, fused.hN], [reference.output, reference.hN]) < 1e-13)
    #expect(largestDifference(gf, gr) < 1e-12)
    // A different mask changes the result; in eval mode there is no mask at all.
    let other = s.run()
    #expect(largestDifference([other.output], [reference.output]) > 1e-3)
    s.module.eval()
    let a = s.run(), b = s.run()
    #expect(largestDifference([a.output, a.hN], [b.output, b.hN]) == 0)
    // The last layer's output is never dropped: without dropout it is the same network.
    let plain = RecurrentSetup(RecurrentConfig(kind: kind, numLayers: 3, bidirectional: true, state: true), steps: 4, batch: 3, hiddenSize: 4)
    #expect(largestDifference([a.output], [plain.run().output]) < 1e-13)
  }

  /// First derivatives by central differences, through the fused layers, on a non-contiguous
  /// input, for every configuration.
  @Test(arguments: RecurrentConfig.all) func gradientsMatchCentralDifferences(_ config: RecurrentConfig) {
    let s = RecurrentSetup(config, seed: 3)
    #expect(!s.x.isContiguous && s.module.implementation == .fused)
    let result = gradientCheck({ _ in s.loss(s.run()) }, inputs: s.leaves)
    #expect(result.passed, "\(result)")
  }

  /// Second derivatives: with createGraph the fused layers differentiate their reference.
  @Test(arguments: RecurrentConfig.combined) func secondOrderGradients(_ config: RecurrentConfig) {
    let s = RecurrentSetup(config, steps: 3, batch: 2, inputSize: 2, hiddenSize: 2, seed: 4)
    let result = gradgradCheck({ _ in s.loss(s.run()) }, inputs: s.leaves)
    #expect(result.passed, "second order: \(result)")
  }

  /// An unbatched sequence [T, F] gives the same numbers as a batch of one.
  @Test(arguments: RecurrentKind.allCases) func unbatchedInputIsABatchOfOne(_ kind: RecurrentKind) {
    let m = kind.make(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, bidirectional: true, seed: 6)
    let g = Generator(seed: 7)
    let x = Tensor.uniform([5, 3], low: -1, high: 1, dtype: .float64, generator: g)
    let h0 = Tensor.uniform([4, 4], low: -1, high: 1, dtype: .float64, generator: g)
    let c0 = kind == .lstm ? Tensor.uniform([4, 4], low: -1, high: 1, dtype: .float64, generator: g) : nil
    let single = callRecurrent(m, x, h0: h0, c0: c0)
    let batched = callRecurrent(m, x.unsqueezed(axis: 0), h0: h0.unsqueezed(axis: 1), c0: c0?.unsqueezed(axis: 1))
    #expect(single.output.shape == [5, 8] && single.hN.shape == [4, 4])
    #expect(largestDifference([single.output, single.hN, single.cN],
                              [batched.output.squeezed(axis: 0), batched.hN.squeezed(axis: 1), batched.cN?.squeezed(axis: 1)]) == 0)
  }

  /// Output shapes and the order of h_n: layer by layer, forward direction first. The forward
  /// direction's last state is its output at the last step, the reverse one's at step 0.
  @Test(arguments: RecurrentKind.allCases) func shapesAndTheOrderOfFinalStates(_ kind: RecurrentKind) {
    let m = kind.make(inputSize: 3, hiddenSize: 4, numLayers: 2, batchFirst: true, bidirectional: true, seed: 8)
    let x = Tensor.uniform([2, 5, 3], low: -1, high: 1, dtype: .float64, generator: Generator(seed: 9))
    let r = callRecurrent(m, x)
    #expect(r.output.shape == [2, 5, 8] && r.hN.shape == [4, 2, 4])
    #expect(r.cN?.shape == (kind == .lstm ? [4, 2, 4] : nil))
    let forwardLast = r.output[0..., 4, 0..<4], reverseFirst = r.output[0..., 0, 4..<8]
    #expect(largestDifference([r.hN[2], r.hN[3]], [forwardLast, reverseFirst]) == 0)
    // forward() gives the output alone, for Sequential.
    #expect(largestDifference([m(x)], [r.output]) == 0)
  }

  /// A model around an LSTM trains: the loss of a small sequence task falls.
  @Test func anLSTMLearnsToCountOnes() {
    let g = Generator(seed: 10)
    let lstm = LSTM(inputSize: 1, hiddenSize: 8, batchFirst: true, generator: g)
    let head = Linear(inFeatures: 8, outFeatures: 1, generator: g)
    let x = Tensor.bernoulli([16, 6, 1], p: 0.5, generator: g)
    let y = x.sum(axis: 1)    // the number of ones in each sequence
    let optimizer = Adam(parameters: lstm.parameters() + head.parameters(), lr: 0.05)
    var losses: [Double] = []
    for _ in 0..<60 {
      let (out, _) = lstm(x, state: nil)
      let loss = mseLoss(head(out[0..., 5]), y)
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      losses.append(loss.item())
    }
    #expect(losses.last! < 0.1 * losses.first!, "loss \(losses.first!) → \(losses.last!)")
  }
}
