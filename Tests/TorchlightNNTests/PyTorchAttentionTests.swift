import Foundation
import Testing
@testable import TorchlightNN

/// The Python of the peer virtual environment (PyTorch on CPU), when it is installed.
private enum PyTorchPeer {
  static let python: String = ProcessInfo.processInfo.environment["TORCHLIGHT_PEERS_PYTHON"]
    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".venvs/torchlight-peers/bin/python").path
  static var available: Bool { FileManager.default.isExecutableFile(atPath: python) }
  /// Tests/peers/attention_reference.py, beside this test target's folder.
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("peers/attention_reference.py").path
}

/// One layer to run in both engines: its PyTorch settings, its state dict (from our module),
/// its inputs and masks, and our own result.
private struct PeerCase {
  let name: String
  let settings: [String: Any]
  let module: Module
  let inputs: [(String, Tensor)]
  /// PyTorch keyword argument → mask tensor.
  let masks: [(String, Tensor)]
  /// Other keyword arguments of the PyTorch call.
  let call: [String: Any]
  let ours: (output: Tensor, weights: Tensor?)
}

/// Random values for every LayerNorm and bias, so that a mix-up between them would show.
private func randomiseVectors(_ module: Module, seed: UInt64) {
  let g = Generator(seed: seed)
  withNoGrad {
    for (name, p) in module.namedParameters() where p.rank == 1 {
      p.copy(from: Tensor.randn(p.shape, dtype: p.dtype, generator: g) * 0.3 + (name.contains("norm") && name.hasSuffix("weight") ? 1 : 0))
    }
  }
}

private func randn(_ shape: [Int], _ seed: UInt64) -> Tensor { Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed)) }

private func layerSettings(_ kind: String, d: Int, h: Int, f: Int, activation: String, batchFirst: Bool, normFirst: Bool) -> [String: Any] {
  ["kind": kind, "d_model": d, "nhead": h, "dim_feedforward": f, "dropout": 0.1, "activation": activation,
   "layer_norm_eps": 1e-5, "batch_first": batchFirst, "norm_first": normFirst]
}

