import Foundation
import Torchlight
import TorchlightOptim

/// The training loop the character-model benchmarks share, as the PyTorch scripts time it: each
/// step `batch` random windows of `numSteps` characters from `ids` (inputs, and the same shifted
/// by one as targets), the model's loss, backward, gradient-norm clipping at 1, one optimizer
/// step. Timed in chunks of 100 steps; tokens/s from the fastest and the median chunk, and the
/// training perplexity of the last 50 steps, reported as one BENCH line.
func timeCharLMTraining(name: String, ids: [Int64], numSteps: Int, batch: Int, steps: Int, threads: Int,
                        parameters: [Tensor], optimizer: Optimizer, generator g: Generator, extra: [String: String],
                        loss: (_ inputs: [Int64], _ targets: [Int64]) -> Tensor) {
  let chunk = 100
  let starts = Tensor.randint(0, ids.count - numSteps - 1, [steps, batch], generator: g).toArray(Int64.self)
  var chunkSeconds: [Double] = [], losses: [Double] = []
  var chunkStart = DispatchTime.now().uptimeNanoseconds
  for step in 0..<steps {
    var xs: [Int64] = [], ys: [Int64] = []
    for b in 0..<batch {
      let s = Int(starts[step * batch + b])
      xs += ids[s..<(s + numSteps)]
      ys += ids[(s + 1)...(s + numSteps)]
    }
    let value = loss(xs, ys)
    optimizer.zeroGrad()
    value.backward()
    _ = clipGradNorm(parameters, maxNorm: 1)
    optimizer.step()
    losses.append(value.item())
    if (step + 1) % chunk == 0 {
      let now = DispatchTime.now().uptimeNanoseconds
      chunkSeconds.append(Double(now - chunkStart) / 1e9)
      chunkStart = now
    }
  }
  guard let fastest = chunkSeconds.min() else { return }
  let median = chunkSeconds.sorted()[chunkSeconds.count / 2], perChunk = Double(chunk * batch * numSteps)
  let last = losses.suffix(50)
  report(name, ["threads": Double(threads), "tokens_per_sec": perChunk / fastest, "tokens_per_sec_median": perChunk / median,
                "ms_per_step_median": 1000 * median / Double(chunk),
                "train_perplexity": Foundation.exp(last.reduce(0, +) / Double(last.count))],
         extra: extra)
}
