import Foundation
import Testing
@testable import TorchlightNN

/// Masked softmax, d2l's attention scoring layers and scaled dot-product attention: values,
/// exact zeros where masked, both bool-mask conventions, and gradient checks of first and second
/// order on non-contiguous inputs (float64, no dropout, so everything is deterministic).
@Suite("Attention") struct AttentionTests {
  // MARK: maskedSoftmax

  @Test func validLengthsGiveExactZerosPastTheEnd() {
    let scores = Tensor.rand([2, 2, 4], dtype: .float64, generator: Generator(seed: 1))
    // One length per batch row, as in d2l: row 0 sees 2 keys, row 1 sees 3.
    let w = maskedSoftmax(scores, validLens: Tensor([2, 3]))
    let values = w.toDoubles()
    for (b, length) in [2, 3].enumerated() {
      for q in 0..<2 {
        let row = Array(values[(b * 8 + q * 4)..<(b * 8 + q * 4 + 4)])
        #expect(row[length...].allSatisfy { $0 == 0 }, "keys past the valid length get weight exactly 0")
        #expect(Swift.abs(row.reduce(0, +) - 1) < 1e-12)
        // The kept weights are the plain softmax of the kept scores.
        let kept = softmax(scores[b, q, 0..<length], axis: -1).toDoubles()
        #expect(zip(row[..<length], kept).allSatisfy { Swift.abs($0 - $1) < 1e-15 })
      }
    }
    // One length per query, float lengths, and d2l's all-hidden row: uniform, since −10⁶ is finite.
    let perQuery = maskedSoftmax(scores, validLens: Tensor([[1.0, 3.0], [2.0, 0.0]]))
    let pq = perQuery.toDoubles()
    #expect(pq[0] == 1 && pq[1...3].allSatisfy { $0 == 0 })
    #expect(pq[7] == 0 && pq[10] == 0 && pq[11] == 0)
    #expect(pq[12...15].allSatisfy { Swift.abs($0 - 0.25) < 1e-15 })
    #expect(maskedSoftmax(scores, validLens: nil).toDoubles() == softmax(scores, axis: -1).toDoubles())
    // In float32 too, e^(−10⁶) underflows to exactly 0.
    let f32 = maskedSoftmax(scores.float(), validLens: Tensor([1, 2]))
    #expect(f32.toDoubles()[1...3].allSatisfy { $0 == 0 })
  }

