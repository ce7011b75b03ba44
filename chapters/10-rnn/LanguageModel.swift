import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// A recurrent network's state between calls: one tensor for a plain RNN or GRU (the hidden
/// state H), two for an LSTM (H and the memory cell C), one per layer and direction for deeper
/// ones. An empty array means "start from zeros".
typealias RecurrentState = [Tensor]

/// What the training loop, the evaluation and the text generator need from a character-level
/// language model, whoever wrote it: the from-scratch RNN of this chapter, or an adapter around
/// TorchlightNN's `RNN`/`GRU`/`LSTM` modules (see `ConcisePart.swift`).
protocol CharLanguageModel: AnyObject {
  /// Every tensor the update changes.
  var parameters: [Tensor] { get }

  /// Scores for the next token after every position: `inputs` are int64 token indices
  /// `[batch, numSteps]`, the result is `[batch, numSteps, vocabulary]` (d2l's layout, so that
  /// `reshaped(-1, vocabulary)` lines up with the targets `reshaped(-1)`). `state` is the state
  /// left by the previous call (empty: zeros); the state after the last step is returned.
  func forward(_ inputs: Tensor, state: RecurrentState) -> (logits: Tensor, state: RecurrentState)
}

/// Reads the book from `--data-dir` (or the default places); a missing or unreadable file is the
/// data pipeline's one-line error.
func readBook(_ dataDir: String?) throws -> SherlockHolmes {
  do { return try SherlockHolmes(folder: dataDir) } catch let error as DataError { throw ChapterError(error.description) }
}

/// The character corpus the language models train on: *The Adventures of Sherlock Holmes*,
/// cleaned as d2l cleans *The Time Machine* (letters and space, lower case; vocabulary 28 with
/// `<unk>`), its last 10% held out for validation.
struct CharCorpus {
  let vocabulary: Vocabulary
  let train: [Int]
  let validation: [Int]

  /// The cleaned characters of `book`, the first `limit` of them only (`--quick`).
  init(_ book: SherlockHolmes, limit: Int = .max) {
    let tokens = Array(tokenize(book.text, .char, lettersOnly: true).prefix(limit))
    vocabulary = Vocabulary(tokens)
    (train, validation) = trainValidationSplit(vocabulary.indices(for: tokens))
  }

  /// Refuses, in one line, a batch that the text cannot fill even once (the loader would stop
  /// the program), or subsequences longer than the held-out text.
  func check(batchSize: Int, numSteps: Int) throws {
    guard (train.count - numSteps) / numSteps / batchSize >= 1 else {
      throw ChapterError("--batch-size \(batchSize) × --num-steps \(numSteps) does not fit the \(train.count) training characters even once; choose a smaller batch or fewer steps")
    }
    guard validation.count > numSteps else {
      throw ChapterError("--num-steps \(numSteps) is longer than the \(validation.count) held-out characters; choose fewer steps")
    }
  }
}

/// One training run's history.
struct LanguageModelHistory {
  var trainPerplexity: [Double] = []
  var validationPerplexity: [Double] = []
  var samples: [(epoch: Int, text: String)] = []
  /// Training tokens per second of the fastest epoch.
  var tokensPerSecond = 0.0
}

/// The settings of one training run (d2l v1.0 §9.5: batch 1024, 32 steps, lr 1, clip 1).
struct LanguageModelSettings {
  var epochs: Int
  var batchSize: Int
  var numSteps: Int
  var prefix: String
  var predictions = 50
  var sampleEvery = 10
  var seed: UInt64
}

