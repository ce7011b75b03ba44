import Foundation
import Testing
@testable import TorchlightNN

/// MultiheadAttention computed the slow way, one example and one head at a time, from the
/// layer's own parameters: query [L, N, E], key [S, N, kdim], value [S, N, vdim] (sequence
/// first), `hidden` [N, heads, L, S] true where a key is masked out. Returns the output [L, N, E]
/// and the per-head weights [N, heads, L, S].
private func referenceAttention(_ mha: MultiheadAttention, _ query: Tensor, _ key: Tensor, _ value: Tensor,
                                hidden: [[[[Bool]]]]?) -> (output: Tensor, weights: Tensor) {
  let e = mha.embedDim, hd = mha.headDim
  let wq = mha.inProjWeight?[0..<e] ?? mha.qProjWeight!
  let wk = mha.inProjWeight?[e..<(2 * e)] ?? mha.kProjWeight!
  let wv = mha.inProjWeight?[(2 * e)...] ?? mha.vProjWeight!
  let b = mha.inProjBias ?? Tensor.zeros([3 * e], dtype: query.dtype)
  var outputs: [Tensor] = [], weights: [Tensor] = []
  for n in 0..<query.shape[1] {
    var heads: [Tensor] = [], headWeights: [Tensor] = []
    for h in 0..<mha.numHeads {
      let rows = (h * hd)..<((h + 1) * hd)
      let q = query[.all, n].matmul(wq[rows].t()) + b[rows]
      let k = key[.all, n].matmul(wk[rows].t()) + b[(e + h * hd)..<(e + (h + 1) * hd)]
      let v = value[.all, n].matmul(wv[rows].t()) + b[(2 * e + h * hd)..<(2 * e + (h + 1) * hd)]
      var scores = q.matmul(k.t()) / Double(hd).squareRoot()
      if let hidden { scores = scores.maskedFill(Tensor(hidden[n][h]), with: -.infinity) }
      let w = softmax(scores, axis: -1)
      headWeights.append(w)
      heads.append(w.matmul(v))
    }
    outputs.append(mha.outProj(Tensor.cat(heads, axis: 1)))
    weights.append(Tensor.stack(headWeights))
  }
  return (Tensor.stack(outputs, axis: 1), Tensor.stack(weights))
}

/// `attnMask` [L, S] and `keyPaddingMask` [N, S] (true = masked out) spread to [N, heads, L, S].
private func spread(attnMask: [[Bool]]?, keyPadding: [[Bool]]?, n: Int, heads: Int, l: Int, s: Int) -> [[[[Bool]]]] {
  (0..<n).map { b in (0..<heads).map { _ in (0..<l).map { i in (0..<s).map { j in
    (attnMask?[i][j] ?? false) || (keyPadding?[b][j] ?? false)
  } } } }
}

@Suite("MultiheadAttention") struct MultiheadAttentionTests {
  @Test func parametersAreNamedCountedAndInitialisedLikePyTorch() {
    let e = 8
    let packed = MultiheadAttention(embedDim: e, numHeads: 2, generator: Generator(seed: 1))
    #expect(packed.namedParameters().map(\.0) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
    #expect(packed.stateDict().map(\.0) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
    #expect(packed.parameterCount == 4 * e * e + 4 * e)
    #expect(packed.inProjWeight!.shape == [3 * e, e] && packed.inProjBias!.shape == [3 * e])
    // Xavier-uniform over the whole [3E, E] matrix (fan in E, fan out 3E); zero biases;
    // out_proj.weight keeps Linear's ±1/√E.
    let xavier = (6.0 / Double(e + 3 * e)).squareRoot()
    let inProj = packed.inProjWeight!.toDoubles()
    #expect(inProj.allSatisfy { Swift.abs($0) <= xavier } && inProj.map(Swift.abs).max()! > 0.8 * xavier)
    #expect(packed.inProjBias!.toDoubles().allSatisfy { $0 == 0 } && packed.outProj.bias!.toDoubles().allSatisfy { $0 == 0 })
    let outBound = 1 / Double(e).squareRoot()
    #expect(packed.outProj.weight.toDoubles().allSatisfy { Swift.abs($0) <= outBound })
    #expect(packed.parameters().allSatisfy { $0.requiresGrad })

    let separate = MultiheadAttention(embedDim: e, numHeads: 4, kdim: 3, vdim: 5)
    #expect(separate.namedParameters().map(\.0) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                                    "out_proj.weight", "out_proj.bias"])
    #expect(separate.namedParameters().map(\.1.shape) == [[e, e], [e, 3], [e, 5], [3 * e], [e, e], [e]])
    #expect(separate.parameterCount == e * e + e * 3 + e * 5 + 3 * e + e * e + e)
    let kBound = (6.0 / Double(e + 3)).squareRoot()
    #expect(separate.kProjWeight!.toDoubles().allSatisfy { Swift.abs($0) <= kBound })

    let noBias = MultiheadAttention(embedDim: e, numHeads: 2, bias: false)
    #expect(noBias.namedParameters().map(\.0) == ["in_proj_weight", "out_proj.weight"])
    #expect(noBias.parameterCount == 4 * e * e)
  }

