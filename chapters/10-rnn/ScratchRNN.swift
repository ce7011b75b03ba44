import Foundation
import TorchlightNN

/// One-hot encoding written out (d2l's `F.one_hot(X.T, vocab_size).float()`): token index i
/// becomes the row of `size` zeros with a 1 at position i. Comparing the indices, as a column,
/// with the row 0, 1, …, size − 1 broadcasts to exactly that pattern of trues.
/// `indices` int64 of any shape → float32 of that shape plus a last axis of `size`.
func oneHotByHand(_ indices: Tensor, size: Int) -> Tensor {
  (indices.unsqueezed(axis: -1) .== Tensor.arange(size)).to(.float32)
}

/// The recurrent layer of d2l's `RNNScratch`, one tanh recurrence:
///     H_t = tanh(X_t W_xh + H_{t−1} W_hh + b_h),
/// with H_0 = 0. Weights start N(0, σ²) with σ = 0.01, the bias at zero, as in the textbook.
final class RNNScratch {
  let inputs: Int, hiddens: Int
  let wXH: Tensor, wHH: Tensor, bH: Tensor

  init(inputs: Int, hiddens: Int, sigma: Double = 0.01, generator: Generator) {
    self.inputs = inputs
    self.hiddens = hiddens
    wXH = (Tensor.randn([inputs, hiddens], generator: generator) * sigma).requiringGrad()
    wHH = (Tensor.randn([hiddens, hiddens], generator: generator) * sigma).requiringGrad()
    bH = Tensor.zeros([hiddens]).requiringGrad()
  }

  var parameters: [Tensor] { [wXH, wHH, bH] }

  /// Runs the recurrence over `xs`, one `[batch, inputs]` tensor per time step, from `state`
  /// (zeros when nil). Returns every H_t and the last one.
  func callAsFunction(_ xs: [Tensor], state: Tensor?) -> (outputs: [Tensor], state: Tensor) {
    var h = state ?? Tensor.zeros([xs[0].shape[0], hiddens])
    var outputs: [Tensor] = []
    for x in xs {
      h = (x.matmul(wXH) + h.matmul(wHH) + bH).tanh()
      outputs.append(h)
    }
    return (outputs, h)
  }
}

/// d2l's `RNNLMScratch`: one-hot characters into the recurrence, and an output layer
///     O_t = H_t W_hq + b_q
/// giving a score for every character of the vocabulary as the next one.
final class RNNLMScratch: CharLanguageModel {
  let rnn: RNNScratch
  let vocabularySize: Int
  let wHQ: Tensor, bQ: Tensor

  init(vocabularySize: Int, hiddens: Int, sigma: Double = 0.01, generator: Generator) {
    self.vocabularySize = vocabularySize
    rnn = RNNScratch(inputs: vocabularySize, hiddens: hiddens, sigma: sigma, generator: generator)
    wHQ = (Tensor.randn([hiddens, vocabularySize], generator: generator) * sigma).requiringGrad()
    bQ = Tensor.zeros([vocabularySize]).requiringGrad()
  }

  var parameters: [Tensor] { rnn.parameters + [wHQ, bQ] }

  /// `inputs` int64 `[batch, numSteps]` → scores `[batch, numSteps, vocabulary]`.
  func forward(_ inputs: Tensor, state: RecurrentState) -> (logits: Tensor, state: RecurrentState) {
    // [numSteps, batch, vocabulary]: the recurrence walks the first axis, one step at a time.
    let embeddings = oneHotByHand(inputs.transposed(0, 1), size: vocabularySize)
    let (outputs, last) = rnn(embeddings.unbind(axis: 0), state: state.first)
    // d2l applies the output layer to each H_t and stacks the results on axis 1; stacking the
    // H_t first and multiplying once gives the same numbers in one matrix product.
    let h = Tensor.stack(outputs, axis: 1)                                  // [batch, numSteps, hiddens]
    let logits = h.reshaped(-1, rnn.hiddens).matmul(wHQ) + bQ
    return (logits.reshaped(inputs.shape[0], inputs.shape[1], vocabularySize), [last])
  }
}

/// d2l's `clip_gradients`: the gradients of all parameters seen as one long vector g; when its
/// length ‖g‖ exceeds θ, every gradient is scaled by θ/‖g‖, so the update keeps its direction
/// but is at most θ long. Returns ‖g‖ before clipping. (`clipGradNorm` in TorchlightOptim is
/// the library version.)
@discardableResult
func clipGradients(_ parameters: [Tensor], maxNorm theta: Double) -> Double {
  withNoGrad {
    let grads = parameters.compactMap(\.grad)
    let norm = grads.reduce(0.0) { $0 + ($1 * $1).sum().item() }.squareRoot()
    if norm > theta {
      for g in grads { g *= theta / norm }
    }
    return norm
  }
}

/// Minibatch SGD by hand: p ← p − lr·∂L/∂p, then the gradient is cleared for the next batch.
/// The loss is already a mean over the batch's tokens, so no division by the batch size here.
func sgdStep(_ parameters: [Tensor], lr: Double) {
  withNoGrad {
    for p in parameters {
      guard let g = p.grad else { continue }
      p -= g * lr
      p.zeroGrad()
    }
  }
}