private func makeCases() -> [PeerCase] {
  var cases: [PeerCase] = []

  // MultiheadAttention, sequence first, bool key padding and attention masks, averaged weights.
  let mha = MultiheadAttention(embedDim: 8, numHeads: 2, dropout: 0.1, dtype: .float64, generator: Generator(seed: 1))
  randomiseVectors(mha, seed: 2)
  mha.eval()
  let mhaSettings: [String: Any] = ["kind": "mha", "embed_dim": 8, "num_heads": 2, "dropout": 0.1, "bias": true,
                                    "kdim": 8, "vdim": 8, "batch_first": false]
  let (q, k, v) = (randn([3, 2, 8], 3), randn([5, 2, 8], 4), randn([5, 2, 8], 5))
  let padding = Tensor([[false, false, true, false, true], [false, false, false, false, false]])
  let attnMask = Tensor([[false, true, false, false, false], [true, false, false, true, false], [false, false, false, false, true]])
  cases.append(PeerCase(name: "mha_masks", settings: mhaSettings, module: mha, inputs: [("query", q), ("key", k), ("value", v)],
                        masks: [("key_padding_mask", padding), ("attn_mask", attnMask)], call: [:],
                        ours: mha(q, k, v, keyPaddingMask: padding, attnMask: attnMask)))
  // The same layer: a float mask per example and head, weights per head.
  let perHead = randn([4, 3, 5], 6)
  cases.append(PeerCase(name: "mha_per_head", settings: mhaSettings, module: mha, inputs: [("query", q), ("key", k), ("value", v)],
                        masks: [("attn_mask", perHead)], call: ["average_attn_weights": false],
                        ours: mha(q, k, v, attnMask: perHead, averageAttnWeights: false)))

  // Other key and value sizes, batch first.
  let kv = MultiheadAttention(embedDim: 6, numHeads: 3, kdim: 4, vdim: 5, batchFirst: true, dtype: .float64, generator: Generator(seed: 7))
  randomiseVectors(kv, seed: 8)
  kv.eval()
  let (q2, k2, v2) = (randn([2, 3, 6], 9), randn([2, 4, 4], 10), randn([2, 4, 5], 11))
  let padding2 = Tensor([[false, true, false, false], [false, false, true, true]])
  cases.append(PeerCase(name: "mha_kdim_vdim",
                        settings: ["kind": "mha", "embed_dim": 6, "num_heads": 3, "dropout": 0.0, "bias": true, "kdim": 4, "vdim": 5,
                                   "batch_first": true],
                        module: kv, inputs: [("query", q2), ("key", k2), ("value", v2)], masks: [("key_padding_mask", padding2)],
                        call: [:], ours: kv(q2, k2, v2, keyPaddingMask: padding2)))

  // No biases, causal self-attention (PyTorch takes isCausal as a hint next to the mask).
  let noBias = MultiheadAttention(embedDim: 4, numHeads: 2, bias: false, batchFirst: true, dtype: .float64, generator: Generator(seed: 12))
  noBias.eval()
  let x = randn([2, 4, 4], 13)
  let causal = Tensor.ones([4, 4], dtype: .bool).triu(diagonal: 1)
  cases.append(PeerCase(name: "mha_no_bias_causal",
                        settings: ["kind": "mha", "embed_dim": 4, "num_heads": 2, "dropout": 0.0, "bias": false, "kdim": 4, "vdim": 4,
                                   "batch_first": true],
                        module: noBias, inputs: [("query", x), ("key", x), ("value", x)], masks: [("attn_mask", causal)],
                        call: ["need_weights": false, "is_causal": true],
                        ours: noBias(x, x, x, needWeights: false, attnMask: causal, isCausal: true)))

  // Encoder layers: post-norm ReLU sequence first with bool masks; pre-norm GELU batch first
  // with the float causal mask.
  let postEncoder = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dtype: .float64, generator: Generator(seed: 14))
  randomiseVectors(postEncoder, seed: 15)
  postEncoder.eval()
  let src = randn([4, 2, 8], 16)
  let srcPadding = Tensor([[false, false, false, true], [false, false, false, false]])
  let srcMask = Tensor.ones([4, 4], dtype: .bool).triu(diagonal: 1)
  cases.append(PeerCase(name: "encoder_post_norm",
                        settings: layerSettings("encoder_layer", d: 8, h: 2, f: 16, activation: "relu", batchFirst: false, normFirst: false),
                        module: postEncoder, inputs: [("src", src)], masks: [("src_mask", srcMask), ("src_key_padding_mask", srcPadding)],
                        call: [:], ours: (postEncoder(src, srcMask: srcMask, srcKeyPaddingMask: srcPadding), nil)))
  let preEncoder = TransformerEncoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, activation: .gelu, batchFirst: true,
                                           normFirst: true, dtype: .float64, generator: Generator(seed: 17))
  randomiseVectors(preEncoder, seed: 18)
  preEncoder.eval()
  let srcBF = randn([2, 4, 8], 19)
  let floatCausal = Transformer.generateSquareSubsequentMask(4, dtype: .float64)
  cases.append(PeerCase(name: "encoder_pre_norm",
                        settings: layerSettings("encoder_layer", d: 8, h: 2, f: 16, activation: "gelu", batchFirst: true, normFirst: true),
                        module: preEncoder, inputs: [("src", srcBF)], masks: [("src_mask", floatCausal)], call: ["is_causal": true],
                        ours: (preEncoder(srcBF, srcMask: floatCausal, isCausal: true), nil)))

  // Decoder layers, both norm orders.
  let tgt = randn([3, 2, 8], 20), memory = randn([5, 2, 8], 21)
  let tgtMask = Transformer.generateSquareSubsequentMask(3, dtype: .float64)
  let memoryPadding = Tensor([[false, false, false, true, true], [false, true, false, false, false]])
  let postDecoder = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, dtype: .float64, generator: Generator(seed: 22))
  randomiseVectors(postDecoder, seed: 23)
  postDecoder.eval()
  cases.append(PeerCase(name: "decoder_post_norm",
                        settings: layerSettings("decoder_layer", d: 8, h: 2, f: 16, activation: "relu", batchFirst: false, normFirst: false),
                        module: postDecoder, inputs: [("tgt", tgt), ("memory", memory)],
                        masks: [("tgt_mask", tgtMask), ("memory_key_padding_mask", memoryPadding)], call: [:],
                        ours: (postDecoder(tgt, memory, tgtMask: tgtMask, memoryKeyPaddingMask: memoryPadding), nil)))
  let preDecoder = TransformerDecoderLayer(dModel: 8, nhead: 2, dimFeedforward: 16, activation: .gelu, batchFirst: true,
                                           normFirst: true, dtype: .float64, generator: Generator(seed: 24))
  randomiseVectors(preDecoder, seed: 25)
  preDecoder.eval()
  let tgtBF = randn([2, 3, 8], 26), memoryBF = randn([2, 5, 8], 27)
  let memoryMask = Tensor([[false, true, false, false, false], [false, false, true, false, false], [true, false, false, false, false]])
  cases.append(PeerCase(name: "decoder_pre_norm",
                        settings: layerSettings("decoder_layer", d: 8, h: 2, f: 16, activation: "gelu", batchFirst: true, normFirst: true),
                        module: preDecoder, inputs: [("tgt", tgtBF), ("memory", memoryBF)],
                        masks: [("tgt_mask", tgtMask), ("memory_mask", memoryMask)], call: ["tgt_is_causal": true],
                        ours: (preDecoder(tgtBF, memoryBF, tgtMask: tgtMask, memoryMask: memoryMask, tgtIsCausal: true), nil)))

  // The whole nn.Transformer, batch first.
  let transformer = Transformer(dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 16,
                                batchFirst: true, dtype: .float64, generator: Generator(seed: 28))
  randomiseVectors(transformer, seed: 29)
  transformer.eval()
  let tSrc = randn([2, 5, 8], 30), tTgt = randn([2, 3, 8], 31)
  let tPadding = Tensor([[false, false, false, false, true], [false, false, true, false, false]])
  var tSettings = layerSettings("transformer", d: 8, h: 2, f: 16, activation: "relu", batchFirst: true, normFirst: false)
  tSettings["num_encoder_layers"] = 2
  tSettings["num_decoder_layers"] = 2
  cases.append(PeerCase(name: "transformer", settings: tSettings, module: transformer, inputs: [("src", tSrc), ("tgt", tTgt)],
                        masks: [("tgt_mask", tgtMask), ("src_key_padding_mask", tPadding), ("memory_key_padding_mask", tPadding)],
                        call: [:],
                        ours: (transformer(tSrc, tTgt, tgtMask: tgtMask, srcKeyPaddingMask: tPadding, memoryKeyPaddingMask: tPadding), nil)))
  return cases
}

