import ChapterKit
import Foundation
import TorchlightData
import TorchlightMetrics
import TorchlightNN
import TorchlightOptim

/// The translation data of the chapter: English → German sentence pairs from Debian's
/// trans-de-en, the fixed split (500 held out for the final scores, 500 more for choosing the
/// epoch), and the vocabularies of the training pairs.
struct TranslationData {
  let corpus: TranslationCorpus
  /// Pairs taken from the training pairs to choose each model's epoch by their loss (early
  /// stopping), so that the held-out pairs are used for nothing but the final scores.
  let validation: [SentencePair]
  /// Sentence pairs in the file; training pairs dropped because their English sentence is held
  /// out or in the validation pairs.
  let pairCount: Int, dropped: Int
  let path: String

  /// With `--quick`: every 20th training pair, the first 50 validation and 50 held-out pairs.
  init(_ chapter: AttentionChapter) throws {
    let sentences: EnglishGermanSentences
    do { sentences = try EnglishGermanSentences(folder: chapter.options.dataDir) } catch let error as DataError {
      throw ChapterError(error.description)
    }
    let split = translationSplit(sentences.pairs)
    let inner = translationSplit(split.train, heldOut: 500, seed: 20_170_613)
    let quick = chapter.options.quick
    let train = quick ? inner.train.enumerated().filter { $0.offset % 20 == 0 }.map(\.element) : inner.train
    let heldOut = quick ? Array(split.heldOut.prefix(50)) : split.heldOut
    validation = quick ? Array(inner.heldOut.prefix(50)) : inner.heldOut
    corpus = TranslationCorpus(train: train, heldOut: heldOut, numSteps: chapter.numSteps)
    pairCount = sentences.pairs.count
    dropped = split.dropped + inner.dropped
    path = sentences.path
  }
}

/// One trained translator and its numbers.
final class TranslationRun {
  let kind: TranslationModelKind
  let model: TranslationModel
  let log: TrainingLog
  /// Mean loss per target token over each epoch's training batches.
  var trainLoss: [Double] = []
  /// Held-out loss per target token before training (index 0) and after each epoch.
  var heldOutLoss: [Double] = []
  /// Held-out corpus BLEU-4 of greedy translations after each epoch.
  var heldOutBLEU: [Double] = []
  /// Loss per target token on the validation pairs after each epoch; the epoch where it is
  /// lowest is the one kept (`bestEpoch`, counted from 1).
  var validationLoss: [Double] = []
  var bestEpoch = 0
  /// Target tokens (padding excluded) per second of training, fastest epoch.
  var tokensPerSecond = 0.0
  /// Seconds of training, evaluation excluded.
  var trainingSeconds = 0.0
  /// The held-out translations and their scores.
  var hypotheses: [[String]] = []
  var bleu: CorpusBLEU?
  /// Each held-out sentence's BLEU statistics (for the paired bootstrap).
  var sentenceStatistics: [BLEUStatistics] = []
  var bleuD2LMean = 0.0

  init(kind: TranslationModelKind, model: TranslationModel, log: TrainingLog) {
    self.kind = kind; self.model = model; self.log = log
  }
}

/// The loss of one batch of rows of `data`: the cross-entropy of every label that is not
/// padding, averaged over those labels (d2l's masked loss), with the number of labels. Only the
/// decoder outputs at real labels go through the output layer.
func translationLoss(_ model: TranslationModel, _ data: TranslationBatch, rows: Tensor, pad: Int, reduction: Reduction = .mean)
  -> (loss: Tensor, labels: Int) {
  let outputs = model.decoderOutputs(source: data.source.indexSelect(axis: 0, index: rows),
                                     sourceValidLengths: data.sourceValidLengths.indexSelect(axis: 0, index: rows),
                                     decoderInput: data.decoderInput.indexSelect(axis: 0, index: rows))
  let labels = data.labels.indexSelect(axis: 0, index: rows).reshaped(-1)
  let real = Tensor(labels.toArray(Int64.self).enumerated().filter { $0.element != Int64(pad) }.map { Int64($0.offset) })
  let scores = model.outputLayer(outputs.reshaped(-1, outputs.shape[2]).indexSelect(axis: 0, index: real))
  return (crossEntropy(logits: scores, targets: labels.indexSelect(axis: 0, index: real), reduction: reduction), real.count)
}

/// The mean loss per target token of `batch`, without recording a graph, in evaluation mode.
func heldOutLoss(_ model: TranslationModel, _ batch: TranslationBatch, pad: Int) -> Double {
  model.module.eval()
  defer { model.module.train() }
  return withNoGrad {
    var total = 0.0, count = 0
    for start in stride(from: 0, to: batch.count, by: 250) {
      let rows = Tensor.arange(Double(start), Double(min(start + 250, batch.count)), dtype: .int64)
      let (loss, labels) = translationLoss(model, batch, rows: rows, pad: pad, reduction: .sum)
      total += loss.item()
      count += labels
    }
    return total / Double(max(count, 1))
  }
}

