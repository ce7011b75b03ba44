/// Minibatches for training a language model on one long token stream, by either of the
/// textbook's two partitions. Each batch is (inputs, targets), int64 `[batchSize, numSteps]`,
/// targets the inputs shifted one token ahead. Each `for batch in loader` is one epoch, and
/// every epoch starts the cut at a fresh random offset in 0..<numSteps, so over many epochs
/// every token is seen at every position of a subsequence.
///
/// - `.random`: the subsequences are shuffled; batches are independent, so the model's state is
///   reset for every batch.
/// - `.sequential`: row r of batch b + 1 continues exactly where row r of batch b ended, so the
///   state can be carried from batch to batch (detached from the graph).
///
/// Why not `DataLoader`: it draws batches from a fixed dataset as chunks of a permutation. Here
/// the dataset itself (the offset) changes every epoch, and the sequential order interleaves the
/// subsequences rather than permuting them. So this loader plans each epoch itself and gathers
/// the batches from a `LanguageModelDataset`. All draws come from its `generator`: one seed
/// fixes every epoch.
public final class LanguageModelLoader: Sequence {
  public enum Sampling: Sendable {
    case random
    case sequential
  }

  public let batchSize: Int
  public let numSteps: Int
  public let sampling: Sampling
  let tokens: [Int64]
  let generator: Torchlight.Generator

  public init(_ tokens: [Int], batchSize: Int, numSteps: Int, sampling: Sampling = .random,
              generator: Torchlight.Generator? = nil) {
    precondition(batchSize >= 1 && numSteps >= 1,
                 "LanguageModelLoader: batchSize and numSteps must be at least 1, got \(batchSize) and \(numSteps)")
    self.tokens = tokens.map { Int64($0) }
    self.batchSize = batchSize
    self.numSteps = numSteps
    self.sampling = sampling
    self.generator = generator ?? Torchlight.Generator.global.spawn()
    precondition(count > 0, "LanguageModelLoader: \(tokens.count) tokens do not fill one batch of \(batchSize) × \(numSteps) (+ offset and target); use a smaller batch or fewer steps")
  }

  /// Batches per epoch, the same whatever the offset: the subsequences that fit after the
  /// largest offset (numSteps − 1), in whole batches.
  public var count: Int { Swift.max(tokens.count - numSteps, 0) / numSteps / batchSize }

  /// A new epoch: its offset and the subsequence indices of each batch.
  func epochPlan() -> (dataset: LanguageModelDataset, batches: [[Int]]) {
    let offset = Int(Tensor.randint(0, numSteps, [1], generator: generator).toArray(Int64.self)[0])
    let dataset = LanguageModelDataset(tokens, numSteps: numSteps, offset: offset)
    let batches: [[Int]]
    switch sampling {
    case .random:
      let order = Tensor.randperm(dataset.count, generator: generator).toArray(Int64.self).map { Int($0) }
      batches = (0..<count).map { b in Array(order[(b * batchSize)..<((b + 1) * batchSize)]) }
    case .sequential:
      // Row r holds subsequences r·count ..< (r+1)·count, one contiguous stretch of the text;
      // batch b takes the b-th of each row.
      batches = (0..<count).map { b in (0..<batchSize).map { r in r * count + b } }
    }
    return (dataset, batches)
  }

  public func makeIterator() -> Iterator {
    let (dataset, batches) = epochPlan()
    return Iterator(dataset: dataset, batches: batches)
  }

  /// One epoch's batches, in order.
  public struct Iterator: IteratorProtocol {
    let dataset: LanguageModelDataset
    let batches: [[Int]]
    var position = 0

    public mutating func next() -> (inputs: Tensor, targets: Tensor)? {
      guard position < batches.count else { return nil }
      defer { position += 1 }
      return dataset.batch(at: batches[position])
    }
  }
}
