import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightPlot

/// Part `gpt`: a character-level GPT (a decoder-only Transformer) trained on *The Adventures of
/// Sherlock Holmes* with nanoGPT's CPU recipe, its train and held-out loss as a figure, and text
/// sampled from `--prompt` with a key/value cache, timed against sampling without it.
func runGPTPart(_ chapter: AttentionChapter, _ plotter: Plotter) throws {
  let o = chapter.gpt, quick = chapter.options.quick
  let book: SherlockHolmes
  do { book = try SherlockHolmes(folder: chapter.options.dataDir) } catch let error as DataError { throw ChapterError(error.description) }
  let text = CharacterText(book.text)
  let prompt = try text.encode(o.prompt, what: "--prompt")     // before training, so a typo costs nothing
  let s = GPTSettings(o, vocabularySize: text.count, quick: quick)
  guard text.validation.count > s.contextLength else {
    throw ChapterError("--block-size \(s.contextLength) is longer than the \(text.validation.count) held-out characters; choose a shorter context")
  }

  section("Character GPT on Sherlock Holmes (\(quick ? "quick run" : "nanoGPT's CPU recipe"))")
  print("  \(text.train.count + text.validation.count) characters: \(text.train.count) to train, the last \(text.validation.count) held out (10%, as in chapter 10)")
  print("  vocabulary of \(text.count) characters: \(text.printable)")
  let model = GPT(s.config)
  let c = s.config
  print("  GPT: \(c.nLayer) blocks, \(c.nHead) heads, embedding \(c.nEmbd), context \(s.contextLength) of \(c.blockSize) positions, "
        + "\(c.tieWeights ? "tied" : "untied") output layer: \(model.parameterCount) parameters")
  print("  AdamW lr \(formatNumber(s.lr)) (β₂ \(formatNumber(s.beta2)), weight decay \(formatNumber(s.weightDecay)) on matrices), "
        + "warm-up \(s.warmup) then cosine to \(formatNumber(s.minLr)) at step \(s.steps), gradient norm ≤ \(formatNumber(s.gradClip)), "
        + "batch \(s.batchSize) × \(s.contextLength) = \(s.tokensPerStep) characters per step")

  let history = try trainGPT(model, train: text.train, heldOut: text.validation, settings: s)
  let tokensPerSecond = Double(s.steps * s.tokensPerStep) / history.trainSeconds

  try plotter.save(LinePlot(title: "Character GPT on Sherlock Holmes: cross-entropy per character", xLabel: "step",
                            yLabel: "loss (nats per character)", series: [
                              Series("train (one batch)", x: history.trainLoss.indices.map { Double($0 + 1) }, y: history.trainLoss, color: 0),
                              Series("held out (last 10%)", x: history.evalSteps.map(Double.init), y: history.heldOutLoss,
                                     style: .linesPoints, color: 1),
                            ]), name: "gpt-loss")

  // Sampling: the same characters with and without the cache (same seed), timed.
  let k = o.topK == 0 ? nil : o.topK
  var seconds: [Double] = []
  var samples: [[Int]] = []
  for useCache in [true, false] {
    let start = now()
    samples.append(model.generate(prompt, maxNewTokens: o.sampleLength, temperature: o.temperature, topK: k, useCache: useCache,
                                  context: s.contextLength,
                                  generator: Generator(seed: chapter.options.seed)))
    seconds.append(now() - start)
  }
  section("Sampled from \"\(o.prompt)\" (temperature \(formatNumber(o.temperature)), top-k \(k.map(String.init) ?? "off"))")
  print(o.prompt + text.decode(samples[0]))
  let perSecond = seconds.map { Double(o.sampleLength) / max($0, 1e-9) }
  print("\n  \(o.sampleLength) characters: " + String(format: "%.0f per second with the key/value cache, %.0f without (%.1f× faster)",
                                                   perSecond[0], perSecond[1], perSecond[0] / max(perSecond[1], 1e-9))
        + "; the same text both ways: \(samples[0] == samples[1] ? "yes" : "no")")

  let trainLoss = history.trainLoss.suffix(s.evalInterval).reduce(0, +) / Double(min(s.evalInterval, history.trainLoss.count))
  printResult(chapter: "attention", model: "gpt",
              ["initial_val_loss": history.heldOutLoss[0], "train_loss": trainLoss, "val_loss": history.heldOutLoss.last!],
              extra: ["steps": "\(s.steps)", "params": "\(model.parameterCount)", "tokens_per_sec": String(format: "%.0f", tokensPerSecond),
                      "train_sec": String(format: "%.1f", history.trainSeconds), "sample_chars_per_sec": String(format: "%.0f", perSecond[0]),
                      "sample_chars_per_sec_uncached": String(format: "%.0f", perSecond[1])])
}
