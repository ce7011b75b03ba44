import Foundation

/// Iterates a dataset in minibatches (`torch.utils.data.DataLoader`). Each `for batch in loader`
/// is one epoch: with `shuffle`, the order is redrawn from the loader's generator every epoch, so
/// a seeded run repeats exactly.
///
/// With `prefetch: true`, the next batch is prepared on a background thread while the current one
/// trains — the role of `num_workers` in PyTorch. Batches still come out in order and random
/// transforms still draw in order, so prefetching never changes the results. It is off by default
/// (as `num_workers=0` is): handing a batch between threads costs tens of microseconds, more than
/// gathering an in-memory batch; it pays off when batches are expensive to make, such as with data
/// augmentation (`make bench` measures both cases).
public final class DataLoader<Batch>: Sequence {
  public let batchSize: Int
  public let shuffle: Bool
  public let dropLast: Bool
  public let prefetch: Bool
  /// Examples in the dataset.
  public let exampleCount: Int
  let generator: Torchlight.Generator
  let fetch: ([Int]) -> Batch

  /// A loader over any dataset, with `collate` turning a list of examples into a batch.
  public convenience init<D: Dataset>(_ dataset: D, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
                          prefetch: Bool = false, generator: Torchlight.Generator? = nil, collate: @escaping ([D.Example]) -> Batch) {
    self.init(count: dataset.count, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, prefetch: prefetch,
              generator: generator) { indices in collate(indices.map { dataset[$0] }) }
  }

  /// A loader over a dataset that gathers whole batches itself; `transform` (for example data
  /// augmentation) is applied to each batch, on the prefetching thread.
  public convenience init<D: BatchDataset>(_ dataset: D, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false,
                               prefetch: Bool = false, generator: Torchlight.Generator? = nil,
                               transform: ((D.Batch) -> Batch)? = nil) where D.Batch == Batch {
    self.init(count: dataset.count, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, prefetch: prefetch,
              generator: generator) { indices in
      let batch = dataset.batch(at: indices)
      return transform.map { $0(batch) } ?? batch
    }
  }

  init(count: Int, batchSize: Int, shuffle: Bool, dropLast: Bool, prefetch: Bool, generator: Torchlight.Generator?,
       fetch: @escaping ([Int]) -> Batch) {
    precondition(batchSize > 0, "DataLoader: batchSize must be positive, got \(batchSize)")
    self.exampleCount = count
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.dropLast = dropLast
    self.prefetch = prefetch
    self.generator = generator ?? Torchlight.Generator.global.spawn()
    self.fetch = fetch
  }

  /// Batches per epoch.
  public var count: Int { dropLast ? exampleCount / batchSize : (exampleCount + batchSize - 1) / batchSize }

  /// The example indices of each batch of a new epoch.
  func epochPlan() -> [[Int]] {
    let order = shuffle ? Tensor.randperm(exampleCount, generator: generator).toArray(Int64.self).map(Int.init)
                        : Array(0..<exampleCount)
    return (0..<count).map { b in Array(order[(b * batchSize)..<Swift.min((b + 1) * batchSize, exampleCount)]) }
  }

  public func makeIterator() -> Iterator { makeIterator(startingAt: 0) }

  /// A new epoch whose first `position` batches are skipped without being gathered: the order is
  /// drawn from the generator exactly as for a whole epoch, so after setting the generator back
  /// to its state at the start of an interrupted epoch, this continues that epoch where it stopped.
  public func makeIterator(startingAt position: Int) -> Iterator {
    precondition(position >= 0 && position <= count, "DataLoader: cannot start an epoch of \(count) batches at batch \(position)")
    return Iterator(plan: epochPlan(), fetch: fetch, prefetch: prefetch, position: position)
  }

  /// One epoch's batches, in order.
  public final class Iterator: IteratorProtocol {
    let plan: [[Int]]
    let fetch: ([Int]) -> Batch
    let prefetch: Bool
    var position = 0
    /// The batch being prepared in the background, and the signal that it is ready.
    var pending: Batch?
    var ready: DispatchSemaphore?
    let queue = DispatchQueue(label: "torchlight.dataloader")

    init(plan: [[Int]], fetch: @escaping ([Int]) -> Batch, prefetch: Bool, position: Int = 0) {
      self.plan = plan
      self.fetch = fetch
      self.prefetch = prefetch
      self.position = position
      startPreparing(position)
    }

    private func startPreparing(_ index: Int) {
      guard prefetch, index < plan.count else { return }
      let signal = DispatchSemaphore(value: 0)
      ready = signal
      nonisolated(unsafe) let unsafeSelf = self
      queue.async {
        unsafeSelf.pending = withNoGrad { unsafeSelf.fetch(unsafeSelf.plan[index]) }
        signal.signal()
      }
    }

    public func next() -> Batch? {
      guard position < plan.count else { return nil }
      defer { position += 1 }
      guard prefetch, let signal = ready else { return withNoGrad { fetch(plan[position]) } }
      signal.wait()
      ready = nil
      let batch = pending!
      pending = nil
      startPreparing(position + 1)
      return batch
    }

    deinit {
      // An epoch left early: let the background batch finish before the buffers go away.
      ready?.wait()
    }
  }
}

/// Collates (input, label) examples into one batch by stacking each along a new first axis
/// (PyTorch's default collate). Pass it as `collate:` for datasets that only hand out examples:
/// `DataLoader(dataset, batchSize: 32, collate: stackExamples)`.
public func stackExamples(_ examples: [(input: Tensor, label: Tensor)]) -> (inputs: Tensor, labels: Tensor) {
  (Tensor.stack(examples.map(\.input)), Tensor.stack(examples.map(\.label)))
}
