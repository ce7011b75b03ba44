/// A minibatch of `batchSize` windows of `length` tokens cut at random places of `tokens`, the
/// way GPT training samples its text: window b starts at a uniform sᵦ ∈ [0, n − length − 1] and
/// its targets are the same window shifted one token on, so
///
///     inputs[b, t] = tokens[sᵦ + t],   targets[b, t] = tokens[sᵦ + t + 1].
///
/// Each step sees fresh, overlapping windows rather than passing through the text in order:
/// there are no epochs, only steps. Both tensors are int64 [batchSize, length].
public func randomWindowBatch(_ tokens: [Int], batchSize: Int, length: Int, generator: Generator? = nil)
  -> (inputs: Tensor, targets: Tensor) {
  precondition(batchSize > 0 && length > 0, "randomWindowBatch: batchSize and length must be positive, got \(batchSize) and \(length)")
  precondition(tokens.count > length, "randomWindowBatch: \(tokens.count) tokens cannot hold a window of \(length) plus its next token")
  let starts = Tensor.randint(0, tokens.count - length, [batchSize], generator: generator).toArray(Int64.self)
  var x = [Int64](), y = [Int64]()
  x.reserveCapacity(batchSize * length); y.reserveCapacity(batchSize * length)
  for s in starts.map(Int.init) {
    for t in 0..<length { x.append(Int64(tokens[s + t])); y.append(Int64(tokens[s + t + 1])) }
  }
  return (Tensor(x, shape: [batchSize, length]), Tensor(y, shape: [batchSize, length]))
}

/// The held-out text cut into consecutive windows of `length` tokens (the last partial one
/// dropped), with their shifted targets: every token is predicted once, with between 0 and
/// length − 1 tokens of context, as in training. Int64 [windows, length] each.
public func consecutiveWindows(_ tokens: [Int], length: Int) -> (inputs: Tensor, targets: Tensor) {
  precondition(length > 0 && tokens.count > length, "consecutiveWindows: \(tokens.count) tokens cannot hold a window of \(length) plus its next token")
  let n = (tokens.count - 1) / length
  let x = tokens.prefix(n * length).map(Int64.init), y = tokens.dropFirst().prefix(n * length).map(Int64.init)
  return (Tensor(Array(x), shape: [n, length]), Tensor(Array(y), shape: [n, length]))
}