@Suite("PyTorch attention peers") struct PyTorchAttentionTests {
  @Test(.enabled(if: PyTorchPeer.available, "needs PyTorch in ~/.venvs/torchlight-peers (or TORCHLIGHT_PEERS_PYTHON)"))
  func multiheadAttentionAndTransformerLayersMatchPyTorch() throws {
    let cases = makeCases()
    var tensors: [(String, Tensor)] = []
    var described: [[String: Any]] = []
    for c in cases {
      tensors += c.module.stateDict().map { ("\(c.name).param.\($0)", $1) }
      tensors += c.inputs.map { ("\(c.name).input.\($0)", $1) }
      tensors += c.masks.map { ("\(c.name).mask.\($0)", $1) }
      var entry = c.settings
      entry["name"] = c.name
      entry["inputs"] = c.inputs.map(\.0)
      entry["masks"] = Dictionary(uniqueKeysWithValues: c.masks.map { ($0.0, $0.0) })
      entry["call"] = c.call
      described.append(entry)
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-attention-peer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let input = folder.appendingPathComponent("input.safetensors").path, output = folder.appendingPathComponent("output.safetensors").path
    let json = String(decoding: try JSONSerialization.data(withJSONObject: described, options: [.sortedKeys]), as: UTF8.self)
    try SafeTensors.write(tensors, to: input, metadata: ["cases": json])

    let process = Process()
    process.executableURL = URL(fileURLWithPath: PyTorchPeer.python)
    process.arguments = [PyTorchPeer.script, input, output]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "the PyTorch reference failed:\n\(errText)")
    print("PyTorch reference: \(outText.trimmingCharacters(in: .whitespacesAndNewlines))")
    if !errText.isEmpty { print("PyTorch reference said on stderr:\n\(errText)") }

    let theirs = Dictionary(uniqueKeysWithValues: try SafeTensors.read(output))
    var worst = 0.0
    for c in cases {
      var pairs = [("output", c.ours.output)]
      if let w = c.ours.weights { pairs.append(("weights", w)) }
      for (what, mine) in pairs {
        guard let reference = theirs["\(c.name).\(what)"] else {
          Issue.record("\(c.name): PyTorch returned no \(what)")
          continue
        }
        #expect(reference.shape == mine.shape, "\(c.name) \(what): PyTorch's shape \(reference.shape), ours \(mine.shape)")
        guard reference.shape == mine.shape else { continue }
        let difference = maxAbsDifference(mine, reference)
        worst = max(worst, difference)
        print("\(c.name) \(what) \(mine.shape): max |ours − PyTorch| = \(String(format: "%.2e", difference))")
        #expect(difference < 1e-10, "\(c.name) \(what): max |ours − PyTorch| = \(difference)")
      }
    }
    #expect(theirs.count == cases.reduce(0) { $0 + ($1.ours.weights == nil ? 1 : 2) })
    print("PyTorch attention peers: worst max |ours − PyTorch| = \(String(format: "%.2e", worst)) over \(cases.count) cases")
  }
}
