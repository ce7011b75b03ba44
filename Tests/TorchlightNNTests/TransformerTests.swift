import Foundation
import Testing
@testable import TorchlightNN

/// PyTorch's parameter names of `nn.TransformerEncoderLayer`, in its order.
private let encoderLayerNames = [
  "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
  "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
]

/// PyTorch's parameter names of `nn.TransformerDecoderLayer`, in its order.
private let decoderLayerNames = [
  "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
  "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias",
  "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
  "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias",
]

/// Gives a layer's LayerNorms and biases random values, so that a mix-up between them shows.
private func randomiseNormsAndBiases(_ module: Module, seed: UInt64) {
  let g = Generator(seed: seed)
  withNoGrad {
    for (name, p) in module.namedParameters() where p.rank == 1 {
      let base = name.contains("norm") && name.hasSuffix("weight") ? 1.0 : 0.0
      p.copy(from: Tensor.randn(p.shape, dtype: p.dtype, generator: g) * 0.3 + base)
    }
  }
}

@Suite("Transformer") struct TransformerTests {
  @Test func layersAreNamedAndCountedLikePyTorch() {
    let (d, h, f) = (8, 2, 16)
    let encoderLayer = TransformerEncoderLayer(dModel: d, nhead: h, dimFeedforward: f)
    #expect(encoderLayer.namedParameters().map(\.0) == encoderLayerNames)
    #expect(encoderLayer.parameterCount == 4 * d * d + 4 * d + 2 * d * f + d + f + 4 * d)
    #expect(encoderLayer.namedModules().map(\.0) == ["", "self_attn", "self_attn.out_proj", "linear1", "dropout", "linear2",
                                                      "norm1", "norm2", "dropout1", "dropout2"])
    let decoderLayer = TransformerDecoderLayer(dModel: d, nhead: h, dimFeedforward: f)
    #expect(decoderLayer.namedParameters().map(\.0) == decoderLayerNames)
    #expect(decoderLayer.parameterCount == 8 * d * d + 8 * d + 2 * d * f + d + f + 6 * d)

    let encoder = TransformerEncoder(encoderLayer, numLayers: 2, norm: LayerNorm(d))
    #expect(encoder.namedParameters().map(\.0) == (0..<2).flatMap { i in encoderLayerNames.map { "layers.\(i).\($0)" } } + ["norm.weight", "norm.bias"])
    let transformer = Transformer(dModel: d, nhead: h, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: f)
    let expected = (0..<2).flatMap { i in encoderLayerNames.map { "encoder.layers.\(i).\($0)" } } + ["encoder.norm.weight", "encoder.norm.bias"]
      + decoderLayerNames.map { "decoder.layers.0.\($0)" } + ["decoder.norm.weight", "decoder.norm.bias"]
    #expect(transformer.namedParameters().map(\.0) == expected)
    #expect(transformer.stateDict().map(\.0) == expected)
    #expect(transformer.parameterCount == 2 * encoderLayer.parameterCount + 2 * d + decoderLayer.parameterCount + 2 * d)
    // PyTorch's defaults: d = 512, 8 heads, 6 + 6 layers, f = 2048: 44,140,544 parameters.
    let perEncoder = 4 * 512 * 512 + 4 * 512 + 2 * 512 * 2048 + 512 + 2048 + 4 * 512
    let perDecoder = 8 * 512 * 512 + 8 * 512 + 2 * 512 * 2048 + 512 + 2048 + 6 * 512
    #expect(6 * perEncoder + 6 * perDecoder + 4 * 512 == 44_140_544)
  }

  @Test func evalReachesEveryDropout() {
    let transformer = Transformer(dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8)
    transformer.eval()
    #expect(transformer.modules().allSatisfy { !$0.isTraining })
    #expect(transformer.modules().filter { $0 is Dropout }.count == 3 + 4)
    transformer.train()
    #expect(transformer.modules().allSatisfy { $0.isTraining })
  }

  @Test("encoder layer is the composition it documents", arguments: [false, true])
  func encoderLayerWiring(normFirst: Bool) {
    let layer = TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, activation: .gelu, normFirst: normFirst,
                                        dtype: .float64, generator: Generator(seed: 1))
    randomiseNormsAndBiases(layer, seed: 2)
    layer.eval()
    let x = Tensor.randn([3, 2, 4], dtype: .float64, generator: Generator(seed: 3))
    let padding = Tensor([[false, false, true], [false, false, false]])
    func sa(_ y: Tensor) -> Tensor { layer.selfAttn(y, y, y, keyPaddingMask: padding, isCausal: true).output }
    func ff(_ y: Tensor) -> Tensor { layer.linear2(gelu(layer.linear1(y))) }
    let expected: Tensor
    if normFirst {
      let y = x + sa(layer.norm1(x))
      expected = y + ff(layer.norm2(y))
    } else {
      let y = layer.norm1(x + sa(x))
      expected = layer.norm2(y + ff(y))
    }
    // The layer asks for no weights, so its attention is the fused op; `sa` returns weights and
    // runs op by op: the two agree to rounding.
    #expect(maxAbsDifference(layer(x, srcKeyPaddingMask: padding, isCausal: true), expected) < 1e-14)
    #expect(maxAbsDifference(layer(x), layer.forward(x, srcMask: nil, srcKeyPaddingMask: nil)) == 0)
  }

  @Test("decoder layer is the composition it documents", arguments: [false, true])
  func decoderLayerWiring(normFirst: Bool) {
    let layer = TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, batchFirst: true, normFirst: normFirst,
                                        dtype: .float64, generator: Generator(seed: 4))
    randomiseNormsAndBiases(layer, seed: 5)
    layer.eval()
    let tgt = Tensor.randn([2, 3, 4], dtype: .float64, generator: Generator(seed: 6))
    let memory = Tensor.randn([2, 5, 4], dtype: .float64, generator: Generator(seed: 7))
    let tgtMask = Transformer.generateSquareSubsequentMask(3, dtype: .float64)
    let memoryPadding = Tensor([[false, false, false, true, true], [false, false, false, false, false]])
    func sa(_ y: Tensor) -> Tensor { layer.selfAttn(y, y, y, attnMask: tgtMask).output }
    func ca(_ y: Tensor) -> Tensor { layer.multiheadAttn(y, memory, memory, keyPaddingMask: memoryPadding).output }
    func ff(_ y: Tensor) -> Tensor { layer.linear2(layer.linear1(y).relu()) }
    var y = tgt
    if normFirst {
      y = y + sa(layer.norm1(y)); y = y + ca(layer.norm2(y)); y = y + ff(layer.norm3(y))
    } else {
      y = layer.norm1(y + sa(y)); y = layer.norm2(y + ca(y)); y = layer.norm3(y + ff(y))
    }
    let out = layer(tgt, memory, tgtMask: tgtMask, memoryKeyPaddingMask: memoryPadding)
    // The layer's attention is the fused op (it asks for no weights), the composition's op by op.
    #expect(out.shape == [2, 3, 4] && maxAbsDifference(out, y) < 1e-14)
    // tgtIsCausal without a mask builds the same causal mask.
    #expect(maxAbsDifference(layer(tgt, memory, memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true), y) < 1e-14)
  }

  @Test func stacksCopyTheirLayerAndRunInOrder() {
    let layer = TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dtype: .float64, generator: Generator(seed: 8))
    let encoder = TransformerEncoder(layer, numLayers: 3, norm: LayerNorm(4, dtype: .float64))
    encoder.eval()
    // Like PyTorch's deep copies: equal values, separate storage.
    let first = encoder.layers[0].namedParameters(), second = encoder.layers[1].namedParameters()
    #expect(zip(first, second).allSatisfy { $0.1.toDoubles() == $1.1.toDoubles() && $0.1.storage !== $1.1.storage })
    #expect(zip(first, layer.namedParameters()).allSatisfy { $0.1.storage !== $1.1.storage })
    withNoGrad { encoder.layers[1].linear1.bias!.fill(0.25) }   // make the layers differ
    let x = Tensor.randn([5, 2, 4], dtype: .float64, generator: Generator(seed: 9))
    let mask = Transformer.generateSquareSubsequentMask(5, dtype: .float64)
    var expected = x
    for l in encoder.layers { expected = l(expected, srcMask: mask) }
    #expect(maxAbsDifference(encoder(x, mask: mask), encoder.norm!(expected)) == 0)
    #expect(maxAbsDifference(encoder(x, isCausal: true), encoder.norm!(expected)) == 0)

    let decoderLayer = TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dtype: .float64, generator: Generator(seed: 10))
    let decoder = TransformerDecoder(decoderLayer, numLayers: 2)
    decoder.eval()
    let memory = Tensor.randn([3, 2, 4], dtype: .float64, generator: Generator(seed: 11))
    let tgt = Tensor.randn([4, 2, 4], dtype: .float64, generator: Generator(seed: 12))
    let once = decoder.layers[1](decoder.layers[0](tgt, memory, tgtIsCausal: true), memory, tgtIsCausal: true)
    #expect(decoder.norm == nil && maxAbsDifference(decoder(tgt, memory, tgtIsCausal: true), once) == 0)
  }

  @Test func transformerStartsXavierAndConnectsEncoderToDecoder() {
    let (d, f) = (8, 12)
    let transformer = Transformer(dModel: d, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: f,
                                  dropout: 0.1, batchFirst: true, dtype: .float64, generator: Generator(seed: 13))
    for (name, p) in transformer.namedParameters() where p.rank > 1 {
      let bound = (6.0 / Double(p.shape[0] + p.shape[1])).squareRoot()
      #expect(p.toDoubles().allSatisfy { Swift.abs($0) <= bound }, "\(name) is Xavier-uniform")
    }
    #expect(transformer.encoder.layers[0].linear1.weight.toDoubles() != transformer.encoder.layers[1].linear1.weight.toDoubles())
    transformer.eval()
    let src = Tensor.randn([2, 5, d], dtype: .float64, generator: Generator(seed: 14))
    let tgt = Tensor.randn([2, 3, d], dtype: .float64, generator: Generator(seed: 15))
    let tgtMask = Transformer.generateSquareSubsequentMask(3, dtype: .float64)
    let padding = Tensor([[false, false, false, false, true], [false, false, false, false, false]])
    let out = transformer(src, tgt, tgtMask: tgtMask, srcKeyPaddingMask: padding, memoryKeyPaddingMask: padding)
    #expect(out.shape == [2, 3, d])
    let memory = transformer.encoder(src, srcKeyPaddingMask: padding)
    let expected = transformer.decoder(tgt, memory, tgtMask: tgtMask, memoryKeyPaddingMask: padding)
    #expect(maxAbsDifference(out, expected) == 0)
    // The padded source position does not reach the output.
    let changed = src.clone()
    withNoGrad { changed[0, 4] = Tensor.full([d], 7, dtype: .float64) }
    let again = transformer(changed, tgt, tgtMask: tgtMask, srcKeyPaddingMask: padding, memoryKeyPaddingMask: padding)
    #expect(maxAbsDifference(again, out) < 1e-14)
  }

  @Test func squareSubsequentMaskIsMinusInfinityAboveTheDiagonal() {
    let mask = Transformer.generateSquareSubsequentMask(4)
    #expect(mask.shape == [4, 4] && mask.dtype == .float32)
    let inf = -Double.infinity
    #expect(mask.toDoubles() == [0, inf, inf, inf, 0, 0, inf, inf, 0, 0, 0, inf, 0, 0, 0, 0])
    #expect(Transformer.generateSquareSubsequentMask(1).toDoubles() == [0])
    #expect(Transformer.generateSquareSubsequentMask(3, dtype: .float64).dtype == .float64)
  }

  @Test func positionalEncodingIsTheSinusoidTable() {
    let pe = PositionalEncoding(numHiddens: 6, dropout: 0.5, maxLen: 50, dtype: .float64)
    #expect(pe.P.shape == [1, 50, 6])
    #expect(pe.parameterCount == 0 && pe.stateDict().isEmpty, "P is a constant, as in d2l")
    #expect(pe.P[0, 0].toDoubles() == [0, 1, 0, 1, 0, 1])
    for i in [1, 7, 49] {
      for j in 0..<3 {
        let angle = Double(i) / pow(10000, Double(2 * j) / 6)
        #expect(Swift.abs(pe.P[0, i, 2 * j].item() - sin(angle)) < 1e-15)
        #expect(Swift.abs(pe.P[0, i, 2 * j + 1].item() - cos(angle)) < 1e-15)
      }
    }
    pe.eval()
    let x = Tensor.randn([2, 10, 6], dtype: .float64, generator: Generator(seed: 16))
    #expect(maxAbsDifference(pe(x), x + pe.P[.all, 0..<10]) == 0)
    pe.train()
    #expect(pe(x).toDoubles().contains(0), "dropout in training mode")
    // An odd width keeps the sin/cos pattern in every column.
    let odd = PositionalEncoding(numHiddens: 5, dropout: 0, maxLen: 4, dtype: .float64)
    #expect(Swift.abs(odd.P[0, 3, 4].item() - sin(3 / pow(10000, 4.0 / 5))) < 1e-15)
  }

  @Test("encoder layer gradients", arguments: [(false, AttentionLayout.transposed, false), (true, .strided, true)])
  func encoderLayerGradients(normFirst: Bool, layout: AttentionLayout, batchFirst: Bool) {
    let report = GradientReport("TransformerEncoderLayer normFirst=\(normFirst) \(layout)")
    let layer = TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0.3, activation: normFirst ? .gelu : .relu,
                                        batchFirst: batchFirst, normFirst: normFirst, dtype: .float64, generator: Generator(seed: 17))
    randomiseNormsAndBiases(layer, seed: 18)
    layer.eval()   // dropout off: deterministic
    let src = attentionLeaf(batchFirst ? [2, 3, 4] : [3, 2, 4], layout, seed: 19)
    let padding = Tensor([[false, false, true], [false, false, false]])
    expectAttentionGradients({ layer($0[0], srcKeyPaddingMask: padding, isCausal: true) }, [src] + parameterInputs(layer),
                             report: report, "key padding and causal masks")
    let floatMask = Tensor.randn([3, 3], dtype: .float64, generator: Generator(seed: 20))
    expectAttentionGradients({ layer($0[0], srcMask: floatMask) }, [src], report: report, "float mask")
    report.printSummary()
  }

  @Test("decoder layer gradients", arguments: [(false, AttentionLayout.strided, false), (true, .transposed, true)])
  func decoderLayerGradients(normFirst: Bool, layout: AttentionLayout, batchFirst: Bool) {
    let report = GradientReport("TransformerDecoderLayer normFirst=\(normFirst) \(layout)")
    let layer = TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 6, dropout: 0, activation: normFirst ? .relu : .gelu,
                                        batchFirst: batchFirst, normFirst: normFirst, dtype: .float64, generator: Generator(seed: 21))
    randomiseNormsAndBiases(layer, seed: 22)
    let tgt = attentionLeaf(batchFirst ? [2, 3, 4] : [3, 2, 4], layout, seed: 23)
    let memory = attentionLeaf(batchFirst ? [2, 2, 4] : [2, 2, 4], layout, seed: 24)
    let memoryPadding = Tensor([[false, true], [false, false]])
    expectAttentionGradients({ layer($0[0], $0[1], memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true) },
                             [tgt, memory] + parameterInputs(layer), report: report, "causal target, padded memory")
    report.printSummary()
  }

  @Test func transformerGradients() {
    let report = GradientReport("Transformer")
    let transformer = Transformer(dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4,
                                  dropout: 0.2, dtype: .float64, generator: Generator(seed: 25))
    transformer.eval()
    let src = attentionLeaf([3, 1, 4], .transposed, seed: 26), tgt = attentionLeaf([2, 1, 4], .strided, seed: 27)
    let tgtMask = Transformer.generateSquareSubsequentMask(2, dtype: .float64)
    expectAttentionGradients({ transformer($0[0], $0[1], tgtMask: tgtMask) }, [src, tgt], report: report, "source and target")
    report.printSummary()
  }

  // MARK: Shapes that do not fit

  @Test func transformerNamesABatchMismatch() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let t = Transformer(dModel: 4, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 4)
      _ = t(Tensor.zeros([2, 5, 4]), Tensor.zeros([2, 3, 4]))   // batch-first data, sequence-first model
    }
    let text = childError(result)
    #expect(text.contains("Transformer(dModel: 4, nhead: 2)") && text.contains("[2, 5, 4]") && text.contains("[2, 3, 4]")
            && text.contains("batchFirst is false"))
  }

  @Test func encoderLayerNamesAWrongWidth() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 4)(Tensor.zeros([3, 2, 5]))
    }
    let text = childError(result)
    #expect(text.contains("TransformerEncoderLayer(dModel: 4, nhead: 2)") && text.contains("[3, 2, 5]"))
  }

  @Test func encoderLayerNamesHeadsThatDoNotDivide() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = TransformerEncoderLayer(dModel: 6, nhead: 4)
    }
    #expect(childError(result).contains("embedDim 6 must be divisible by numHeads 4"))
  }

  @Test func decoderLayerNamesMismatchedMemory() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let layer = TransformerDecoderLayer(dModel: 4, nhead: 2, dimFeedforward: 4)
      _ = layer(Tensor.zeros([3, 2, 4]), Tensor.zeros([5, 3, 4]))
    }
    let text = childError(result)
    #expect(text.contains("TransformerDecoderLayer(dModel: 4, nhead: 2)") && text.contains("[5, 3, 4]") && text.contains("batch size"))
  }

  @Test func encoderLayerNamesABatchFirstMixUpThroughItsPaddingMask() async {
    // Batch-first data [N=2, S=5, E] with its padding mask [2, 5], given to a sequence-first layer.
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let layer = TransformerEncoderLayer(dModel: 4, nhead: 2, dimFeedforward: 4)
      _ = layer(Tensor.zeros([2, 5, 4]), srcKeyPaddingMask: Tensor.zeros([2, 5], dtype: .bool))
    }
    let text = childError(result)
    #expect(text.contains("TransformerEncoderLayer(dModel: 4, nhead: 2): srcKeyPaddingMask of shape [2, 5] must be [N, S] = [5, 2]")
            && text.contains("batchFirst is false"))
  }

  @Test func positionalEncodingNamesALongInput() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = PositionalEncoding(numHiddens: 4, dropout: 0, maxLen: 8)(Tensor.zeros([1, 9, 4]))
    }
    #expect(childError(result).contains("PositionalEncoding(numHiddens: 4, maxLen: 8)") && childError(result).contains("[1, 9, 4]"))
  }
}
