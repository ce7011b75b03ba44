import ChapterKit
import Foundation
import TorchlightData
import TorchlightNN
import TorchlightOptim

/// What one GPT run trains with: the options, shrunk by `--quick` to a seconds-long run.
struct GPTSettings {
  var config: GPTConfig
  var steps: Int, batchSize: Int, warmup: Int, evalInterval: Int
  var lr: Double, minLr: Double, weightDecay: Double, beta2: Double, gradClip: Double
  /// Held-out windows evaluated (nil: all of them).
  var heldOutWindows: Int?

  init(_ o: GPTOptions, vocabularySize: Int, quick: Bool) {
    config = GPTConfig(vocabSize: vocabularySize, blockSize: o.positionTable, nLayer: o.gptLayers, nHead: o.gptHeads,
                       nEmbd: o.gptEmbedding, dropout: o.gptDropout, tieWeights: !o.untied)
    (steps, batchSize, warmup, evalInterval) = (o.steps, o.gptBatchSize, o.warmup, o.evalInterval)
    (lr, minLr, weightDecay, beta2, gradClip) = (o.gptLr, o.minLr, o.weightDecay, o.beta2, o.gradClip)
    contextLength = o.blockSize
    if quick {
      // Two narrow blocks for 150 steps on a quarter of the held-out text: a few seconds.
      config.nLayer = min(config.nLayer, 2); config.nEmbd = min(config.nEmbd, 64)
      config.nHead = config.nEmbd % config.nHead == 0 ? config.nHead : 1
      steps = min(steps, 150); warmup = min(warmup, 15); evalInterval = min(evalInterval, 50)
      lr = max(lr, 3e-3); minLr = min(minLr, lr)
      heldOutWindows = 200
    }
  }

  /// Characters per training window (at most the position table).
  var contextLength: Int
  var tokensPerStep: Int { batchSize * contextLength }
}

/// The loss curve of a run: the training loss of every step, the held-out loss every
/// `evalInterval` steps (and before the first).
struct GPTHistory {
  var trainLoss: [Double] = []
  var evalSteps: [Int] = [], heldOutLoss: [Double] = []
  var trainSeconds = 0.0
}

/// The mean cross-entropy (nats per character) of `model` over the held-out text cut into
/// consecutive windows of `length` characters, the first `limit` windows only when given.
func heldOutLoss(_ model: GPT, _ tokens: [Int], length: Int, limit: Int? = nil) -> Double {
  let (x, y) = consecutiveWindows(tokens, length: length)
  let n = min(x.shape[0], limit ?? .max), batch = 64
  let wasTraining = model.isTraining
  model.eval()
  defer { model.train(wasTraining) }
  var total = 0.0
  withNoGrad {
    for start in stride(from: 0, to: n, by: batch) {
      let b = min(batch, n - start)
      let logits = model(x.narrow(axis: 0, start: start, length: b))
      total += crossEntropy(logits: logits.reshaped(-1, model.config.vocabSize), targets: y.narrow(axis: 0, start: start, length: b).reshaped(-1),
                            reduction: .sum).item()
    }
  }
  return total / Double(n * length)
}

/// Trains `model` on random windows of `train` with AdamW (decay on matrices only), the
/// warm-up + cosine schedule and gradient clipping, printing a line every `evalInterval` steps
/// with the held-out loss, and a progress bar in between on a terminal. Each printed line is
/// one "epoch" of `--checkpoint-every`.
func trainGPT(_ model: GPT, train: [Int], heldOut: [Int], settings s: GPTSettings) throws -> GPTHistory {
  let (decay, noDecay) = model.weightDecayGroups()
  let optimizer = AdamW(parameters: decay, lr: s.lr, betas: (0.9, s.beta2), weightDecay: s.weightDecay)
  optimizer.addParamGroup(noDecay) { $0.weightDecay = 0 }
  let schedule = WarmupCosineLR(optimizer: optimizer, warmupSteps: min(s.warmup, s.steps - 1), decaySteps: s.steps, etaMin: s.minLr)
  let vocabulary = model.config.vocabSize
  let terminal = isatty(STDOUT_FILENO) != 0
  var history = GPTHistory()
  let evaluate = { (step: Int) in
    history.evalSteps.append(step)
    history.heldOutLoss.append(heldOutLoss(model, heldOut, length: s.contextLength, limit: s.heldOutWindows))
  }
  evaluate(0)
  print("  step    0/\(s.steps)  held-out loss \(formatMetric(history.heldOutLoss[0])) (ln \(vocabulary) = \(formatMetric(log(Double(vocabulary)))): a uniform guess)")
  /// Each printed line's learning rate, tokens per second and seconds.
  var lines: [[Double]] = []
  func printLine(_ k: Int) {
    let (step, steps) = (history.evalSteps[k], history.evalSteps[k] - history.evalSteps[k - 1])
    let recent = history.trainLoss[(step - steps)..<step]
    let trainLoss = recent.reduce(0, +) / Double(recent.count)
    print("  step \(String(format: "%4d", step))/\(s.steps)  train_loss \(formatMetric(trainLoss))  val_loss \(formatMetric(history.heldOutLoss[k]))"
          + String(format: "  lr %.2e  %6.0f tok/s  %.2f s", lines[k - 1][0], lines[k - 1][1], lines[k - 1][2]))
    fflush(nil)
  }
  let chunks = (s.steps + s.evalInterval - 1) / s.evalInterval
  let run = try TrainingRun(name: "gpt", epochs: chunks, state: [
    "model": .module(model), "optimizer": .optimizer(optimizer), "schedule": .scheduler(schedule),
    "train_loss": .numbers({ history.trainLoss }, { history.trainLoss = $0 }),
    "held_out": .rows({ [history.evalSteps.map(Double.init), history.heldOutLoss] },
                      { (history.evalSteps, history.heldOutLoss) = ($0[0].map { Int($0) }, $0[1]) }),
    "lines": .rows({ lines }, { lines = $0 })], onReplay: printLine)
  var chunkStart = now(), lr = s.lr
  while let chunk = run.startEpoch(batches: min(run.epoch * s.evalInterval, s.steps) - (run.epoch - 1) * s.evalInterval) {
    for step in (history.trainLoss.count + 1)...min(chunk * s.evalInterval, s.steps) {
      let (x, y) = randomWindowBatch(train, batchSize: s.batchSize, length: s.contextLength)
      let loss = crossEntropy(logits: model(x).reshaped(-1, vocabulary), targets: y.reshaped(-1))
      optimizer.zeroGrad()
      loss.backward()
      if s.gradClip > 0 { clipGradNorm(model.parameters(), maxNorm: s.gradClip) }
      lr = optimizer.lr
      optimizer.step()
      schedule.step()
      history.trainLoss.append(loss.item())
      if terminal {
        let width = 30, done = step % s.evalInterval == 0 ? s.evalInterval : step % s.evalInterval
        let filled = width * done / s.evalInterval
        print("\r  step \(step)/\(s.steps) " + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
              + "  loss \(formatMetric(history.trainLoss.last!))", terminator: "")
        fflush(nil)
      }
      try run.stepDone()
    }
    let step = history.trainLoss.count, steps = step - history.evalSteps.last!
    let seconds = now() - chunkStart
    evaluate(step)
    if terminal { print("\r" + String(repeating: " ", count: 70) + "\r", terminator: "") }
    lines.append([lr, Double(steps * s.tokensPerStep) / seconds, seconds])
    printLine(lines.count)
    try run.endEpoch()
    chunkStart = now()
  }
  history.trainSeconds = lines.reduce(0) { $0 + $1[2] }
  return history
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