  @Test func matchesTheOneHeadAtATimeReference() {
    let (e, heads, l, s, n) = (6, 3, 3, 4, 2)
    let mha = MultiheadAttention(embedDim: e, numHeads: heads, dtype: .float64, generator: Generator(seed: 2))
    withNoGrad {   // non-zero biases, so a mix-up of the three projections' biases would show
      mha.inProjBias!.copy(from: Tensor.randn([3 * e], dtype: .float64, generator: Generator(seed: 3)))
      mha.outProj.bias!.copy(from: Tensor.randn([e], dtype: .float64, generator: Generator(seed: 4)))
    }
    let query = Tensor.randn([l, n, e], dtype: .float64, generator: Generator(seed: 5))
    let key = Tensor.randn([s, n, e], dtype: .float64, generator: Generator(seed: 6))
    let value = Tensor.randn([s, n, e], dtype: .float64, generator: Generator(seed: 7))
    let attnMask = [[false, true, false, false], [false, false, false, true], [true, false, false, false]]
    let padding = [[false, false, false, true], [false, false, true, true]]
    let (output, perHead) = mha(query, key, value, keyPaddingMask: Tensor(padding), attnMask: Tensor(attnMask),
                                averageAttnWeights: false)
    let reference = referenceAttention(mha, query, key, value,
                                       hidden: spread(attnMask: attnMask, keyPadding: padding, n: n, heads: heads, l: l, s: s))
    #expect(output.shape == [l, n, e] && perHead!.shape == [n, heads, l, s])
    #expect(maxAbsDifference(output, reference.output) < 1e-13)
    #expect(maxAbsDifference(perHead!, reference.weights) < 1e-14)
    // Masked keys get weight exactly 0; averaged weights are the mean over heads and sum to 1.
    let hidden = spread(attnMask: attnMask, keyPadding: padding, n: n, heads: heads, l: l, s: s)
    for (i, w) in perHead!.toDoubles().enumerated() where hidden[i / (heads * l * s)][(i / (l * s)) % heads][(i / s) % l][i % s] {
      #expect(w == 0)
    }
    let averaged = mha(query, key, value, keyPaddingMask: Tensor(padding), attnMask: Tensor(attnMask)).weights!
    #expect(averaged.shape == [n, l, s])
    #expect(maxAbsDifference(averaged, perHead!.mean(axis: 1)) < 1e-15)
    #expect(averaged.sum(axis: -1).toDoubles().allSatisfy { Swift.abs($0 - 1) < 1e-14 })
    #expect(mha(query, key, value, needWeights: false).weights == nil)
  }

