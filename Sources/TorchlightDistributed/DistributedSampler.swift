import Torchlight

/// Which examples each rank trains on in an epoch (`torch.utils.data.DistributedSampler`).
///
/// Every rank draws the same permutation of the data set from `seed + epoch`, pads it to a
/// multiple of the world size by repeating its first indices (as PyTorch does), and takes every
/// `worldSize`-th index starting at its rank. The shards are disjoint apart from the padding,
/// together they cover the data set, and each has `samplesPerRank` indices, so every rank runs
/// the same number of steps. Call `setEpoch(_:)` before each epoch, or every epoch repeats the
/// first one's order.
public struct DistributedSampler: Sendable {
  /// Examples in the data set.
  public let datasetCount: Int
  public let worldSize: Int
  public let rank: Int
  public let shuffle: Bool
  public let seed: UInt64
  /// Drop the tail that does not divide evenly instead of padding.
  public let dropLast: Bool
  public private(set) var epoch = 0

  public init(datasetCount: Int, worldSize: Int, rank: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
    precondition(worldSize >= 1 && rank >= 0 && rank < worldSize,
                 "DistributedSampler: rank \(rank) is not in a world of size \(worldSize)")
    precondition(datasetCount >= 0, "DistributedSampler: negative data set size \(datasetCount)")
    self.datasetCount = datasetCount
    self.worldSize = worldSize
    self.rank = rank
    self.shuffle = shuffle
    self.seed = seed
    self.dropLast = dropLast
  }

  /// A sampler for this process's place in `group`.
  public init(datasetCount: Int, group: ProcessGroup, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
    self.init(datasetCount: datasetCount, worldSize: group.worldSize, rank: group.rank, shuffle: shuffle, seed: seed, dropLast: dropLast)
  }

  /// Sets the epoch whose permutation `indices()` draws (`set_epoch`).
  public mutating func setEpoch(_ epoch: Int) { self.epoch = epoch }

  /// Indices each rank gets per epoch: ⌈n / p⌉, or ⌊n / p⌋ with `dropLast`.
  public var samplesPerRank: Int {
    dropLast ? datasetCount / worldSize : (datasetCount + worldSize - 1) / worldSize
  }

  /// The indices all ranks together visit in an epoch (padding included).
  public var totalSize: Int { samplesPerRank * worldSize }

  /// This rank's indices for the current epoch.
  public func indices() -> [Int] {
    var order = shuffle
      ? Tensor.randperm(datasetCount, generator: Generator(seed: seed &+ UInt64(epoch))).toArray(Int64.self).map(Int.init)
      : Array(0..<datasetCount)
    if dropLast {
      order = Array(order.prefix(totalSize))
    } else if order.count < totalSize && !order.isEmpty {
      let padding = totalSize - order.count
      order += (0..<padding).map { order[$0 % order.count] }
    }
    return stride(from: rank, to: order.count, by: worldSize).map { order[$0] }
  }

  /// This rank's indices for the current epoch cut into batches of `batchSize` (the last one
  /// shorter unless `dropLastBatch`).
  public func batches(of batchSize: Int, dropLastBatch: Bool = false) -> [[Int]] {
    precondition(batchSize > 0, "DistributedSampler: batch size must be positive, got \(batchSize)")
    let mine = indices()
    let full = mine.count / batchSize
    var result = (0..<full).map { Array(mine[($0 * batchSize)..<(($0 + 1) * batchSize)]) }
    if !dropLastBatch && mine.count % batchSize != 0 { result.append(Array(mine[(full * batchSize)...])) }
    return result
  }
}
