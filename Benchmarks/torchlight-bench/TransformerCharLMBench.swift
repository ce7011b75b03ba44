import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The small character Transformer of `../shared/bench/peers/transformer_charlm.py` (and of our
/// `Benchmarks/pytorch/transformer_charlm.py`), step for step: vocabulary `<unk>`, space, a–z;
/// token embedding plus learned positions (d 64), two pre-norm `TransformerEncoderLayer`s (4
/// heads, feed-forward 256, GELU, no dropout, batch first) with the causal mask, a final
/// LayerNorm and Linear(64, 28). Each step: 32 random windows of 64 characters, cross-entropy,
/// gradient-norm clipping at 1, Adam at 3e-3. Timed in chunks of 100 steps; tokens/s from the
/// fastest and the median chunk, as the PyTorch script reports them.
final class CharTransformer: Module {
  let tok: Embedding, pos: Tensor, blocks: TransformerEncoder, ln: LayerNorm, head: Linear

  init(vocabulary v: Int, dModel d: Int = 64, heads: Int = 4, layers: Int = 2, context t: Int = 64, generator g: Generator) {
    tok = Embedding(numEmbeddings: v, embeddingDim: d, generator: g)
    pos = (Tensor.randn([1, t, d], generator: g) * 0.02).detached().requiringGrad()
    let layer = TransformerEncoderLayer(dModel: d, nhead: heads, dimFeedforward: 4 * d, dropout: 0, activation: .gelu,
                                        batchFirst: true, normFirst: true, generator: g)
    blocks = TransformerEncoder(layer, numLayers: layers)
    ln = LayerNorm(d)
    head = Linear(inFeatures: d, outFeatures: v, generator: g)
  }

  override func namedLocalParameters() -> [(String, Tensor)] { [("pos", pos)] }
  override func namedChildren() -> [(String, Module)] { [("tok", tok), ("blocks", blocks), ("ln", ln), ("head", head)] }

  /// x [B, T] token ids → scores [B, T, V].
  override func forward(_ x: Tensor) -> Tensor {
    let t = x.shape[1]
    let h = tok(x) + pos.narrow(axis: 1, start: 0, length: t)
    return head(ln(blocks(h, isCausal: true)))
  }
}

/// Character ids in the peer's vocabulary: 0 `<unk>`, 1 space, 2… a–z.
func peerCharacterIDs(_ text: String) -> [Int64] {
  tokenize(text, .char, lettersOnly: true).map { c in
    guard let u = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return 0 }
    if u == " " { return 1 }
    if u.value >= 97 && u.value <= 122 { return Int64(u.value - 97 + 2) }
    return 0
  }
}

func benchTransformerCharLM(threads: Int, steps: Int = 500) {
  guard let book = try? SherlockHolmes() else {
    print("# transformer char LM skipped: the Sherlock Holmes text is not installed (make setup)")
    return
  }
  let ids = peerCharacterIDs(book.text)
  let train = Array(ids[..<(ids.count * 95 / 100)])
  let v = 28, t = 64, batch = 32
  let g = Generator(seed: 0)
  let model = CharTransformer(vocabulary: v, generator: g)
  let parameters = model.parameters()
  let optimizer = Adam(parameters: parameters, lr: 3e-3)
  timeCharLMTraining(name: "transformer_charlm", ids: train, numSteps: t, batch: batch, steps: steps, threads: threads,
                     parameters: parameters, optimizer: optimizer, generator: g,
                     extra: ["d_model": "64", "layers": "2", "params": "\(parameters.reduce(0) { $0 + $1.count })"]) { xs, ys in
    crossEntropy(logits: model(Tensor(xs, shape: [batch, t])).reshaped(-1, v), targets: Tensor(ys, shape: [batch * t]))
  }
}

/// Where one step of the char Transformer spends its time: forward (with the loss), backward,
/// clipping and the Adam update; then each fused op alone (forward + backward, with a sum and
/// its backward) at the model's shapes; best of `repeats`.
func profileTransformerCharLM(threads: Int, repeats: Int = 30) {
  let v = 28, t = 64, batch = 32
  let g = Generator(seed: 0)
  let model = CharTransformer(vocabulary: v, generator: g)
  let parameters = model.parameters()
  let optimizer = Adam(parameters: parameters, lr: 3e-3)
  let x = Tensor.randint(0, v, [batch, t], generator: g)
  let y = Tensor.randint(0, v, [batch * t], generator: g)
  func loss() -> Tensor { crossEntropy(logits: model(x).reshaped(-1, v), targets: y) }
  let inference = bestTime(repeats: repeats) { blackHole(withNoGrad { loss() }) }
  let forward = bestTime(repeats: repeats) { blackHole(loss()) }
  let both = bestTime(repeats: repeats) { loss().backward() }
  let clip = bestTime(repeats: repeats) { _ = clipGradNorm(parameters, maxNorm: 1) }
  let update = bestTime(repeats: repeats) { optimizer.step() }
  // The fused ops alone at the model's shapes, forward and backward (one layer's worth).
  let h = Tensor.randn([batch, t, 64], generator: g).requiringGrad()
  let wide = Tensor.randn([batch, t, 256], generator: g).requiringGrad()
  let heads = Tensor.randn([batch, 4, t, 16], generator: g).requiringGrad()
  let norm = LayerNorm(64)
  let attention = bestTime(repeats: repeats) { scaledDotProductAttention(heads, heads, heads, isCausal: true).sum().backward() }
  let layerNormTime = bestTime(repeats: repeats) { norm(h).sum().backward() }
  let geluTime = bestTime(repeats: repeats) { gelu(wide).sum().backward() }
  report("transformer_charlm_profile",
         ["threads": Double(threads), "inference_ms": inference * 1e3, "forward_ms": forward * 1e3,
          "backward_ms": (both - forward) * 1e3, "clip_ms": clip * 1e3, "adam_ms": update * 1e3,
          "attention_ms": attention * 1e3, "layernorm_ms": layerNormTime * 1e3, "gelu_ms": geluTime * 1e3])
}
