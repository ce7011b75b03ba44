import Foundation
import Testing
@testable import TorchlightNN

/// A GPT small enough for full Jacobians: 7 tokens, 6 positions, 2 heads of 2 features.
private func tinyGPT(layers: Int = 1, tie: Bool = true, blockSize: Int = 6, seed: UInt64 = 1) -> GPT {
  let config = GPTConfig(vocabSize: 7, blockSize: blockSize, nLayer: layers, nHead: 2, nEmbd: 4, tieWeights: tie)
  let model = GPT(config, dtype: .float64, generator: Generator(seed: seed))
  // Random LayerNorm γ, β and biases, so that a mix-up between them would show in the checks.
  let g = Generator(seed: seed + 100)
  withNoGrad {
    for (name, p) in model.namedParameters() where p.rank == 1 {
      p.copy(from: Tensor.randn(p.shape, dtype: .float64, generator: g) * 0.3 + (name.contains("ln") && name.hasSuffix("weight") ? 1 : 0))
    }
    // Larger weights than N(0, 0.02²): the functions checked should be far from linear.
    for (_, p) in model.namedParameters() where p.rank == 2 { p.copy(from: p * 20) }
  }
  return model
}

private func tokens(_ rows: [[Int]]) -> Tensor { Tensor(rows.flatMap { $0.map(Int64.init) }, shape: [rows.count, rows[0].count]) }

@Suite("GPT") struct GPTTests {
  static let report = GradientReport("GPT")

  @Test func namesCountAndGroups() {
    let model = tinyGPT(layers: 2, tie: false)
    let block = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
                 "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]
    let expected = ["wte.weight", "wpe.weight"] + (0..<2).flatMap { i in block.map { "h.\(i).\($0)" } }
      + ["ln_f.weight", "ln_f.bias", "lm_head.weight"]
    #expect(model.namedParameters().map(\.0) == expected)
    let (v, t, e) = (7, 6, 4)
    let perBlock = 4 * e + (3 * e * e + 3 * e) + (e * e + e) + (4 * e * e + 4 * e) + (4 * e * e + e)
    #expect(model.parameterCount == v * e + t * e + 2 * perBlock + 2 * e + v * e)
    // Tied: the head is the token embedding, counted once.
    let tied = tinyGPT(layers: 2)
    #expect(!tied.namedParameters().map(\.0).contains("lm_head.weight"))
    #expect(tied.parameterCount == model.parameterCount - v * e)
    let (decay, noDecay) = tied.weightDecayGroups()
    #expect(decay.count == 2 + 2 * 4 && noDecay.count == 2 * 8 + 2)
    #expect(decay.allSatisfy { $0.rank == 2 } && noDecay.allSatisfy { $0.rank == 1 })
    // nanoGPT's CPU recipe on a 65-character vocabulary: it reports 0.80M parameters, without LayerNorm β
    // (its bias=False) and without the position table.
    let recipe = GPT(GPTConfig(vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, bias: false))
    #expect(recipe.parameterCount - 9 * 128 - 64 * 128 == 795_904)
  }

  @Test func initialisationScalesTheResidualProjections() {
    let model = GPT(GPTConfig(vocabSize: 50, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128), generator: Generator(seed: 3))
    func std(_ t: Tensor) -> Double { t.double().std().item() }
    #expect(Swift.abs(std(model.wte.weight) - 0.02) < 0.001)
    #expect(Swift.abs(std(model.h[0].attn.cAttn.weight) - 0.02) < 0.001)
    #expect(Swift.abs(std(model.h[3].mlp.cFc.weight) - 0.02) < 0.001)
    let residual = 0.02 / 8.0.squareRoot()
    #expect(Swift.abs(std(model.h[1].attn.cProj.weight) - residual) < 0.0005)
    #expect(Swift.abs(std(model.h[2].mlp.cProj.weight) - residual) < 0.0005)
    #expect(model.h[0].attn.cAttn.bias!.abs().max().item() == 0)
  }

  @Test func laterTokensDoNotChangeEarlierLogits() {
    let model = tinyGPT(layers: 2)
    let a = model(tokens([[1, 4, 2, 6, 0, 3]])), b = model(tokens([[1, 4, 2, 5, 5, 1]]))
    let early = { (x: Tensor) in x.narrow(axis: 1, start: 0, length: 3) }
    #expect(maxAbsDifference(early(a), early(b)) == 0)
    #expect(maxAbsDifference(a.narrow(axis: 1, start: 3, length: 1), b.narrow(axis: 1, start: 3, length: 1)) > 1e-3)
  }

  @Test func cachedForwardEqualsTheFullForward() {
    let model = tinyGPT(layers: 2)
    model.eval()
    let input = tokens([[1, 4, 2, 6, 0, 3], [5, 5, 0, 2, 1, 6]])
    let full = model(input)
    // Three positions, then two at once (a causal mask offset by the cache), then one.
    let cache = KVCache(layers: 2)
    let parts = [(0, 3), (3, 2), (5, 1)].map { start, length in
      model.forward(input.narrow(axis: 1, start: start, length: length).contiguous(), cache: cache)
    }
    #expect(cache.length == 6)
    #expect(maxAbsDifference(Tensor.cat(parts, axis: 1), full) < 1e-12)
  }

