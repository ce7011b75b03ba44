import ChapterKit
import Foundation
import TorchlightData
import TorchlightPlot

/// What one trained language model reports: its name, history and log.
struct LanguageModelRun {
  let name: String
  let history: LanguageModelHistory
  let log: TrainingLog
}

/// Part `scratch`: the character-level RNN language model of d2l §9.5 written from tensors,
/// trained with hand-written gradient clipping and SGD, by truncated backpropagation through
/// time over sequential minibatches.
@discardableResult
func runScratchPart(_ chapter: RNNChapter, _ plotter: Plotter, corpus: CharCorpus) throws -> LanguageModelRun {
  let settings = chapter.languageModelSettings
  let lr = chapter.options.lr, clip = 1.0
  try corpus.check(batchSize: settings.batchSize, numSteps: settings.numSteps)
  section("Character RNN from scratch: vocabulary \(corpus.vocabulary.count), \(chapter.hiddens) hidden units, "
          + "batch \(settings.batchSize) × \(settings.numSteps) steps, SGD lr \(formatNumber(lr)), clip ‖g‖ ≤ \(formatNumber(clip)), \(settings.epochs) epochs")
  print("  train \(corpus.train.count) characters, held out \(corpus.validation.count) (the last 10%)")
  print("  sequential minibatches: each row continues the text of the same row in the batch before, so the state is")
  print("  carried across batches, detached from the graph (d2l v1.0 instead draws random subsequences and starts")
  print("  every batch from a zero state; its earlier editions had both, and this is their sequential partitioning)")
  let model = RNNLMScratch(vocabularySize: corpus.vocabulary.count, hiddens: chapter.hiddens, generator: Generator(seed: chapter.options.seed))
  print("  parameters: W_xh \(model.rnn.wXH.shape), W_hh \(model.rnn.wHH.shape), b_h \(model.rnn.bH.shape), "
        + "W_hq \(model.wHQ.shape), b_q \(model.bQ.shape): \(model.parameters.reduce(0) { $0 + $1.count }) numbers")
  noteUnknownCharacters(in: settings.prefix, vocabulary: corpus.vocabulary)

  let log = TrainingLog(chapter: Defaults.chapter, model: "scratch", output: chapter.options.output,
                        plotTerminal: chapter.options.plotTerminal, rateUnit: "tok/s")
  let history = try trainLanguageModel(model, corpus: corpus, settings: settings, update: {
    clipGradients(model.parameters, maxNorm: clip)
    sgdStep(model.parameters, lr: lr)
  }, log: log)
  let run = LanguageModelRun(name: "scratch", history: history, log: log)
  if !history.trainPerplexity.isEmpty {
    try drawPerplexity(plotter, [run], name: "scratch-perplexity",
                       title: "RNN from scratch on Sherlock Holmes (characters): perplexity per epoch")
  }
  reportLanguageModels([run], threads: chapter.options.threads)
  return run
}

/// The one-line notice when the prefix holds characters the letters-only vocabulary lacks.
func noteUnknownCharacters(in prefix: String, vocabulary: Vocabulary) {
  let unknown = prefix.filter { vocabulary[String($0)] == vocabulary.unknownIndex }
  if !unknown.isEmpty {
    let listed = Array(Set(unknown)).sorted().map { "'\($0)'" }.joined(separator: ", ")
    print("  note: the prefix \"\(prefix)\" has characters outside the vocabulary (\(listed)); they are read as <unk>")
  }
}

/// Training (dashed) and held-out (solid) perplexity per epoch, one colour per model.
func drawPerplexity(_ plotter: Plotter, _ runs: [LanguageModelRun], name: String, title: String) throws {
  var series: [Series] = []
  for (i, run) in runs.enumerated() {
    let epochs = run.history.trainPerplexity.indices.map { Double($0 + 1) }
    series.append(Series("\(run.name): train", x: epochs, y: run.history.trainPerplexity, style: .dashed, color: i))
    series.append(Series("\(run.name): held out", x: epochs, y: run.history.validationPerplexity, style: .linesPoints, color: i))
  }
  try plotter.save(LinePlot(title: title, xLabel: "epoch", yLabel: "perplexity", series: series), name: name)
}

/// Prints each model's RESULT line.
func reportLanguageModels(_ runs: [LanguageModelRun], threads: Int) {
  for run in runs {
    guard let train = run.history.trainPerplexity.last, let held = run.history.validationPerplexity.last else { continue }
    run.log.result(["perplexity": train, "val_perplexity": held, "tokens_per_sec": run.history.tokensPerSecond],
                   extra: ["threads": "\(threads)"])
  }
}
