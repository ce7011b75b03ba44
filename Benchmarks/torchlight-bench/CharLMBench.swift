import Foundation
import Torchlight
import TorchlightNN
import TorchlightOptim

/// The character-level language model of `../shared/bench/peers/lstm_charlm.py`, step for step:
/// one-hot input (vocabulary 28) → LSTM(28, 256) (or GRU) → Linear(256, 28), 32 random
/// subsequences of 35 tokens per step, cross-entropy, Adam at lr 1e-2, gradient norm clipped to
/// 1.0. The tokens are synthetic but fixed (seeded ids with some repetition, so the loss can
/// fall): the text pipeline lives elsewhere, and the speed does not depend on the letters.
/// Timed as the script does, in chunks of 100 steps: tokens/s from the fastest chunk (and the
/// median one).
func benchCharLM(threads: Int, cell: RecurrentMode, steps: Int = 500) {
  let vocab = 28, hidden = 256, seqLen = 35, batch = 32, chunk = 100
  let g = Generator(seed: 0)
  let ids = syntheticText(count: 200_000, vocab: vocab, generator: g)
  let rnn: RNNBase = cell == .lstm
    ? LSTM(inputSize: vocab, hiddenSize: hidden, generator: g)
    : GRU(inputSize: vocab, hiddenSize: hidden, generator: g)
  let out = Linear(inFeatures: hidden, outFeatures: vocab, generator: g)
  let parameters = rnn.parameters() + out.parameters()
  let optimizer = Adam(parameters: parameters, lr: 1e-2)
  let offsets = Tensor.randint(0, ids.count - seqLen - 1, [steps, batch], generator: g).toArray(Int64.self)

  var losses: [Double] = [], chunkTimes: [Double] = []
  var phases = [Double](repeating: 0, count: 6)   // data, recurrent forward, head forward, backward, clip, update (s)
  func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
  var start = DispatchTime.now().uptimeNanoseconds
  for step in 0..<steps {
    let t0 = now()
    var xs = [Int64](), ys = [Int64]()
    xs.reserveCapacity(batch * seqLen); ys.reserveCapacity(batch * seqLen)
    for b in 0..<batch {
      let o = Int(offsets[step * batch + b])
      xs += ids[o..<(o + seqLen)]
      ys += ids[(o + 1)..<(o + seqLen + 1)]
    }
    let x = Tensor(xs, shape: [batch, seqLen]), y = Tensor(ys, shape: [batch, seqLen])
    let input = oneHot(x.t(), numClasses: vocab), targets = y.t().reshaped([-1])
    let t1 = now()
    let h = rnn(input)                                            // [T, B, H]
    let t1b = now()
    let logits = out(h)                                           // [T, B, V]
    let loss = crossEntropy(logits: logits.reshaped([-1, vocab]), targets: targets)
    let t2 = now()
    optimizer.zeroGrad()
    loss.backward()
    let t3 = now()
    clipGradNorm(parameters, maxNorm: 1.0)
    let t4 = now()
    optimizer.step()
    losses.append(loss.item())
    let t5 = now()
    for (k, d) in [t1 - t0, t1b - t1, t2 - t1b, t3 - t2, t4 - t3, t5 - t4].enumerated() { phases[k] += d }
    if (step + 1) % chunk == 0 {
      let now = DispatchTime.now().uptimeNanoseconds
      chunkTimes.append(Double(now - start) / 1e9)
      let ppl = Foundation.exp(losses.suffix(chunk).reduce(0, +) / Double(chunk))
      print(String(format: "# %@ step %d: %.3fs/%d steps, train ppl (last %d) %.3f", cell.layerName, step + 1, chunkTimes.last!, chunk, chunk, ppl))
      fflush(nil)
      start = DispatchTime.now().uptimeNanoseconds
    }
  }
  guard !chunkTimes.isEmpty else { return }
  let tokens = Double(chunk * batch * seqLen)
  let median = chunkTimes.sorted()[chunkTimes.count / 2]
  let last = Swift.min(50, losses.count)
  report("\(cell == .lstm ? "lstm" : "gru")_charlm",
         ["threads": Double(threads), "tokens_per_sec": tokens / chunkTimes.min()!, "tokens_per_sec_median": tokens / median,
          "ms_per_step_median": 1000 * median / Double(chunk),
          "train_ppl_last50": Foundation.exp(losses.suffix(last).reduce(0, +) / Double(last)),
          "data_ms": phases[0] * 1e3 / Double(steps), "rnn_forward_ms": phases[1] * 1e3 / Double(steps),
          "head_forward_ms": phases[2] * 1e3 / Double(steps), "backward_ms": phases[3] * 1e3 / Double(steps),
          "clip_ms": phases[4] * 1e3 / Double(steps), "update_ms": phases[5] * 1e3 / Double(steps)],
         extra: ["hidden": "\(hidden)", "seq": "\(seqLen)", "batch": "\(batch)", "data": "synthetic"])
}