  @Test func separateProjectionsForOtherKeyAndValueSizes() {
    let mha = MultiheadAttention(embedDim: 4, numHeads: 2, kdim: 3, vdim: 5, dtype: .float64, generator: Generator(seed: 8))
    let query = Tensor.randn([2, 1, 4], dtype: .float64, generator: Generator(seed: 9))
    let key = Tensor.randn([3, 1, 3], dtype: .float64, generator: Generator(seed: 10))
    let value = Tensor.randn([3, 1, 5], dtype: .float64, generator: Generator(seed: 11))
    let (output, weights) = mha(query, key, value, averageAttnWeights: false)
    let reference = referenceAttention(mha, query, key, value, hidden: nil)
    #expect(maxAbsDifference(output, reference.output) < 1e-14 && maxAbsDifference(weights!, reference.weights) < 1e-15)
  }

  @Test func batchFirstAndUnbatchedInputsGiveTheSameNumbers() {
    let seqFirst = MultiheadAttention(embedDim: 4, numHeads: 2, dtype: .float64, generator: Generator(seed: 12))
    let batchFirst = MultiheadAttention(embedDim: 4, numHeads: 2, batchFirst: true, dtype: .float64)
    batchFirst.copyValues(from: seqFirst)
    let q = Tensor.randn([3, 2, 4], dtype: .float64, generator: Generator(seed: 13))
    let kv = Tensor.randn([5, 2, 4], dtype: .float64, generator: Generator(seed: 14))
    let padding = Tensor([[false, true, false, false, true], [false, false, false, false, false]])
    let a = seqFirst(q, kv, kv, keyPaddingMask: padding, isCausal: true)
    let b = batchFirst(q.transposed(0, 1), kv.transposed(0, 1), kv.transposed(0, 1), keyPaddingMask: padding, isCausal: true)
    #expect(b.output.shape == [2, 3, 4])
    #expect(maxAbsDifference(a.output, b.output.transposed(0, 1)) == 0 && maxAbsDifference(a.weights!, b.weights!) == 0)
    // An unbatched query [L, E] is a batch of one.
    let single = seqFirst(q[.all, 1], kv[.all, 1], kv[.all, 1], keyPaddingMask: padding[1], averageAttnWeights: false)
    let batch = seqFirst(q, kv, kv, keyPaddingMask: padding, averageAttnWeights: false)
    #expect(single.output.shape == [3, 4] && single.weights!.shape == [2, 3, 5])
    #expect(maxAbsDifference(single.output, batch.output[.all, 1]) < 1e-15)
    #expect(maxAbsDifference(single.weights!, batch.weights![1]) < 1e-15)
  }

  @Test func masksInEveryForm() {
    let (heads, l, s, n) = (2, 3, 4, 2)
    let mha = MultiheadAttention(embedDim: 4, numHeads: heads, dtype: .float64, generator: Generator(seed: 15))
    let q = Tensor.randn([l, n, 4], dtype: .float64, generator: Generator(seed: 16))
    let kv = Tensor.randn([s, n, 4], dtype: .float64, generator: Generator(seed: 17))
    let boolMask = Tensor([[false, true, true, false], [true, false, false, false], [false, false, true, true]])
    let floatMask = Tensor.zeros([l, s], dtype: .float64).maskedFill(boolMask, with: -.infinity)
    let padding = Tensor([[true, false, false, false], [false, false, false, true]])
    let floatPadding = Tensor.zeros([n, s], dtype: .float64).maskedFill(padding, with: -.infinity)
    let byBool = mha(q, kv, kv, keyPaddingMask: padding, attnMask: boolMask)
    let byFloat = mha(q, kv, kv, keyPaddingMask: floatPadding, attnMask: floatMask)
    #expect(byBool.output.toDoubles() == byFloat.output.toDoubles() && byBool.weights!.toDoubles() == byFloat.weights!.toDoubles())
    // isCausal with no mask builds the causal mask (query i sees keys 0…i).
    let causal = mha(q, kv, kv, isCausal: true)
    let explicit = mha(q, kv, kv, attnMask: Tensor.ones([l, s], dtype: .bool).triu(diagonal: 1))
    #expect(causal.output.toDoubles() == explicit.output.toDoubles())
    // A [N·heads, L, S] mask is per example and head, at index n·heads + h.
    var perHead = [[[Bool]]](repeating: [[Bool]](repeating: [Bool](repeating: false, count: s), count: l), count: n * heads)
    perHead[0 * heads + 1][0][0] = true   // example 0, head 1, query 0 may not see key 0
    let w = mha(q, kv, kv, attnMask: Tensor(perHead), averageAttnWeights: false).weights!
    #expect(w[0, 1, 0, 0].item() == 0)
    #expect(w[0, 0, 0, 0].item() > 0 && w[1, 1, 0, 0].item() > 0 && w[0, 1, 1, 0].item() > 0)
    // A small finite float mask shifts scores rather than hiding keys.
    let soft = mha(q, kv, kv, attnMask: Tensor.full([l, s], -0.5, dtype: .float64))
    #expect(maxAbsDifference(soft.output, mha(q, kv, kv).output) < 1e-14, "a constant bias changes nothing")
    // Every key hidden: output and weights 0 (PyTorch's weights path would give NaN).
    let allHidden = mha(q, kv, kv, keyPaddingMask: Tensor.ones([n, s], dtype: .bool))
    #expect(allHidden.weights!.toDoubles().allSatisfy { $0 == 0 })
    #expect(maxAbsDifference(allHidden.output, mha.outProj.bias!.expanded(l, n, 4)) == 0)
  }

