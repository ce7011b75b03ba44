import Foundation
import TorchlightData
import TorchlightNN

/// How a translation is generated: token by token, each fed back as the next input, until
/// `<eos>` or `maxLength` tokens.
struct DecodingSettings {
  var bos: Int, eos: Int, maxLength: Int
  /// Hypotheses kept per step (1: greedy).
  var beam = 1
  /// The length normalisation of beam search: a finished hypothesis of L tokens (`<eos>`
  /// included) scores log P / L^α (d2l §10.8 uses α = 0.75).
  var alpha = 0.75
}

/// Greedy decoding of a whole batch at once (d2l's `predict_step`): at every step each sentence
/// takes its most likely next token. Returns the token indices of every sentence, without
/// `<eos>`, and the attention weights over the source at each step where the model has them.
func greedyDecode(_ model: TranslationModel, source: Tensor, validLengths: Tensor, settings: DecodingSettings)
  -> (tokens: [[Int]], attention: [[[Double]]]) {
  withNoGrad {
    let n = source.shape[0]
    var state = model.beginDecoding(source: source, sourceValidLengths: validLengths)
    var tokens = Tensor(Array(repeating: Int64(settings.bos), count: n), shape: [n])
    var outputs = [[Int]](repeating: [], count: n), attention = [[[Double]]](repeating: [], count: n)
    var finished = [Bool](repeating: false, count: n)
    for _ in 0..<settings.maxLength {
      guard finished.contains(false) else { break }
      let step = model.decodeStep(tokens, state: state)
      state = step.state
      tokens = step.scores.argmax(axis: -1)
      let chosen = tokens.toArray(Int64.self).map { Int($0) }
      let weights = step.attention.map(rows)
      for i in 0..<n where !finished[i] {
        if let weights { attention[i].append(weights[i]) }
        if chosen[i] == settings.eos { finished[i] = true } else { outputs[i].append(chosen[i]) }
      }
    }
    return (outputs, attention)
  }
}

/// Beam search for one source [1, S] (d2l §10.8): keep the `beam` most likely unfinished
/// hypotheses; at every step extend each by every token and keep the best `beam` extensions
/// that do not end; those that end with `<eos>` are set aside, scored log P / L^α so that
/// short translations are not favoured merely for having fewer factors below 1. After
/// `maxLength` steps, the unfinished hypotheses compete too. Returns the best one's tokens,
/// without `<eos>`.
func beamSearch(_ model: TranslationModel, source: Tensor, validLength: Tensor, settings: DecodingSettings) -> [Int] {
  withNoGrad {
    var state = model.beginDecoding(source: source, sourceValidLengths: validLength)
    var alive: [(tokens: [Int], logProbability: Double)] = [([], 0)]
    var finished: [(tokens: [Int], score: Double)] = []
    func normalised(_ logProbability: Double, length: Int) -> Double { logProbability / pow(Double(max(length, 1)), settings.alpha) }
    for _ in 0..<settings.maxLength {
      let last = alive.map { Int64($0.tokens.last ?? settings.bos) }
      let step = model.decodeStep(Tensor(last, shape: [last.count]), state: state)
      let logProbabilities = logSoftmax(step.scores, axis: -1)
      let vocabulary = logProbabilities.shape[1], values = logProbabilities.toDoubles()
      // The best 2·beam extensions over all hypotheses: at most beam of them end, so at least
      // beam go on (or every extension there is).
      var candidates: [(row: Int, token: Int, logProbability: Double)] = []
      for (row, hypothesis) in alive.enumerated() {
        for (token, lp) in topK(values[(row * vocabulary)..<((row + 1) * vocabulary)], 2 * settings.beam) {
          candidates.append((row, token, hypothesis.logProbability + lp))
        }
      }
      candidates.sort { $0.logProbability > $1.logProbability }
      var next: [(tokens: [Int], logProbability: Double)] = [], rows: [Int64] = []
      for c in candidates where next.count < settings.beam {
        if c.token == settings.eos {
          finished.append((alive[c.row].tokens, normalised(c.logProbability, length: alive[c.row].tokens.count + 1)))
        } else {
          next.append((alive[c.row].tokens + [c.token], c.logProbability))
          rows.append(Int64(c.row))
        }
      }
      guard !next.isEmpty else { break }
      state = step.state.selecting(Tensor(rows, shape: [rows.count]))
      alive = next
    }
    let unfinished = alive.map { ($0.tokens, normalised($0.logProbability, length: $0.tokens.count)) }
    return (finished + unfinished).max { $0.1 < $1.1 }!.0
  }
}

/// The `k` largest values of a slice with their positions (from 0), largest first.
func topK(_ values: ArraySlice<Double>, _ k: Int) -> [(Int, Double)] {
  var best: [(Int, Double)] = []
  for (i, v) in values.enumerated() {
    guard best.count < k || v > best[best.count - 1].1 else { continue }
    let position = best.firstIndex { v > $0.1 } ?? best.count
    best.insert((i, v), at: position)
    if best.count > k { best.removeLast() }
  }
  return best
}

/// Translations of `sources` (English sentences) as target tokens: greedy for the whole batch
/// at once, or beam search sentence by sentence.
func translate(_ model: TranslationModel, _ sources: [String], corpus: TranslationCorpus, beam: Int) -> [[String]] {
  model.module.eval()
  defer { model.module.train() }
  let settings = DecodingSettings(bos: corpus.bos, eos: corpus.eos, maxLength: corpus.numSteps, beam: beam)
  let encoded = sources.map { corpus.sourceIndices($0) }
  var indices: [[Int]] = []
  if beam == 1 {
    for start in stride(from: 0, to: encoded.count, by: 250) {
      let chunk = encoded[start..<min(start + 250, encoded.count)]
      let source = Tensor(chunk.flatMap { $0.ids.map(Int64.init) }, shape: [chunk.count, corpus.numSteps])
      let lengths = Tensor(chunk.map { Int64($0.validLength) }, shape: [chunk.count])
      indices += greedyDecode(model, source: source, validLengths: lengths, settings: settings).tokens
    }
  } else {
    for (ids, length) in encoded {
      indices.append(beamSearch(model, source: Tensor(ids.map(Int64.init), shape: [1, ids.count]),
                                validLength: Tensor([Int64(length)], shape: [1]), settings: settings))
    }
  }
  return indices.map { corpus.targetVocabulary.tokens(for: $0) }
}