/// Fixed pseudo-text: words of 2–8 letters drawn from a small seeded lexicon, separated by
/// spaces (id 1), so a language model has something to learn.
func syntheticText(count: Int, vocab: Int, generator g: Generator) -> [Int64] {
  let lengths = Tensor.randint(2, 9, [300], generator: g).toArray(Int64.self)
  let letters = Tensor.randint(2, Int(vocab), [300 * 8], generator: g).toArray(Int64.self)
  let words = lengths.enumerated().map { i, n in Array(letters[(i * 8)..<(i * 8 + Int(n))]) }
  let picks = Tensor.randint(0, words.count, [count], generator: g).toArray(Int64.self)
  var ids: [Int64] = []
  ids.reserveCapacity(count + 10)
  var k = 0
  while ids.count < count {
    ids += words[Int(picks[k % picks.count])]
    ids.append(1)
    k += 1
  }
  return Array(ids.prefix(count))
}

/// Where a step of the char LSTM spends its time: the recurrent layer's forward and backward
/// alone, the output layer with the loss, clipping and the Adam update; best of `repeats`.
func profileCharLM(threads: Int, cell: RecurrentMode, repeats: Int = 30) {
  let vocab = 28, hidden = 256, seqLen = 35, batch = 32
  let g = Generator(seed: 0)
  let rnn: RNNBase = cell == .lstm
    ? LSTM(inputSize: vocab, hiddenSize: hidden, generator: g)
    : GRU(inputSize: vocab, hiddenSize: hidden, generator: g)
  let out = Linear(inFeatures: hidden, outFeatures: vocab, generator: g)
  let parameters = rnn.parameters() + out.parameters()
  let optimizer = Adam(parameters: parameters, lr: 1e-2)
  let x = oneHot(Tensor.randint(0, vocab, [seqLen, batch], generator: g), numClasses: vocab)
  let y = Tensor.randint(0, vocab, [seqLen * batch], generator: g)
  let seed = Tensor.randn([seqLen, batch, hidden], generator: g)
  let inference = bestTime(repeats: repeats) { blackHole(withNoGrad { rnn(x) }) }
  let forward = bestTime(repeats: repeats) { blackHole(rnn(x)) }
  let both = bestTime(repeats: repeats) { rnn(x).backward(gradient: seed) }
  let h = withNoGrad { rnn(x) }.detached().requiringGrad()
  let head = bestTime(repeats: repeats) {
    crossEntropy(logits: out(h).reshaped([-1, vocab]), targets: y).backward()
  }
  let clip = bestTime(repeats: repeats) { clipGradNorm(parameters, maxNorm: 1.0) }
  let update = bestTime(repeats: repeats) { optimizer.step() }
  let name = cell == .lstm ? "lstm" : "gru"
  report("\(name)_charlm_profile", ["threads": Double(threads), "inference_ms": inference * 1e3, "forward_ms": forward * 1e3,
                                    "backward_ms": (both - forward) * 1e3, "head_ms": head * 1e3, "clip_ms": clip * 1e3,
                                    "adam_ms": update * 1e3])
}
