import Foundation
import Testing
@testable import TorchlightNN

/// One call of an autocast op: its tensor inputs and how to apply it to them.
private struct Example {
  let inputs: [Tensor]
  let run: ([Tensor]) -> Tensor
}

/// An example of every op in the autocast table. Inputs of a lower-precision op are float32 (what
/// a float32 model feeds it); inputs of a float32 op are bfloat16 (what a lower-precision op
/// before it produced). Integer targets and bool masks are never cast.
private func example(_ op: AutocastOp) -> Example {
  let g = Generator(seed: 71)
  let wide = op.policy == .lowerPrecision
  func r(_ shape: [Int]) -> Tensor { let t = Tensor.randn(shape, generator: g); return wide ? t : t.bfloat16() }
  func signs(_ n: Int) -> Tensor { let t = Tensor((0..<n).map { $0 % 3 == 0 ? -1.0 : 1.0 }); return wide ? t : t.bfloat16() }
  let labels = Tensor([Int64(2), 0, 1, 2], shape: [4])
  switch op {
  case .matmul: return Example(inputs: [r([2, 3, 4]), r([4, 5])]) { $0[0].matmul($0[1]) }
  case .linear: return Example(inputs: [r([4, 3]), r([2, 3]), r([2])]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
  case .conv1d: return Example(inputs: [r([2, 3, 8]), r([4, 3, 3]), r([4])]) { conv1d($0[0], weight: $0[1], bias: $0[2]) }
  case .conv2d: return Example(inputs: [r([2, 3, 6, 6]), r([4, 3, 3, 3])]) { conv2d($0[0], weight: $0[1], padding: 1) }
  case .convTranspose2d: return Example(inputs: [r([1, 3, 4, 4]), r([3, 2, 3, 3])]) { convTranspose2d($0[0], weight: $0[1], stride: 2) }
  case .prelu: return Example(inputs: [r([2, 3, 4]), Tensor([0.25, 0.1, 0.5])]) { prelu($0[0], weight: $0[1]) }
  case .scaledDotProductAttention:
    return Example(inputs: [r([2, 4, 8]), r([2, 5, 8]), r([2, 5, 8])]) { scaledDotProductAttention($0[0], $0[1], $0[2]) }
  case .prod: return Example(inputs: [r([3, 4])]) { $0[0].prod(axes: [1]) }
  case .sum: return Example(inputs: [r([3, 4])]) { $0[0].sum() }
  case .logsumexp: return Example(inputs: [r([3, 4])]) { $0[0].logsumexp(axis: 1) }
  case .maxUnpool2d:
    let (values, indices) = maxPool2dWithIndices(Tensor.randn([1, 2, 4, 4], generator: g), kernelSize: 2)
    return Example(inputs: [values.bfloat16()]) { maxUnpool2d($0[0], indices: indices, kernelSize: 2) }
  case .softmax: return Example(inputs: [r([4, 3])]) { softmax($0[0], axis: 1) }
  case .logSoftmax: return Example(inputs: [r([4, 3])]) { logSoftmax($0[0], axis: 1) }
  case .layerNorm: return Example(inputs: [r([4, 6]), r([6]), r([6])]) { layerNorm($0[0], normalizedShape: [6], weight: $0[1], bias: $0[2]) }
  case .groupNorm: return Example(inputs: [r([2, 4, 3])]) { groupNorm($0[0], numGroups: 2) }
  case .mseLoss: return Example(inputs: [r([4, 3]), r([4, 3])]) { mseLoss($0[0], $0[1]) }
  case .l1Loss: return Example(inputs: [r([4, 3]), r([4, 3])]) { l1Loss($0[0], $0[1]) }
  case .smoothL1Loss: return Example(inputs: [r([4, 3]), r([4, 3])]) { smoothL1Loss($0[0], $0[1]) }
  case .huberLoss: return Example(inputs: [r([4, 3]), r([4, 3])]) { huberLoss($0[0], $0[1]) }
  case .crossEntropy: return Example(inputs: [r([4, 3])]) { crossEntropy(logits: $0[0], targets: labels) }
  case .nllLoss: return Example(inputs: [r([4, 3])]) { nllLoss($0[0], targets: labels) }
  case .klDivLoss: return Example(inputs: [r([4, 3]), r([4, 3]).abs()]) { klDivLoss($0[0], $0[1]) }
  case .binaryCrossEntropy: return Example(inputs: [r([6]).sigmoid(), r([6]).sigmoid()]) { binaryCrossEntropy($0[0], $0[1]) }
  case .binaryCrossEntropyWithLogits: return Example(inputs: [r([6]), r([6]).sigmoid()]) { binaryCrossEntropyWithLogits($0[0], $0[1]) }
  case .poissonNLLLoss: return Example(inputs: [r([6]), r([6]).abs()]) { poissonNLLLoss($0[0], $0[1]) }
  case .marginRankingLoss: return Example(inputs: [r([6]), r([6]), signs(6)]) { marginRankingLoss($0[0], $0[1], $0[2], margin: 0.1) }
  case .hingeEmbeddingLoss: return Example(inputs: [r([6]), signs(6)]) { hingeEmbeddingLoss($0[0], $0[1]) }
  case .softMarginLoss: return Example(inputs: [r([6]), signs(6)]) { softMarginLoss($0[0], $0[1]) }
  case .cosineEmbeddingLoss: return Example(inputs: [r([4, 5]), r([4, 5]), signs(4)]) { cosineEmbeddingLoss($0[0], $0[1], $0[2]) }
  case .tripletMarginLoss: return Example(inputs: [r([4, 5]), r([4, 5]), r([4, 5])]) { tripletMarginLoss($0[0], $0[1], $0[2]) }
  case .multiLabelMarginLoss:
    let targets = Tensor([Int64(1), 0, -1, 2, 3, -1, 0, 0], shape: [2, 4])
    return Example(inputs: [r([2, 4])]) { multiLabelMarginLoss($0[0], targets) }
  }
}

/// Equal values, NaN equal to NaN.
private func same(_ a: Tensor, _ b: Tensor) -> Bool {
  a.shape == b.shape && zip(a.toDoubles(), b.toDoubles()).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN }
}

