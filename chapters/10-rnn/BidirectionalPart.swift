import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// A tagger: a GRU, one-directional or bidirectional, reads the characters and a linear layer
/// scores two classes at every position.
final class CharTagger {
  let gru: GRU
  let output: Linear
  let vocabularySize: Int

  init(bidirectional: Bool, vocabularySize: Int, hiddens: Int, seed: UInt64) {
    let g = Generator(seed: seed)
    gru = GRU(inputSize: vocabularySize, hiddenSize: hiddens, bidirectional: bidirectional, generator: g)
    output = Linear(inFeatures: bidirectional ? 2 * hiddens : hiddens, outFeatures: 2, generator: g)
    self.vocabularySize = vocabularySize
  }

  var parameters: [Tensor] { gru.parameters() + output.parameters() }

  /// Scores `[batch, steps, 2]` for int64 characters `[batch, steps]`.
  func callAsFunction(_ inputs: Tensor) -> Tensor {
    let (hiddens, _) = gru(oneHot(inputs.transposed(0, 1), numClasses: vocabularySize))
    return output(hiddens.transposed(0, 1))
  }
}

/// What a bidirectional GRU is for, and why it cannot be a language model. At step t its
/// backward direction has read x_{t+1}, …, x_T: trained to predict x_{t+1} it would copy it from
/// there, and at generation time, when the future does not exist yet, it has nothing to copy.
/// Where the whole sequence is known before the answer is needed, the future helps. The task
/// here: tag each character with "a space follows" (the last letter of a word). One direction
/// must guess from the word so far; two directions see the next character.
func runBidirectionalPart(_ chapter: RNNChapter, _ plotter: Plotter, corpus: CharCorpus) throws {
  section("A bidirectional GRU: what it is for")
  print("""
    A bidirectional GRU runs one GRU left to right and another right to left, and joins their states:
    at step t it has read the whole sequence. As a language model it would read x_{t+1}, the character it
    must predict, through its backward direction, learn to copy it (perplexity near 1), and have nothing to
    copy when generating, where the future is not written yet. It helps where the whole input is known
    before the answer is needed. Task: tag every character with "a space follows" (it ends a word).
  """)
  let steps = chapter.options.quick ? 40 : 300, batchSize = 64, numSteps = 32
  let space = Int64(corpus.vocabulary[" "])
  let order = Generator(seed: chapter.options.seed &+ 7)
  let loader = LanguageModelLoader(corpus.train, batchSize: batchSize, numSteps: numSteps, sampling: .random, generator: order)
  let heldOut = LanguageModelDataset(corpus.validation, numSteps: numSteps)
  let evaluation = heldOut.batch(at: Array(0..<min(512, heldOut.count)))
  let baseline = 1 - (evaluation.targets .== Double(space)).float().mean().item()
  var rows: [(name: String, accuracy: Double)] = []
  for bidirectional in [false, true] {
    let tagger = CharTagger(bidirectional: bidirectional, vocabularySize: corpus.vocabulary.count,
                            hiddens: chapter.hiddens, seed: chapter.options.seed)
    let optimizer = Adam(parameters: tagger.parameters, lr: 0.01)
    let name = bidirectional ? "bi-gru" : "gru"
    // Checkpointed once per pass over the text (the last pass may stop early).
    let run = try TrainingRun(name: "\(name)-tagger", epochs: (steps + loader.count - 1) / loader.count, shuffling: [order],
                              state: ["model": .parameters(tagger.parameters), "optimizer": .optimizer(optimizer)], onReplay: { _ in })
    while let pass = run.startEpoch(batches: min(loader.count, steps - (run.epoch - 1) * loader.count)) {
      var batches = loader.makeIterator()
      for _ in 0..<run.position { _ = batches.next() }       // trained before the interruption
      while run.position < min(loader.count, steps - (pass - 1) * loader.count), let (inputs, targets) = batches.next() {
        let labels = (targets .== Double(space)).long()
        let loss = crossEntropy(logits: tagger(inputs).reshaped(-1, 2), targets: labels.reshaped(-1))
        try checkFinite(loss.item(), epoch: 1, step: (pass - 1) * loader.count + run.position + 1, lastFinite: nil)
        loss.backward()
        optimizer.step()
        optimizer.zeroGrad()
        try run.stepDone()
      }
      try run.endEpoch()
    }
    let accuracy = withNoGrad {
      let predicted = tagger(evaluation.inputs).argmax(axis: -1)
      return (predicted .== (evaluation.targets .== Double(space)).long()).float().mean().item()
    }
    rows.append((name, accuracy))
    print("  \(bidirectional ? "bidirectional GRU" : "one-direction GRU"): held-out accuracy \(String(format: "%.4f", accuracy)) after \(steps) Adam steps")
    printResult(chapter: Defaults.chapter, model: "\(name)-tagger", ["test_acc": accuracy], extra: ["steps": "\(steps)"])
  }
  print("  always answering \"no space follows\": \(String(format: "%.4f", baseline))")
  print("  The one-direction GRU must guess where a word ends from its letters so far; the bidirectional one sees the next character.")
}