/// Trains `model` by truncated backpropagation through time on sequential minibatches: row r of
/// batch b + 1 continues the text where row r of batch b ended, so the state is carried from
/// batch to batch, detached from the graph (backpropagation stops at the batch boundary, the
/// forward pass does not). Each epoch starts at a fresh random offset, with a zero state.
///
/// `update` runs after each backward: it clips the gradients, steps and clears them. The loop
/// reports one line per epoch: training perplexity (exp of the mean cross-entropy over the
/// epoch's batches), held-out perplexity, tokens per second; every `sampleEvery` epochs (and
/// after the last) a greedy continuation of the prefix.
///
/// With `--checkpoint-every` or `--resume`, a `TrainingRun` saves and restores the parameters,
/// the `optimizer` (if the update uses one), the loader's generator, the state carried between
/// batches and the history.
func trainLanguageModel(_ model: CharLanguageModel, corpus: CharCorpus, settings s: LanguageModelSettings,
                        optimizer: (any Optimizer)? = nil, update: () -> Void, log: TrainingLog) throws -> LanguageModelHistory {
  let order = Generator(seed: s.seed &+ 1)
  let loader = LanguageModelLoader(corpus.train, batchSize: s.batchSize, numSteps: s.numSteps, sampling: .sequential, generator: order)
  let vocabularySize = corpus.vocabulary.count
  var history = LanguageModelHistory()
  guard s.epochs > 0 else { return history }
  var state: RecurrentState = []
  var lossSum = 0.0, lastFinite: Double?
  var saved: [(String, RunState)] = [
    ("model", .parameters(model.parameters)), ("state", .tensors({ state }, { state = $0 })),
    ("perplexity", .rows({ [history.trainPerplexity, history.validationPerplexity] },
                         { (history.trainPerplexity, history.validationPerplexity) = ($0[0], $0[1]) })),
    ("sample_epochs", .numbers({ history.samples.map { Double($0.epoch) } }, { epochs in
      history.samples = epochs.map { (Int($0), "") } })),
    ("sample_texts", .texts({ history.samples.map(\.text) }, { texts in
      history.samples = zip(history.samples, texts).map { ($0.epoch, $1) } })),
    ("epoch_so_far", .numbers({ [lossSum, lastFinite ?? .nan] }, { (lossSum, lastFinite) = ($0[0], $0[1].isNaN ? nil : $0[1]) })),
  ]
  if let optimizer { saved.append(("optimizer", .optimizer(optimizer))) }
  let run = try TrainingRun(log: log, epochs: s.epochs, shuffling: [order], stateList: saved) { epoch in
    if let sample = history.samples.first(where: { $0.epoch == epoch }) { print("    \"\(sample.text)\"") }
  }
  log.watch(model.parameters.enumerated().map { ("\($0.offset)", $0.element) })
  while let epoch = run.startEpoch(batches: loader.count) {
    var batches = loader.makeIterator()
    if run.position == 0 {
      (state, lossSum) = ([], 0)
    } else {
      for _ in 0..<run.position { _ = batches.next() }     // the batches trained before the interruption
    }
    while let (inputs, targets) = batches.next() {
      let (logits, newState) = model.forward(inputs, state: state)
      let loss = crossEntropy(logits: logits.reshaped(-1, vocabularySize), targets: targets.reshaped(-1))
      let value = loss.item()
      try checkFinite(value, epoch: epoch, step: run.position + 1, lastFinite: lastFinite)
      lastFinite = value
      loss.backward()
      log.gradientsReady()
      update()
      state = newState.map { $0.detached() }
      lossSum += value
      log.batchDone(examples: inputs.count, loss: value)
      try run.stepDone()
    }
    log.trainingDone()
    let trainPerplexity = exp(lossSum / Double(max(loader.count, 1)))
    let validationPerplexity = perplexity(model, tokens: corpus.validation, numSteps: s.numSteps, vocabularySize: vocabularySize)
    history.trainPerplexity.append(trainPerplexity)
    history.validationPerplexity.append(validationPerplexity)
    let text = epoch % s.sampleEvery == 0 || epoch == s.epochs
      ? predict(model, prefix: s.prefix, count: s.predictions, vocabulary: corpus.vocabulary) : nil
    if let text { history.samples.append((epoch, text)) }
    try run.endEpoch(["perplexity": trainPerplexity, "val_perplexity": validationPerplexity])
    if let text { print("    \"\(text)\"") }
  }
  let tokensPerEpoch = Double(loader.count * s.batchSize * s.numSteps)
  history.tokensPerSecond = tokensPerEpoch / max(log.fastestEpochSeconds, 1e-9)
  return history
}

/// Rows the held-out stream is cut into for evaluation: each row is one contiguous stretch of
/// text read in windows of `numSteps` with the state carried between windows, as in training.
let evaluationRows = 128

/// exp(mean cross-entropy per token) on `tokens`, read as `evaluationRows` contiguous stretches
/// in windows of `numSteps`, the state carried from window to window (the model sees as much
/// context as during training). No graph is recorded. Fewer rows when the stream is short.
func perplexity(_ model: CharLanguageModel, tokens: [Int], numSteps: Int, vocabularySize: Int) -> Double {
  let dataset = LanguageModelDataset(tokens, numSteps: numSteps)
  let rows = min(evaluationRows, dataset.count)
  guard rows > 0 else { return .nan }
  let windows = dataset.count / rows
  return withNoGrad {
    var state: RecurrentState = []
    var total = 0.0
    for w in 0..<windows {
      // Window w of row r is subsequence r·windows + w: each row reads its own stretch in order.
      let (inputs, targets) = dataset.batch(at: (0..<rows).map { $0 * windows + w })
      let (logits, newState) = model.forward(inputs, state: state)
      state = newState
      total += crossEntropy(logits: logits.reshaped(-1, vocabularySize), targets: targets.reshaped(-1)).item()
    }
    return exp(total / Double(windows))
  }
}

/// d2l's `predict`: feed the prefix one character at a time to warm up the state, then append
/// the most likely next character (greedy, argmax) `count` times, each fed back as the next
/// input. Characters the vocabulary lacks (upper case, digits, punctuation after the letters-only
/// cleanup) are read as `<unk>` and come back as `<unk>`.
func predict(_ model: CharLanguageModel, prefix: String, count: Int, vocabulary: Vocabulary) -> String {
  let prefixTokens = prefix.map { String($0) }
  guard !prefixTokens.isEmpty else { return "" }
  return withNoGrad {
    var outputs = [vocabulary[prefixTokens[0]]]
    var state: RecurrentState = []
    for i in 0..<(prefixTokens.count + count - 1) {
      let (logits, newState) = model.forward(Tensor([Int64(outputs.last!)], shape: [1, 1]), state: state)
      state = newState
      if i < prefixTokens.count - 1 {
        outputs.append(vocabulary[prefixTokens[i + 1]])    // warm-up: the next prefix character
      } else {
        outputs.append(Int(logits.reshaped(-1).argmax().item()))
      }
    }
    return vocabulary.tokens(for: outputs).joined()
  }
}
