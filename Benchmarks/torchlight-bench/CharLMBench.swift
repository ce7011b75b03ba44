import Foundation
import Torchlight
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// The character language model of `Benchmarks/pytorch/charlm.py`, step for step, for the same
/// tokens/s comparison: Sherlock Holmes with d2l's cleanup (vocabulary 28), one-hot input →
/// LSTM(28, 256) or GRU → Linear(256, 28); each step 32 random subsequences of 35 characters
/// from a fresh zero state, cross-entropy, gradient-norm clipping at 1, Adam at 1e-2. Timed in
/// chunks of 100 steps; tokens/s from the fastest chunk, as the PyTorch script reports it.
func benchCharLM(threads: Int, cell: RecurrentMode, steps: Int = 500) {
  guard let book = try? SherlockHolmes() else {
    print("# \(cell.layerName) char LM skipped: the Sherlock Holmes text is not installed (make setup)")
    return
  }
  let tokens = tokenize(book.text, .char, lettersOnly: true)
  let vocabulary = Vocabulary(tokens)
  let ids = trainValidationSplit(vocabulary.indices(for: tokens)).train.map { Int64($0) }
  let v = vocabulary.count, hidden = 256, numSteps = 35, batch = 32
  let g = Generator(seed: 0)
  let recurrent: RNNBase = cell == .lstm ? LSTM(inputSize: v, hiddenSize: hidden, generator: g)
                                         : GRU(inputSize: v, hiddenSize: hidden, generator: g)
  let output = Linear(inFeatures: hidden, outFeatures: v, generator: g)
  let parameters = recurrent.parameters() + output.parameters()
  let optimizer = Adam(parameters: parameters, lr: 1e-2)
  timeCharLMTraining(name: "\(cell == .lstm ? "lstm" : "gru")_charlm", ids: ids, numSteps: numSteps, batch: batch, steps: steps,
                     threads: threads, parameters: parameters, optimizer: optimizer, generator: g, extra: ["hidden": "\(hidden)"]) { xs, ys in
    let x = oneHot(Tensor(xs, shape: [batch, numSteps]).t(), numClasses: v)   // [steps, batch, v]
    let y = Tensor(ys, shape: [batch, numSteps]).t().reshaped(-1)
    let states: Tensor
    switch recurrent {
    case let lstm as LSTM: states = lstm(x).output
    case let gru as GRU: states = gru(x).output
    default: preconditionFailure("benchCharLM: LSTM or GRU only")
    }
    return crossEntropy(logits: output(states).reshaped(-1, v), targets: y)
  }
}

/// Where one step of the char model spends its time: the recurrent layer's forward and
/// backward alone, the output layer with the loss, clipping and the Adam update; best of `repeats`.
func profileCharLM(threads: Int, cell: RecurrentMode, repeats: Int = 30) {
  let v = 28, hidden = 256, numSteps = 35, batch = 32
  let g = Generator(seed: 0)
  let recurrent: RNNBase = cell == .lstm ? LSTM(inputSize: v, hiddenSize: hidden, generator: g)
                                         : GRU(inputSize: v, hiddenSize: hidden, generator: g)
  let run = { (x: Tensor) -> Tensor in
    switch recurrent {
    case let lstm as LSTM: return lstm(x).output
    case let gru as GRU: return gru(x).output
    default: preconditionFailure("profileCharLM: LSTM or GRU only")
    }
  }
  let output = Linear(inFeatures: hidden, outFeatures: v, generator: g)
  let parameters = recurrent.parameters() + output.parameters()
  let optimizer = Adam(parameters: parameters, lr: 1e-2)
  let x = oneHot(Tensor.randint(0, v, [numSteps, batch], generator: g), numClasses: v)
  let y = Tensor.randint(0, v, [numSteps * batch], generator: g)
  let seed = Tensor.randn([numSteps, batch, hidden], generator: g)
  let inference = bestTime(repeats: repeats) { blackHole(withNoGrad { run(x) }) }
  let forward = bestTime(repeats: repeats) { blackHole(run(x)) }
  let both = bestTime(repeats: repeats) { run(x).backward(gradient: seed) }
  let h = withNoGrad { run(x) }.detached().requiringGrad()
  let head = bestTime(repeats: repeats) { crossEntropy(logits: output(h).reshaped(-1, v), targets: y).backward() }
  let clip = bestTime(repeats: repeats) { _ = clipGradNorm(parameters, maxNorm: 1) }
  let update = bestTime(repeats: repeats) { optimizer.step() }
  report("\(cell == .lstm ? "lstm" : "gru")_charlm_profile",
         ["threads": Double(threads), "inference_ms": inference * 1e3, "forward_ms": forward * 1e3,
          "backward_ms": (both - forward) * 1e3, "head_ms": head * 1e3, "clip_ms": clip * 1e3, "adam_ms": update * 1e3])
}