  @Test func boolMasksHideWhereTrueAndAdditiveMasksAdd() {
    let scores = Tensor.randn([2, 3, 4], dtype: .float64, generator: Generator(seed: 2))
    let hidden = Tensor.rand([3, 4], dtype: .float64, generator: Generator(seed: 3)) .< 0.4
    let w = maskedSoftmax(scores, mask: hidden)
    let h = hidden.toArray(Bool.self), values = w.toDoubles()
    for i in values.indices where h[i % 12] { #expect(values[i] == 0) }
    // The same mask written additively (0 / −∞) gives the same weights, bit for bit.
    let additive = Tensor.zeros([3, 4], dtype: .float64).maskedFill(hidden, with: -.infinity)
    #expect(maskedSoftmax(scores, mask: additive).toDoubles() == values)
    // A finite additive mask shifts the scores.
    let shift = Tensor.randn([4], dtype: .float64, generator: Generator(seed: 4))
    #expect(maxAbsDifference(maskedSoftmax(scores, mask: shift), softmax(scores + shift, axis: -1)) < 1e-15)
    // A row with every key hidden gets weights 0, not NaN.
    let allHidden = Tensor([[true, true, true, true], [false, true, true, true], [false, false, false, false]])
    let rows = maskedSoftmax(scores, mask: allHidden)
    #expect(rows[0, 0].toDoubles() == [0, 0, 0, 0])
    #expect(rows[1, 1].toDoubles() == [1, 0, 0, 0])
    #expect(!rows.toDoubles().contains { $0.isNaN })
  }

  @Test("maskedSoftmax gradients", arguments: AttentionLayout.allCases)
  func maskedSoftmaxGradients(_ layout: AttentionLayout) {
    let report = GradientReport("maskedSoftmax \(layout)")
    let scores = attentionLeaf([2, 3, 4], layout, seed: 5)
    expectAttentionGradients({ maskedSoftmax($0[0], validLens: Tensor([2, 4])) }, [scores], report: report, "valid lengths per row")
    expectAttentionGradients({ maskedSoftmax($0[0], validLens: Tensor([[1, 2, 3], [4, 2, 1]])) }, [scores], report: report, "valid lengths per query")
    let hidden = Tensor([[false, true, false, true], [true, true, true, true], [false, false, false, true]])
    expectAttentionGradients({ maskedSoftmax($0[0], mask: hidden) }, [scores], report: report, "bool mask (with a fully hidden row)")
    let additive = attentionLeaf([3, 4], seed: 6).detached().maskedFill(hidden, with: -.infinity)
    expectAttentionGradients({ maskedSoftmax($0[0], mask: additive) }, [scores], report: report, "additive mask")
    // The mask itself, when float, is differentiable like any summand.
    let bias = attentionLeaf([1, 4], layout, seed: 7)
    expectAttentionGradients({ maskedSoftmax($0[0], mask: $0[1]) }, [scores, bias], report: report, "learned additive bias")
    report.printSummary()
  }

  // MARK: d2l's scoring layers

  @Test func additiveAttentionAveragesTheValidValuesWhenKeysAreEqual() {
    // d2l §11.3's example: every key is the same, so the weights are uniform over valid keys.
    let queries = Tensor.normal([2, 1, 20], dtype: .float64, generator: Generator(seed: 8))
    let keys = Tensor.ones([2, 10, 2], dtype: .float64)
    let values = Tensor.arange(40, dtype: .float64).reshaped(1, 10, 4).expanded(2, 10, 4)
    let attention = AdditiveAttention(keySize: 2, querySize: 20, numHiddens: 8, dropout: 0.1, dtype: .float64, generator: Generator(seed: 9))
    attention.eval()
    let out = attention(queries, keys, values, validLens: Tensor([2, 6]))
    #expect(out.shape == [2, 1, 4])
    #expect(maxAbsDifference(out, Tensor([[[2.0, 3, 4, 5]], [[10.0, 11, 12, 13]]], dtype: .float64)) < 1e-12)
    let w = attention.attentionWeights!
    #expect(w.shape == [2, 1, 10] && !w.requiresGrad)
    #expect(w[0, 0, 2...].toDoubles().allSatisfy { $0 == 0 } && w[1, 0, 6...].toDoubles().allSatisfy { $0 == 0 })
    #expect(attention.namedParameters().map(\.0) == ["W_k.weight", "W_q.weight", "w_v.weight"])
    #expect(attention.parameterCount == 8 * 2 + 8 * 20 + 8)
    // The score is w_vᵀ tanh(W_q q + W_k k), checked for one pair by hand.
    let q = Tensor.randn([1, 1, 20], dtype: .float64, generator: Generator(seed: 10))
    let k = Tensor.randn([1, 3, 2], dtype: .float64, generator: Generator(seed: 11))
    _ = attention(q, k, Tensor.zeros([1, 3, 1], dtype: .float64))
    let scores = (0..<3).map { j in
      attention.w_v.weight.matmul((attention.W_q.weight.matmul(q[0, 0]) + attention.W_k.weight.matmul(k[0, j])).tanh()).item()
    }
    let expected = softmax(Tensor(scores, shape: [3], dtype: .float64), axis: 0).toDoubles()
    #expect(zip(attention.attentionWeights!.toDoubles(), expected).allSatisfy { Swift.abs($0 - $1) < 1e-14 })
  }

  @Test func dotProductAttentionMatchesItsDefinition() {
    let queries = Tensor.normal([2, 1, 2], dtype: .float64, generator: Generator(seed: 12))
    let keys = Tensor.normal([2, 10, 2], dtype: .float64, generator: Generator(seed: 13))
    let values = Tensor.normal([2, 10, 4], dtype: .float64, generator: Generator(seed: 14))
    let attention = DotProductAttention(dropout: 0.5, generator: Generator(seed: 15))
    attention.eval()
    let out = attention(queries, keys, values, validLens: Tensor([2, 6]))
    #expect(out.shape == [2, 1, 4] && attention.parameterCount == 0)
    let scores = queries.matmul(keys.transposed(1, 2)) / 2.0.squareRoot()
    let weights = maskedSoftmax(scores, validLens: Tensor([2, 6]))
    #expect(maxAbsDifference(out, weights.matmul(values)) < 1e-15)
    #expect(attention.attentionWeights!.toDoubles() == weights.toDoubles())
    // In training mode, dropout acts on the weights (the stored weights stay undropped).
    attention.train()
    let dropped = attention(queries, keys, values, validLens: Tensor([2, 6]))
    #expect(maxAbsDifference(dropped, out) > 1e-3)
    #expect(attention.attentionWeights!.toDoubles() == weights.toDoubles())
  }

  @Test("additive and dot-product attention gradients", arguments: AttentionLayout.allCases)
  func scoringLayerGradients(_ layout: AttentionLayout) {
    let report = GradientReport("AdditiveAttention/DotProductAttention \(layout)")
    let additive = AdditiveAttention(keySize: 3, querySize: 2, numHiddens: 4, dropout: 0, dtype: .float64, generator: Generator(seed: 15))
    let q = attentionLeaf([2, 2, 2], layout, seed: 16), k = attentionLeaf([2, 4, 3], layout, seed: 17)
    let v = attentionLeaf([2, 4, 2], layout, seed: 18)
    let lens = Tensor([3, 4])
    expectAttentionGradients({ additive($0[0], $0[1], $0[2], validLens: lens) }, [q, k, v] + parameterInputs(additive),
                             report: report, "AdditiveAttention with valid lengths")
    let dot = DotProductAttention(dropout: 0)
    let dq = attentionLeaf([2, 3, 3], layout, seed: 19)
    expectAttentionGradients({ dot($0[0], $0[1], $0[2], validLens: Tensor([[1, 2, 4], [4, 3, 2]])) }, [dq, k, v],
                             report: report, "DotProductAttention with valid lengths per query")
    expectAttentionGradients({ dot($0[0], $0[1], $0[2]) }, [dq, k, v], report: report, "DotProductAttention without mask")
    report.printSummary()
  }

  // MARK: scaledDotProductAttention

  @Test func sdpaBoolMaskTrueMeansTakePart() {
    let q = Tensor.randn([2, 3, 4], dtype: .float64, generator: Generator(seed: 20))
    let k = Tensor.randn([2, 5, 4], dtype: .float64, generator: Generator(seed: 21))
    let v = Tensor.randn([2, 5, 6], dtype: .float64, generator: Generator(seed: 22))
    let plain = scaledDotProductAttentionWithWeights(q, k, v)
    let manual = softmax(q.matmul(k.transposed(1, 2)) / 2, axis: -1)
    #expect(maxAbsDifference(plain.weights, manual) < 1e-15)
    #expect(maxAbsDifference(plain.output, manual.matmul(v)) < 1e-14)
    #expect(maxAbsDifference(scaledDotProductAttention(q, k, v), plain.output) < 1e-14)
    // SDPA's bool mask: true = the key takes part. The weights are 0 exactly where it is false.
    let takesPart = Tensor.rand([3, 5], dtype: .float64, generator: Generator(seed: 23)) .< 0.6
    let masked = scaledDotProductAttentionWithWeights(q, k, v, mask: takesPart)
    let part = takesPart.toArray(Bool.self)
    for (i, w) in masked.weights.toDoubles().enumerated() where !part[i % 15] { #expect(w == 0) }
    // MultiheadAttention's convention is the opposite (true = masked out); both say the same
    // thing when one mask is the other's negation.
    let mhaStyle = maskedSoftmax(q.matmul(k.transposed(1, 2)) / 2, mask: takesPart.logicalNot())
    #expect(maxAbsDifference(masked.weights, mhaStyle) < 1e-15)
    // A float mask is added; a custom scale replaces 1/√E.
    let bias = Tensor.randn([2, 1, 5], dtype: .float64, generator: Generator(seed: 24))
    let shifted = scaledDotProductAttention(q, k, v, mask: bias, scale: 0.3)
    #expect(maxAbsDifference(shifted, softmax(q.matmul(k.transposed(1, 2)) * 0.3 + bias, axis: -1).matmul(v)) < 1e-14)
    // A query with no key left gets output 0 (PyTorch ≥ 2.5 does the same).
    let none = Tensor([[false, false, false, false, false], [true, true, true, true, true], [true, false, false, false, false]])
    let out = scaledDotProductAttention(q, k, v, mask: none)
    #expect(out[0, 0].toDoubles().allSatisfy { $0 == 0 } && out[1, 0].toDoubles().allSatisfy { $0 == 0 })
    #expect(maxAbsDifference(out[.all, 2], v[.all, 0]) < 1e-15)
  }

  @Test func sdpaCausalHidesTheFuture() {
    let q = Tensor.randn([1, 2, 4, 3], dtype: .float64, generator: Generator(seed: 25))
    let k = Tensor.randn([1, 2, 6, 3], dtype: .float64, generator: Generator(seed: 26))
    let v = Tensor.randn([1, 2, 6, 2], dtype: .float64, generator: Generator(seed: 27))
    let causal = scaledDotProductAttentionWithWeights(q, k, v, isCausal: true)
    // Query i sees keys 0…i: the top-left lower triangle of the 4 × 6 scores.
    let w = causal.weights.toDoubles()
    for h in 0..<2 {
      for i in 0..<4 {
        for j in 0..<6 {
          let value = w[h * 24 + i * 6 + j]
          #expect(j > i ? value == 0 : value > 0)
        }
      }
    }
    let explicit = scaledDotProductAttentionWithWeights(q, k, v, mask: Tensor.ones([4, 6], dtype: .bool).tril())
    #expect(causal.weights.toDoubles() == explicit.weights.toDoubles())
    #expect(causal.output.toDoubles() == explicit.output.toDoubles())
    #expect(causal.weights.sum(axis: -1).toDoubles().allSatisfy { Swift.abs($0 - 1) < 1e-14 })
  }

  @Test func sdpaDropoutDropsWeightsOnlyWhenAsked() {
    let q = Tensor.randn([2, 3, 4], dtype: .float64, generator: Generator(seed: 28))
    let kv = Tensor.randn([2, 5, 4], dtype: .float64, generator: Generator(seed: 29))
    let a = scaledDotProductAttentionWithWeights(q, kv, kv, dropout: 0.5, generator: Generator(seed: 30))
    let b = scaledDotProductAttentionWithWeights(q, kv, kv, dropout: 0.5, generator: Generator(seed: 30))
    #expect(a.output.toDoubles() == b.output.toDoubles(), "a seeded generator repeats the same mask")
    let plain = scaledDotProductAttentionWithWeights(q, kv, kv)
    // Survivors are scaled by 1/(1 − p); the output uses exactly the returned weights.
    for (d, p) in zip(a.weights.toDoubles(), plain.weights.toDoubles()) { #expect(d == 0 || Swift.abs(d - 2 * p) < 1e-15) }
    #expect(maxAbsDifference(a.output, a.weights.matmul(kv)) < 1e-15)
  }

  @Test("scaledDotProductAttention gradients", arguments: AttentionLayout.allCases)
  func sdpaGradients(_ layout: AttentionLayout) {
    let report = GradientReport("scaledDotProductAttention \(layout)")
    let q = attentionLeaf([2, 3, 4], layout, seed: 31), k = attentionLeaf([2, 5, 4], layout, seed: 32)
    let v = attentionLeaf([2, 5, 3], layout, seed: 33)
    expectAttentionGradients({ scaledDotProductAttention($0[0], $0[1], $0[2]) }, [q, k, v], report: report, "no mask")
    let takesPart = Tensor([[true, false, true, true, false], [false, false, false, false, false], [true, true, true, true, true]])
    expectAttentionGradients({ scaledDotProductAttention($0[0], $0[1], $0[2], mask: takesPart) }, [q, k, v], report: report,
                             "bool mask with a query that sees nothing")
    let bias = Tensor.randn([2, 1, 5], dtype: .float64, generator: Generator(seed: 34))
    expectAttentionGradients({ scaledDotProductAttention($0[0], $0[1], $0[2], mask: bias, scale: 0.7) }, [q, k, v], report: report, "float mask")
    expectAttentionGradients({ scaledDotProductAttention($0[0], $0[1], $0[2], isCausal: true) }, [q, k, v], report: report, "causal")
    // Broadcast batch axes: one key/value set shared by every head.
    let q4 = attentionLeaf([1, 2, 3, 4], layout, seed: 35)
    let shared = attentionLeaf([5, 4], layout, seed: 36)
    expectAttentionGradients({ scaledDotProductAttention($0[0], $0[1], $0[1], isCausal: true) }, [q4, shared], report: report,
                             "broadcast key/value")
    report.printSummary()
  }

  // MARK: Shapes that do not fit

  @Test func sdpaRefusesMaskAndCausalTogether() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor.zeros([2, 3, 4])
      _ = scaledDotProductAttention(x, x, x, mask: Tensor.ones([3, 3], dtype: .bool), isCausal: true)
    }
    #expect(childError(result).contains("either mask or isCausal"))
  }

  @Test func sdpaNamesAMaskThatDoesNotFit() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let q = Tensor.zeros([2, 3, 4]), k = Tensor.zeros([2, 5, 4])
      _ = scaledDotProductAttention(q, k, k, mask: Tensor.ones([3, 4], dtype: .bool))
    }
    let text = childError(result)
    #expect(text.contains("scaledDotProductAttention") && text.contains("[3, 4]") && text.contains("[2, 3, 5]"))
  }

  @Test func sdpaNamesMismatchedFeatures() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = scaledDotProductAttention(Tensor.zeros([2, 3, 4]), Tensor.zeros([2, 5, 3]), Tensor.zeros([2, 5, 3]))
    }
    let text = childError(result)
    #expect(text.contains("scaledDotProductAttention") && text.contains("[2, 3, 4]") && text.contains("[2, 5, 3]"))
  }

  @Test func maskedSoftmaxNamesLengthsThatDoNotFit() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = maskedSoftmax(Tensor.zeros([2, 3, 4]), validLens: Tensor([1, 2, 3]))
    }
    let text = childError(result)
    #expect(text.contains("maskedSoftmax") && text.contains("[3]") && text.contains("[2, 3, 4]"))
  }

  @Test func additiveAttentionNamesShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let a = AdditiveAttention(keySize: 2, querySize: 3, numHiddens: 4, dropout: 0)
      _ = a(Tensor.zeros([1, 2, 3]), Tensor.zeros([1, 4, 5]), Tensor.zeros([1, 4, 1]))
    }
    let text = childError(result)
    #expect(text.contains("AdditiveAttention") && text.contains("[1, 4, 5]"))
  }
}