  @Test func cachedAndUncachedGenerationGiveTheSameLogits() {
    // 20 new tokens with 6 positions: the context fills and restarts several times.
    let model = tinyGPT(layers: 2)
    var cached: [Tensor] = [], uncached: [Tensor] = []
    let a = model.generate([3, 1], maxNewTokens: 20, temperature: 0.8, topK: 5, useCache: true,
                           generator: Generator(seed: 9)) { cached.append($0) }
    let b = model.generate([3, 1], maxNewTokens: 20, temperature: 0.8, topK: 5, useCache: false,
                           generator: Generator(seed: 9)) { uncached.append($0) }
    #expect(a == b && a.count == 20)
    #expect(cached.count == 20 && zip(cached, uncached).allSatisfy { maxAbsDifference($0, $1) < 1e-12 })
    #expect(model.isTraining)    // generate switches to eval and back
    // A prompt longer than the context is cropped to its last blockSize tokens.
    var first: Tensor?
    _ = model.generate([0, 0, 0, 3, 1, 4, 1, 5], maxNewTokens: 1) { first = $0 }
    let direct = withNoGrad { model.eval(); defer { model.train() }; return model(tokens([[3, 1, 4, 1, 5].map { $0 }, ].map { [0] + $0 })) }
    #expect(maxAbsDifference(first!, direct.narrow(axis: 1, start: 5, length: 1).reshaped(7)) < 1e-12)
  }

  @Test func sampleTokenTemperatureAndTopK() {
    let logits = Tensor([0.0, 2.0, 1.0, 2.0, -1.0], shape: [5], dtype: .float64)
    let g = Generator(seed: 4)
    // Top-1 is the arg max (ties with the k-th largest are kept: 1 and 3 both qualify).
    let top1 = Set((0..<50).map { _ in sampleToken(logits: logits, topK: 1, generator: g) })
    #expect(top1 == [1, 3])
    // Top-3 never draws the two smallest logits; a tiny temperature draws only the largest.
    #expect((0..<200).allSatisfy { _ in [1, 2, 3].contains(sampleToken(logits: logits, topK: 3, generator: g)) })
    #expect((0..<50).allSatisfy { _ in [1, 3].contains(sampleToken(logits: logits, temperature: 0.01, generator: g)) })
    // Frequencies follow softmax(z): p(4) = e⁻¹ / Σ ≈ 0.0194.
    var counts = [Int](repeating: 0, count: 5)
    for _ in 0..<20_000 { counts[sampleToken(logits: logits, generator: g)] += 1 }
    let z = [0.0, 2, 1, 2, -1].map { Foundation.exp($0) }, total = z.reduce(0, +)
    for i in 0..<5 { #expect(Swift.abs(Double(counts[i]) / 20_000 - z[i] / total) < 0.01) }
  }

  @Test(arguments: AttentionLayout.allCases)
  func attentionGradients(layout: AttentionLayout) {
    let model = tinyGPT()
    let attention = model.h[0].attn
    let x = attentionLeaf([2, 3, 4], layout, seed: 11)
    // Second order once (the layout of x changes nothing there).
    expectAttentionGradients({ xs in attention(xs[0]) }, [x] + parameterInputs(attention), secondOrder: layout == .contiguous,
                             report: Self.report, "CausalSelfAttention, \(layout.rawValue) input")
  }

  @Test func blockGradients() {
    let block = tinyGPT().h[0]
    let x = attentionLeaf([2, 3, 4], .strided, seed: 12)
    expectAttentionGradients({ xs in block(xs[0]) }, [x] + parameterInputs(block), secondOrder: false, report: Self.report, "GPTBlock")
    // Second order with respect to the input (the parameters' are covered by the pieces' checks).
    let params = parameterInputs(block)
    for p in params { p.requiresGrad = false }
    defer { for p in params { p.requiresGrad = true } }
    expectAttentionGradients({ xs in block(xs[0]) }, [x], report: Self.report, "GPTBlock, second order in x")
  }

  @Test(arguments: [true, false])
  func modelLossGradients(tie: Bool) {
    let model = tinyGPT(layers: 1, tie: tie)
    let input = tokens([[1, 4, 2, 6], [5, 5, 0, 2]]), target = tokens([[4, 2, 6, 0], [5, 0, 2, 1]])
    let loss = { (_: [Tensor]) in crossEntropy(logits: model(input).reshaped(-1, 7), targets: target.reshaped(-1)) }
    expectAttentionGradients(loss, parameterInputs(model), secondOrder: false, report: Self.report, "GPT loss, tied: \(tie)")
    Self.report.printSummary()
  }

  /// Second derivatives of the loss through the whole model (embeddings, attention, MLP, final
  /// norm, tied head), with respect to the embedding, the attention's input projection, a bias of the MLP and γ of
  /// the final norm; the others held fixed.
  @Test func modelLossSecondOrder() {
    let model = tinyGPT(layers: 1)
    let input = tokens([[1, 4, 2], [5, 5, 0]]), target = tokens([[4, 2, 6], [5, 0, 2]])
    let checked = [model.wte.weight, model.h[0].attn.cAttn.weight, model.h[0].mlp.cFc.bias!, model.lnF.weight!]
    let ids = Set(checked.map(ObjectIdentifier.init))
    let frozen = model.parameters().filter { !ids.contains(ObjectIdentifier($0)) }
    for p in frozen { p.requiresGrad = false }
    defer { for p in frozen { p.requiresGrad = true } }
    let loss = { (_: [Tensor]) in crossEntropy(logits: model(input).reshaped(-1, 7), targets: target.reshaped(-1)) }
    let second = gradgradCheck(loss, inputs: checked)
    Self.report.record(second)
    #expect(second.passed, "GPT loss, second order: \(second)")
  }
}