  @Test func dropoutActsOnTheWeightsInTrainingOnly() {
    let mha = MultiheadAttention(embedDim: 4, numHeads: 2, dropout: 0.5, dtype: .float64, generator: Generator(seed: 18))
    let q = Tensor.randn([3, 2, 4], dtype: .float64, generator: Generator(seed: 19))
    mha.eval()
    let evaluated = mha(q, q, q, averageAttnWeights: false)
    #expect(maxAbsDifference(evaluated.output, mha(q, q, q).output) == 0)
    mha.train()
    let trained = mha(q, q, q, averageAttnWeights: false)
    // The returned weights are the dropped ones, as PyTorch returns them: 0 or doubled.
    for (d, p) in zip(trained.weights!.toDoubles(), evaluated.weights!.toDoubles()) { #expect(d == 0 || Swift.abs(d - 2 * p) < 1e-15) }
    #expect(trained.weights!.toDoubles().contains(0) && maxAbsDifference(trained.output, evaluated.output) > 1e-6)
  }

  @Test("gradients with key padding and attention masks", arguments: AttentionLayout.allCases, [false, true])
  func gradients(_ layout: AttentionLayout, batchFirst: Bool) {
    let report = GradientReport("MultiheadAttention \(layout) batchFirst=\(batchFirst)")
    let mha = MultiheadAttention(embedDim: 4, numHeads: 2, batchFirst: batchFirst, dtype: .float64, generator: Generator(seed: 20))
    withNoGrad { mha.inProjBias!.copy(from: Tensor.randn([12], dtype: .float64, generator: Generator(seed: 21)) * 0.5) }
    let (l, s, n) = (2, 3, 2)
    let qShape = batchFirst ? [n, l, 4] : [l, n, 4], kShape = batchFirst ? [n, s, 4] : [s, n, 4]
    let q = attentionLeaf(qShape, layout, seed: 22), k = attentionLeaf(kShape, layout, seed: 23), v = attentionLeaf(kShape, layout, seed: 24)
    let padding = Tensor([[false, false, true], [false, false, false]])
    let attnMask = Tensor([[false, true, false], [false, false, false]])
    expectAttentionGradients({ mha($0[0], $0[1], $0[2], keyPaddingMask: padding, needWeights: false, attnMask: attnMask).output },
                             [q, k, v] + parameterInputs(mha), report: report, "output with both masks")
    let floatMask = Tensor.randn([n * 2, l, s], dtype: .float64, generator: Generator(seed: 25))
    expectAttentionGradients({ mha($0[0], $0[1], $0[1], attnMask: floatMask, averageAttnWeights: false).weights! }, [q, k],
                             report: report, "per-head weights with a float mask per head")
    expectAttentionGradients({ mha($0[0], $0[0], $0[0], isCausal: true).output }, [q], report: report, "causal self-attention")
    report.printSummary()
  }

  @Test func gradientsWithSeparateProjections() {
    let report = GradientReport("MultiheadAttention kdim/vdim")
    let mha = MultiheadAttention(embedDim: 4, numHeads: 2, kdim: 3, vdim: 2, batchFirst: true, dtype: .float64, generator: Generator(seed: 26))
    let q = attentionLeaf([2, 2, 4], .transposed, seed: 27), k = attentionLeaf([2, 3, 3], .strided, seed: 28)
    let v = attentionLeaf([2, 3, 2], .transposed, seed: 29)
    expectAttentionGradients({ mha($0[0], $0[1], $0[2], keyPaddingMask: Tensor([[false, true, false], [true, false, false]])).output },
                             [q, k, v] + parameterInputs(mha), report: report, "separate projections")
    report.printSummary()
  }

  // MARK: Shapes that do not fit

  @Test func embedDimMustDivideIntoHeads() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = MultiheadAttention(embedDim: 10, numHeads: 3)
    }
    #expect(childError(result).contains("MultiheadAttention: embedDim 10 must be divisible by numHeads 3"))
  }

  @Test func namesFeatureSizesThatDoNotFit() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let mha = MultiheadAttention(embedDim: 4, numHeads: 2)
      _ = mha(Tensor.zeros([3, 2, 4]), Tensor.zeros([5, 2, 3]), Tensor.zeros([5, 2, 4]))
    }
    let text = childError(result)
    #expect(text.contains("MultiheadAttention(embedDim: 4, numHeads: 2)") && text.contains("[5, 2, 3]"))
  }

  @Test func namesKeysAndValuesOfDifferentLengths() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let mha = MultiheadAttention(embedDim: 4, numHeads: 2)
      _ = mha(Tensor.zeros([3, 2, 4]), Tensor.zeros([5, 2, 4]), Tensor.zeros([6, 2, 4]))
    }
    let text = childError(result)
    #expect(text.contains("[5, 2, 4]") && text.contains("[6, 2, 4]") && text.contains("batchFirst is false"))
  }

  @Test func namesABatchFirstMixUp() async {
    // Batch-first tensors [N=2, L=3, E] and [N=2, S=5, E] given to a sequence-first layer: the
    // layer reads batch sizes 3 and 5.
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let mha = MultiheadAttention(embedDim: 4, numHeads: 2)
      _ = mha(Tensor.zeros([2, 3, 4]), Tensor.zeros([2, 5, 4]), Tensor.zeros([2, 5, 4]))
    }
    let text = childError(result)
    #expect(text.contains("batch size") && text.contains("pass batchFirst: true"))
  }

  @Test func namesAnAttentionMaskOfTheWrongShape() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let mha = MultiheadAttention(embedDim: 4, numHeads: 2)
      _ = mha(Tensor.zeros([3, 2, 4]), Tensor.zeros([5, 2, 4]), Tensor.zeros([5, 2, 4]), attnMask: Tensor.zeros([2, 3, 5], dtype: .bool))
    }
    let text = childError(result)
    #expect(text.contains("attnMask of shape [2, 3, 5]") && text.contains("[3, 5]") && text.contains("[4, 3, 5]"))
  }

  @Test func namesAKeyPaddingMaskOfTheWrongShape() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let mha = MultiheadAttention(embedDim: 4, numHeads: 2)
      _ = mha(Tensor.zeros([3, 2, 4]), Tensor.zeros([5, 2, 4]), Tensor.zeros([5, 2, 4]), keyPaddingMask: Tensor.zeros([5, 2], dtype: .bool))
    }
    let text = childError(result)
    #expect(text.contains("keyPaddingMask of shape [5, 2]") && text.contains("[2, 5]"))
  }
}
