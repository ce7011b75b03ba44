import Foundation

/// Draws one token index from next-token logits z (a [V] tensor or any tensor of V values):
///
///     p = softmax(z / τ)   over the k largest zᵢ only (the others get probability 0)
///
/// The temperature τ sharpens (τ < 1) or flattens (τ > 1) the distribution; τ → 0 approaches
/// always taking the most likely token. Top-k cuts the long tail of unlikely tokens, each rare on
/// its own but together likely enough to derail a sample now and then. Ties with the k-th
/// largest are kept.
public func sampleToken(logits: Tensor, temperature: Double = 1, topK: Int? = nil, generator: Generator? = nil) -> Int {
  precondition(temperature > 0 && temperature.isFinite, "sampleToken: temperature must be a positive number, got \(temperature)")
  var z = logits.toDoubles().map { $0 / temperature }
  precondition(!z.isEmpty, "sampleToken: no logits")
  if let k = topK, k < z.count {
    precondition(k >= 1, "sampleToken: topK must be at least 1, got \(k)")
    let threshold = z.sorted(by: >)[k - 1]
    z = z.map { $0 < threshold ? -.infinity : $0 }
  }
  let top = z.max()!
  let weights = z.map { Foundation.exp($0 - top) }
  let u = Tensor.uniform([1], low: 0, high: 1, dtype: .float64, generator: generator).item() * weights.reduce(0, +)
  var cumulative = 0.0
  for (i, w) in weights.enumerated() {
    cumulative += w
    if u < cumulative { return i }
  }
  return weights.lastIndex { $0 > 0 }!
}

extension GPT {
  /// Continues `prompt` (token indices) by `maxNewTokens` sampled tokens and returns them
  /// (without the prompt), in evaluation mode and without recording gradients.
  ///
  /// With `useCache` (the default) the keys and values of the context are kept in a `KVCache`,
  /// so each new token runs the model on one position. The position table ends at blockSize, and
  /// a cached key belongs to its position, so a cache cannot slide along the text: when the
  /// context is full, generation restarts from its last blockSize/2 tokens (one pass over them,
  /// then one position per token again). Without the cache the model reruns the same context
  /// for every token, giving the same logits at blockSize/2 … blockSize times the cost.
  ///
  /// - Parameters:
  ///   - context: the longest context to read (default and at most blockSize): the length the
  ///     model was trained on, when that was shorter than its position table.
  ///   - observe: called with each step's next-token logits [vocabSize] (for tests and plots).
  public func generate(_ prompt: [Int], maxNewTokens: Int, temperature: Double = 1, topK: Int? = nil,
                       useCache: Bool = true, context: Int? = nil, generator: Generator? = nil,
                       observe: ((Tensor) -> Void)? = nil) -> [Int] {
    precondition(!prompt.isEmpty, "GPT.generate: the prompt needs at least one token")
    precondition(prompt.allSatisfy { (0..<config.vocabSize).contains($0) },
                 "GPT.generate: prompt tokens must lie in 0..<\(config.vocabSize)")
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    let blockSize = min(context ?? config.blockSize, config.blockSize), restart = max(1, blockSize / 2)
    precondition(blockSize >= 1, "GPT.generate: context must be at least 1, got \(blockSize)")
    var tokens = prompt
    var windowStart = max(0, prompt.count - blockSize)   // the context is tokens[windowStart...]
    let cache = useCache ? KVCache(layers: config.nLayer) : nil
    return withNoGrad {
      for _ in 0..<maxNewTokens {
        let input: ArraySlice<Int>
        if let cache, cache.length > 0 { input = tokens.suffix(1) } else { input = tokens[windowStart...] }
        let logits = forward(Tensor(input.map(Int64.init), shape: [1, input.count]), cache: cache)
        let last = logits.narrow(axis: 1, start: input.count - 1, length: 1).reshaped(config.vocabSize)
        observe?(last)
        tokens.append(sampleToken(logits: last, temperature: temperature, topK: topK, generator: generator))
        if tokens.count - windowStart > blockSize {
          windowStart = tokens.count - restart
          cache?.reset()
        }
      }
      return Array(tokens.suffix(maxNewTokens))
    }
  }
}
