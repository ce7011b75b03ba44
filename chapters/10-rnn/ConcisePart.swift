/// Parts `concise` and `compare`: the same language model built from TorchlightNN's recurrent
/// modules (d2l §9.6), and RNN, GRU, LSTM, a deep GRU and a bidirectional GRU side by side
/// (d2l ch. 10). They wait for `RNN`/`GRU`/`LSTM` in TorchlightNN.
///
/// Where they plug in: a module becomes a `CharLanguageModel` with an adapter of a few lines,
///
///     final class ModuleLanguageModel: CharLanguageModel {
///       let recurrent: Module, output: Linear, vocabularySize: Int
///       var parameters: [Tensor] { recurrent.parameters() + output.parameters() }
///       func forward(_ inputs: Tensor, state: RecurrentState) -> (logits: Tensor, state: RecurrentState) {
///         let x = oneHot(inputs.transposed(0, 1), numClasses: vocabularySize)     // [steps, batch, vocab]
///         let (h, last) = recurrent(x, state)                                      // h: [steps, batch, hiddens]
///         let logits = output(h.transposed(0, 1).contiguous())                     // [batch, steps, vocab]
///         return (logits, last)
///       }
///     }
///
/// and trains through the same `trainLanguageModel` as the scratch model, with the library's
/// optimizer and clipping as its update:
///
///     let optimizer = SGD(parameters: model.parameters, lr: lr)
///     trainLanguageModel(model, corpus: corpus, settings: settings, update: {
///       clipGradNorm(model.parameters, maxNorm: 1); optimizer.step(); optimizer.zeroGrad()
///     }, log: TrainingLog(chapter: Defaults.chapter, model: "concise-gru", …, rateUnit: "tok/s"))
///
/// Each run comes back as a `LanguageModelRun`: `reportLanguageModels` prints its RESULT line
/// (model=concise-gru …) and `drawPerplexity` draws several runs in one figure.
/// In `RNNChapter.run()`: delete the line that throws `ConcisePart.unavailable` and the line
/// that prints "(concise and compare skipped …)", read the book also for `.concise`/`.compare`,
/// build the `CharCorpus` once for the three parts, and call `runConcisePart(self, plotter,
/// corpus:)` and `runComparePart(…)` after `runScratchPart`, before `runGradientsPart`.
enum ConcisePart {
  static let unavailable = "--part concise and --part compare need the recurrent modules (RNN, GRU, LSTM) of TorchlightNN, which are not in this build yet"
}