@Suite struct AutocastTests {
  /// Under autocast the op's output is what the op gives on inputs cast by hand to the policy's
  /// dtype; outside autocast it runs in its inputs' dtype.
  @Test("every op of the table casts its inputs", arguments: AutocastOp.allCases)
  func everyTableEntry(_ op: AutocastOp) {
    for low in [DType.bfloat16, .float16] {
      let e = example(op)
      let target: DType = op.policy == .lowerPrecision ? low : .float32
      let auto = withAutocast(low) { e.run(e.inputs) }
      let byHand = e.run(e.inputs.map { $0.dtype.isFloatingPoint ? $0.to(target) : $0 })
      #expect(auto.dtype == target, "\(op) (PyTorch \(op.pytorchName)) under \(low) autocast gave \(auto.dtype)")
      #expect(same(auto, byHand), "\(op) under \(low): \(auto.toDoubles().prefix(4)) vs \(byHand.toDoubles().prefix(4))")
      let plain = e.run(e.inputs)
      #expect(plain.dtype == e.inputs[0].dtype, "\(op) outside autocast keeps its inputs' dtype")
    }
  }

  @Test func float64AndIntegerTensorsAreNeverCast() {
    let x = Tensor.randn([3, 4], dtype: .float64), w = Tensor.randn([4, 2], dtype: .float64)
    #expect(withAutocast(.bfloat16) { x.matmul(w) }.dtype == .float64)
    #expect(withAutocast(.bfloat16) { Tensor([Int64(2), 3]).sum() }.dtype == .int64)
  }

  @Test func scopesNestAndEnd() {
    let x = Tensor.randn([2, 3]), w = Tensor.randn([3, 3])
    #expect(Autocast.currentDType == nil)
    withAutocast(.float16) {
      #expect(Autocast.currentDType == .float16 && x.matmul(w).dtype == .float16)
      withAutocast(enabled: false) {
        #expect(Autocast.currentDType == nil && x.matmul(w).dtype == .float32)
      }
      #expect(withAutocast(.bfloat16) { x.matmul(w) }.dtype == .bfloat16)
    }
    #expect(Autocast.currentDType == nil && x.matmul(w).dtype == .float32)
  }

  /// A float32 model under bfloat16 autocast: the products run in bfloat16, the loss in float32,
  /// and every parameter's gradient comes back through the casts in float32. Backward, even when
  /// called inside the scope, does not autocast.
  @Test func gradientsReachFloat32ParametersInFloat32() {
    let model = Sequential(Linear(inFeatures: 4, outFeatures: 8, generator: Generator(seed: 72)), ReLU(),
                           Linear(inFeatures: 8, outFeatures: 3, generator: Generator(seed: 73)))
    let x = Tensor.randn([5, 4], generator: Generator(seed: 74)), y = Tensor([Int64(0), 1, 2, 1, 0], shape: [5])
    withAutocast(.bfloat16) {
      let logits = model(x)
      #expect(logits.dtype == .bfloat16)
      let loss = crossEntropy(logits: logits, targets: y)
      #expect(loss.dtype == .float32)
      loss.backward()
    }
    let grads = model.parameters().map { $0.grad! }
    #expect(grads.allSatisfy { $0.dtype == .float32 })
    // Close to the float32 model's gradients, to bfloat16's precision.
    let reference = Sequential(Linear(inFeatures: 4, outFeatures: 8, generator: Generator(seed: 72)), ReLU(),
                               Linear(inFeatures: 8, outFeatures: 3, generator: Generator(seed: 73)))
    crossEntropy(logits: reference(x), targets: y).backward()
    for (g, r) in zip(grads, reference.parameters().map { $0.grad! }) {
      let scale = r.toDoubles().map(Swift.abs).max()!
      let worst = zip(g.toDoubles(), r.toDoubles()).map { Swift.abs($0 - $1) }.max()!
      #expect(worst <= 0.05 * scale, "worst \(worst) for gradients up to \(scale)")
    }
  }
}
