/// A token stream cut into consecutive subsequences of `numSteps` tokens, each with its target:
/// the same tokens shifted one ahead, so the model predicts token t + 1 from tokens up to t.
/// Example i starts at token `offset + i · numSteps`; the last token is only ever a target.
///
/// Batches are int64 `[batch, numSteps]`. With offset 0 and a plain `DataLoader` it walks a
/// validation stream once, in order; `LanguageModelLoader` draws the partitions for training.
public struct LanguageModelDataset: BatchDataset {
  public let tokens: [Int64]
  public let numSteps: Int
  public let offset: Int

  public init(_ tokens: [Int], numSteps: Int, offset: Int = 0) {
    precondition(numSteps >= 1, "LanguageModelDataset: numSteps must be at least 1, got \(numSteps)")
    precondition(offset >= 0 && offset < Swift.max(tokens.count, 1),
                 "LanguageModelDataset: offset \(offset) lies outside the \(tokens.count) tokens")
    self.init(tokens.map { Int64($0) }, numSteps: numSteps, offset: offset)
  }

  init(_ tokens: [Int64], numSteps: Int, offset: Int) {
    self.tokens = tokens
    self.numSteps = numSteps
    self.offset = offset
  }

  /// Whole subsequences that still have a target token after them.
  public var count: Int { Swift.max(tokens.count - offset - 1, 0) / numSteps }

  public subscript(index: Int) -> (input: Tensor, target: Tensor) {
    let b = batch(at: [index])
    return (b.inputs[0], b.targets[0])
  }

  /// Rows `indices` stacked: inputs and targets int64 `[indices.count, numSteps]`.
  public func batch(at indices: [Int]) -> (inputs: Tensor, targets: Tensor) {
    var inputs: [Int64] = [], targets: [Int64] = []
    inputs.reserveCapacity(indices.count * numSteps)
    targets.reserveCapacity(indices.count * numSteps)
    for i in indices {
      precondition(i >= 0 && i < count, "LanguageModelDataset: subsequence \(i) is outside 0..<\(count)")
      let start = offset + i * numSteps
      inputs.append(contentsOf: tokens[start..<(start + numSteps)])
      targets.append(contentsOf: tokens[(start + 1)...(start + numSteps)])
    }
    return (Tensor(inputs, shape: [indices.count, numSteps]), Tensor(targets, shape: [indices.count, numSteps]))
  }
}
