import ChapterKit
import Foundation
import TorchlightNN
import TorchlightOptim
import TorchlightPlot

/// A character language model built from TorchlightNN's modules (d2l §9.6 and ch. 10): one-hot
/// characters → `RNN`, `GRU` or `LSTM` → a `Linear` layer to the scores of the next character.
/// The recurrence runs in the library's fused kernels; the model is the scratch one otherwise.
final class ModuleLanguageModel: CharLanguageModel {
  enum Network {
    case rnn(RNN), gru(GRU), lstm(LSTM)
  }

  let network: Network
  let output: Linear
  let vocabularySize: Int

  init(_ kind: RecurrentModel, vocabularySize: Int, hiddens: Int, seed: UInt64) {
    let g = Generator(seed: seed)
    switch kind {
    case .rnn: network = .rnn(RNN(inputSize: vocabularySize, hiddenSize: hiddens, generator: g))
    case .gru: network = .gru(GRU(inputSize: vocabularySize, hiddenSize: hiddens, generator: g))
    case .lstm: network = .lstm(LSTM(inputSize: vocabularySize, hiddenSize: hiddens, generator: g))
    case .deepGRU: network = .gru(GRU(inputSize: vocabularySize, hiddenSize: hiddens, numLayers: 2, generator: g))
    case .biGRU: preconditionFailure("a bidirectional GRU is not a language model (see runBidirectionalPart)")
    }
    output = Linear(inFeatures: hiddens, outFeatures: vocabularySize, generator: g)
    self.vocabularySize = vocabularySize
  }

  var recurrent: Module {
    switch network { case .rnn(let m): m; case .gru(let m): m; case .lstm(let m): m }
  }

  var parameters: [Tensor] { recurrent.parameters() + output.parameters() }

  func forward(_ inputs: Tensor, state: RecurrentState) -> (logits: Tensor, state: RecurrentState) {
    let x = oneHot(inputs.transposed(0, 1), numClasses: vocabularySize)   // [steps, batch, vocabulary]
    let hiddens: Tensor, last: RecurrentState
    switch network {
    case .rnn(let m): let r = m(x, h0: state.first); (hiddens, last) = (r.output, [r.hN])
    case .gru(let m): let r = m(x, h0: state.first); (hiddens, last) = (r.output, [r.hN])
    case .lstm(let m):
      let r = m(x, state: state.isEmpty ? nil : (state[0], state[1]))
      (hiddens, last) = (r.output, [r.state.hN, r.state.cN])
    }
    return (output(hiddens.transposed(0, 1)), last)                        // [batch, steps, vocabulary]
  }
}

/// d2l v1.0's learning rate for each network (plain SGD, gradients clipped to norm 1).
func learningRate(of model: RecurrentModel) -> Double {
  switch model {
  case .rnn: 1
  case .gru, .lstm: 4
  case .deepGRU: 2
  case .biGRU: 1
  }
}

/// Trains one library network as a character language model with SGD and gradient clipping.
func trainModuleLanguageModel(_ kind: RecurrentModel, _ chapter: RNNChapter, corpus: CharCorpus) throws -> LanguageModelRun {
  let settings = chapter.languageModelSettings, lr = learningRate(of: kind)
  let model = ModuleLanguageModel(kind, vocabularySize: corpus.vocabulary.count, hiddens: chapter.hiddens,
                                  seed: chapter.options.seed)
  let count = model.parameters.reduce(0) { $0 + $1.count }
  print("\n\(kind.rawValue): \(count.formatted()) parameters, SGD lr \(formatNumber(lr)), clip ‖g‖ ≤ 1")
  let optimizer = SGD(parameters: model.parameters, lr: lr)
  let log = TrainingLog(chapter: Defaults.chapter, model: kind.rawValue, output: chapter.options.output,
                        plotTerminal: chapter.options.plotTerminal, rateUnit: "tok/s")
  let history = try trainLanguageModel(model, corpus: corpus, settings: settings, optimizer: optimizer, update: {
    _ = clipGradNorm(model.parameters, maxNorm: 1)
    optimizer.step()
    optimizer.zeroGrad()
  }, log: log)
  return LanguageModelRun(name: kind.rawValue, history: history, log: log)
}

/// Part `concise`: the scratch model again, from `RNN` and `Linear` modules (or the network
/// `--model` names), trained by the same loop.
func runConcisePart(_ chapter: RNNChapter, _ plotter: Plotter, corpus: CharCorpus) throws {
  if chapter.model == .biGRU { return try runBidirectionalPart(chapter, plotter, corpus: corpus) }
  let settings = chapter.languageModelSettings
  try corpus.check(batchSize: settings.batchSize, numSteps: settings.numSteps)
  section("Character \(chapter.model.rawValue) with TorchlightNN modules: one-hot → \(chapter.model.rawValue) (\(chapter.hiddens) hidden) → Linear, "
          + "batch \(settings.batchSize) × \(settings.numSteps) steps, \(settings.epochs) epochs")
  noteUnknownCharacters(in: settings.prefix, vocabulary: corpus.vocabulary)
  let run = try trainModuleLanguageModel(chapter.model, chapter, corpus: corpus)
  if !run.history.trainPerplexity.isEmpty {
    try drawPerplexity(plotter, [run], name: "concise-perplexity",
                       title: "\(chapter.model.rawValue) module on Sherlock Holmes: perplexity per epoch")
  }
  reportLanguageModels([run], threads: chapter.options.threads)
}

/// Part `compare`: RNN, GRU, LSTM and a two-layer GRU trained on the same text with the same
/// budget (epochs, batch, steps, hidden units), their held-out perplexity side by side; then
/// what a bidirectional GRU is for.
func runComparePart(_ chapter: RNNChapter, _ plotter: Plotter, corpus: CharCorpus) throws {
  let settings = chapter.languageModelSettings
  try corpus.check(batchSize: settings.batchSize, numSteps: settings.numSteps)
  section("RNN, GRU, LSTM and a two-layer GRU on the same budget: \(chapter.hiddens) hidden units, "
          + "batch \(settings.batchSize) × \(settings.numSteps) steps, \(settings.epochs) epochs, d2l's learning rates")
  var runs: [LanguageModelRun] = []
  for kind in [RecurrentModel.rnn, .gru, .lstm, .deepGRU] {
    runs.append(try trainModuleLanguageModel(kind, chapter, corpus: corpus))
  }
  guard runs.allSatisfy({ !$0.history.trainPerplexity.isEmpty }) else { return }
  try drawPerplexity(plotter, runs, name: "compare-perplexity",
                     title: "Recurrent networks on Sherlock Holmes (characters, \(chapter.hiddens) hidden): perplexity per epoch")
  print("\n  model      train ppl  held-out ppl  tok/s      d2l v1.0 (The Time Machine, held out)")
  let textbook = ["rnn": "≈ 7.2 (concise RNN)", "gru": "≈ 6.7", "lstm": "≈ 6.7–7.4", "deep-gru": "≈ 6–7"]
  for run in runs {
    print("  " + run.name.padding(toLength: 10, withPad: " ", startingAt: 0)
          + String(format: " %9.3f  %12.3f  %-9.0f  ", run.history.trainPerplexity.last!, run.history.validationPerplexity.last!,
                   run.history.tokensPerSecond) + (textbook[run.name] ?? ""))
  }
  reportLanguageModels(runs, threads: chapter.options.threads)
  try runBidirectionalPart(chapter, plotter, corpus: corpus)
}