/// Trains `run.model` by teacher forcing (d2l §10.7.5): each epoch visits the training pairs in a
/// fresh random order (the same orders for every model), in minibatches; the loss is the
/// cross-entropy of every label that is not padding, averaged over those labels; gradients are
/// clipped to norm 1 before each Adam step. One line per epoch with the training, validation and
/// held-out loss; a NaN or infinite loss stops the run.
///
/// Early stopping: after the last epoch the model goes back to the weights of the epoch with the
/// lowest validation loss (a copy is kept whenever it improves), so a model that starts to
/// overfit is scored as it was at its best. The validation pairs are not the held-out ones.
func trainTranslator(_ run: TranslationRun, corpus: TranslationCorpus, validation: [SentencePair], epochs: Int, batchSize: Int,
                     lr: Double, seed: UInt64) throws {
  let model = run.model, parameters = model.module.parameters(), pad = corpus.pad
  let optimizer = Adam(parameters: parameters, lr: lr)
  let train = corpus.batch(corpus.train), heldOut = corpus.batch(corpus.heldOut), check = corpus.batch(validation)
  var best: (loss: Double, weights: [(String, Tensor)])?
  let order = Generator(seed: seed &+ 21)
  let batches = (train.count + batchSize - 1) / batchSize
  run.heldOutLoss = [heldOutLoss(model, heldOut, pad: pad)]
  var lastFinite: Double?, lossSum = 0.0, tokens = 0
  let training = try TrainingRun(log: run.log, epochs: epochs, shuffling: [order], state: [
    "model": .module(model.module), "optimizer": .optimizer(optimizer),
    "losses": .rows({ [run.trainLoss, run.validationLoss, run.heldOutBLEU] },
                    { (run.trainLoss, run.validationLoss, run.heldOutBLEU) = ($0[0], $0[1], $0[2]) }),
    "held_out_loss": .numbers({ run.heldOutLoss }, { run.heldOutLoss = $0 }),
    "best": RunState(save: { (best?.weights ?? []).prefixed("weights.") + [("loss", Tensor([best?.loss ?? .nan], shape: [1], dtype: .float64))] },
                     load: { saved in
                       let loss = saved.first { $0.0 == "loss" }?.1.toDoubles().first ?? .nan
                       best = loss.isNaN ? nil : (loss, saved.entries(under: "weights."))
                     }),
    "numbers": .numbers({ [Double(run.bestEpoch), lossSum, Double(tokens), lastFinite ?? .nan] },
                        { (run.bestEpoch, lossSum, tokens) = (Int($0[0]), $0[1], Int($0[2])); lastFinite = $0[3].isNaN ? nil : $0[3] })])
  run.log.watch(model.module.namedParameters(), learningRate: { optimizer.lr })
  while let epoch = training.startEpoch(batches: batches) {
    model.module.train()
    let permutation = Tensor.randperm(train.count, generator: order)
    if training.position == 0 { (lossSum, tokens) = (0, 0) }
    for b in training.position..<batches {
      let rows = permutation.narrow(axis: 0, start: b * batchSize, length: min(batchSize, train.count - b * batchSize))
      let (loss, count) = translationLoss(model, train, rows: rows, pad: pad)
      let value = loss.item()
      try checkFinite(value, epoch: epoch, step: b + 1, lastFinite: lastFinite)
      lastFinite = value
      loss.backward()
      _ = clipGradNorm(parameters, maxNorm: 1)
      run.log.gradientsReady()
      optimizer.step()
      optimizer.zeroGrad()
      lossSum += value * Double(count)
      tokens += count
      run.log.batchDone(examples: count, loss: value)
      try training.stepDone()
    }
    run.log.trainingDone()
    run.trainLoss.append(lossSum / Double(max(tokens, 1)))
    run.validationLoss.append(heldOutLoss(model, check, pad: pad))
    run.heldOutLoss.append(heldOutLoss(model, heldOut, pad: pad))
    run.heldOutBLEU.append(greedyBLEU(model, corpus: corpus))
    if run.validationLoss.last! < best?.loss ?? .infinity {
      best = (run.validationLoss.last!, model.module.stateDict().map { ($0, $1.clone()) })
      run.bestEpoch = epoch
    }
    try training.endEpoch(["train_loss": run.trainLoss.last!, "validation_loss": run.validationLoss.last!,
                           "held_out_loss": run.heldOutLoss.last!, "bleu": run.heldOutBLEU.last!])
  }
  run.tokensPerSecond = Double(tokens) / max(run.log.fastestEpochSeconds, 1e-9)    // every epoch has the same tokens
  run.trainingSeconds = run.log.epochSeconds.reduce(0, +)
  if let best, run.bestEpoch < epochs {
    try model.module.load(stateDict: best.weights)
    print("  lowest validation loss after epoch \(run.bestEpoch) of \(epochs) (\(String(format: "%.4f", best.loss))): "
          + "its weights are restored and scored below")
  }
}

/// Corpus BLEU-4 of the greedy translations of the held-out pairs (the number printed each epoch).
func greedyBLEU(_ model: TranslationModel, corpus: TranslationCorpus) -> Double {
  corpusBLEU(hypotheses: translate(model, corpus.heldOut.map(\.english), corpus: corpus, beam: 1),
             references: corpus.heldOut.map { wordsAndPunctuation($0.german) }).score
}

/// Translates every held-out pair and scores the translations against the references (the
/// German sentences, tokenised like the training data and never cut): corpus BLEU-4 as sacrebleu
/// computes it, and the mean of the textbook's sentence BLEU with k = 2, as d2l reports it.
func scoreHeldOut(_ run: TranslationRun, corpus: TranslationCorpus, beam: Int) {
  run.hypotheses = translate(run.model, corpus.heldOut.map(\.english), corpus: corpus, beam: beam)
  let references = corpus.heldOut.map { wordsAndPunctuation($0.german) }
  run.sentenceStatistics = zip(run.hypotheses, references).map { BLEUStatistics(hypothesis: $0, reference: $1) }
  var total = BLEUStatistics()
  for s in run.sentenceStatistics { total += s }
  run.bleu = corpusBLEU(total)
  run.bleuD2LMean = zip(run.hypotheses, references).map { bleuD2L(prediction: $0, label: $1, k: 2) }.reduce(0, +)
    / Double(max(references.count, 1))
}
