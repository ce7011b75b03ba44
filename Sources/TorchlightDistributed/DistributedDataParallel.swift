import Foundation
import Torchlight
import TorchlightNN

/// Data-parallel training of one module replicated on every rank
/// (`torch.nn.parallel.DistributedDataParallel`).
///
/// Each rank runs the forward and backward pass on its own part of the global batch. At
/// construction the parameters and buffers are copied from rank 0 to all ranks, so the replicas
/// start equal; after every backward pass the gradients are averaged over the ranks, so every
/// replica takes the same optimizer step and they stay equal.
///
/// The averaging overlaps with backward, as PyTorch's does: the parameters are grouped into
/// buckets of about `bucketCapMB` megabytes, in reverse order (backward produces the last
/// layer's gradients first). A post-accumulate-grad hook on every parameter copies its gradient
/// into its bucket; when a bucket is full its all-reduce is started without waiting
/// (`MPI_Iallreduce`) while backward goes on with earlier layers. When the last gradient has
/// arrived, the hook waits for every bucket and writes the averages back into `.grad`, so when
/// `backward()` returns, the gradients are already the ones of the whole global batch.
///
/// MPI moves a non-blocking message along only inside an MPI call, and all calls come from the
/// thread running backward. So besides the hooks, a `BackwardProgress` function tests the
/// all-reduces in flight after every node of the backward pass: the first buckets travel while
/// the early layers' gradients are still being computed, and each bucket's averages are written
/// back as soon as its all-reduce has ended.
///
/// Every parameter that requires grad must receive a gradient in every backward pass (call
/// `finishGradientSync()` before the step when some may not).
public final class DistributedDataParallel {
  public let module: Module
  public let group: ProcessGroup
  /// The bucket size limit in bytes.
  public let bucketCapBytes: Int
  /// The buckets, in the order their all-reduces start: the names of their parameters.
  public var bucketParameterNames: [[String]] { buckets.map { $0.entries.map(\.name) } }

  /// Timings of the last synchronised backward pass, in seconds.
  public struct SyncTimings: Sendable {
    /// Time spent inside MPI during backward (starting all-reduces, testing them for progress).
    public var inBackward = 0.0
    /// Time spent waiting for the all-reduces after the last gradient arrived, and copying the
    /// averages back: the communication that backward did not hide.
    public var exposed = 0.0
    /// How many buckets had finished, their averages written back, when backward ended.
    public var bucketsDoneEarly = 0
    /// When the last gradient arrived (the end of this rank's backward pass) and when the
    /// averaged gradients were in place, in `DispatchTime` nanoseconds. On one machine every
    /// rank reads the same clock, so `syncEnded` minus the latest `backwardEnded` of all ranks
    /// is the communication left over once every rank has finished backward.
    public var backwardEnded: UInt64 = 0
    public var syncEnded: UInt64 = 0
  }
  public private(set) var lastSync = SyncTimings()

  final class Bucket {
    struct Entry { let name: String; let parameter: Tensor; let offset: Int }
    var entries: [Entry] = []
    var flat: Tensor!
    var ready = 0
    /// Which entries got their gradient this round.
    var arrivedEntries = Set<Int>()
    var work: ProcessGroup.Work?
    var bytes = 0
    /// Whether this round's averages are already in the parameters' `.grad`.
    var writtenBack = false
  }

  private var buckets: [Bucket] = []
  private var bucketOf: [ObjectIdentifier: Int] = [:]
  private var hookIDs: [(Tensor, Int)] = []
  private var progressID: Int?
  private var nextToLaunch = 0
  private var arrived = 0
  private var syncing = true
  private var failure: Error?
  private let parameterCount: Int

  /// Wraps `module` for data-parallel training in `group`.
  ///
  /// Checks first that every rank's module has the same parameters and buffers (names, shapes,
  /// dtypes): a mismatch throws on every rank, naming the ranks, instead of leaving them waiting
  /// in collectives of different sizes. Then broadcasts rank 0's values to all.
  public init(_ module: Module, group: ProcessGroup, bucketCapMB: Double = 25) throws {
    self.module = module
    self.group = group
    self.bucketCapBytes = max(1, Int(bucketCapMB * 1_048_576))
    let named = module.namedParameters().filter { $0.1.requiresGrad }
    parameterCount = named.count
    try DistributedDataParallel.checkSameModel(module, group: group)
    for (_, t) in module.namedTensors() { try group.broadcast(t, from: 0) }
    guard group.worldSize > 1 else { return }
    // Buckets in reverse parameter order, one dtype per bucket.
    var current: Bucket?
    for (name, p) in named.reversed() {
      guard p.isContiguous else { throw DistributedError("DistributedDataParallel: parameter \(name) is not contiguous") }
      _ = try ProcessGroup.datatype(p.dtype, "DistributedDataParallel (parameter \(name))")
      let bytes = p.count * p.dtype.itemSize
      if let c = current, c.bytes + bytes > bucketCapBytes || c.entries.first!.parameter.dtype != p.dtype, !c.entries.isEmpty {
        buckets.append(c)
        current = nil
      }
      let bucket = current ?? Bucket()
      bucket.entries.append(.init(name: name, parameter: p, offset: bucket.bytes / p.dtype.itemSize))
      bucket.bytes += bytes
      current = bucket
      bucketOf[ObjectIdentifier(p)] = buckets.count
    }
    if let c = current, !c.entries.isEmpty { buckets.append(c) }
    for b in buckets { b.flat = Tensor.zeros([b.bytes / b.entries[0].parameter.dtype.itemSize], dtype: b.entries[0].parameter.dtype) }
    for (_, p) in named {
      let id = p.registerPostAccumulateGradHook { [unowned self] leaf in self.gradientArrived(leaf) }
      hookIDs.append((p, id))
    }
    progressID = BackwardProgress.add { [unowned self] in self.progress() }
  }

  deinit {
    for (p, id) in hookIDs { p.removePostAccumulateGradHook(id) }
    if let progressID { BackwardProgress.remove(progressID) }
  }

  /// The wrapped module's forward pass; also starts a new round of gradient buckets.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    resetRound()
    return module(input)
  }

  /// Runs `body` (forward and backward of micro-batches) without averaging gradients
  /// (`no_sync()`): they accumulate in `.grad` on each rank, and the next synchronised backward
  /// averages the accumulated sums.
  public func noSync<R>(_ body: () throws -> R) rethrows -> R {
    let previous = syncing
    syncing = false
    defer { syncing = previous }
    return try body()
  }

  /// Makes sure the gradients of this round are averaged, for a backward pass in which some
  /// parameters got no gradient: their buckets are reduced with zeros in their place. Throws
  /// the MPI error if a collective failed during backward. Does nothing when the last hook has
  /// already done the work.
  public func finishGradientSync() throws {
    if let failure { self.failure = nil; throw failure }
    guard group.worldSize > 1, syncing, arrived > 0, nextToLaunch < buckets.count || buckets.contains(where: { $0.work != nil }) else { return }
    for b in buckets where b.ready < b.entries.count {
      withNoGrad {
        for (i, e) in b.entries.enumerated() where !b.arrivedEntries.contains(i) {
          b.flat.narrow(axis: 0, start: e.offset, length: e.parameter.count).zero()
        }
      }
      b.ready = b.entries.count
    }
    try launchReadyBuckets()
    try waitAndWriteBack()
  }

  private func resetRound() {
    arrived = 0
    nextToLaunch = 0
    for b in buckets { b.ready = 0; b.work = nil; b.arrivedEntries = []; b.writtenBack = false }
  }

  private func gradientArrived(_ parameter: Tensor) {
    guard syncing, failure == nil, let index = bucketOf[ObjectIdentifier(parameter)], let grad = parameter.grad else { return }
    if arrived == 0 { lastSync = SyncTimings() }
    let start = DispatchTime.now().uptimeNanoseconds
    do {
      let bucket = buckets[index]
      let position = bucket.entries.firstIndex { $0.parameter === parameter }!
      let entry = bucket.entries[position]
      bucket.arrivedEntries.insert(position)
      withNoGrad { bucket.flat.narrow(axis: 0, start: entry.offset, length: grad.count).copy(from: grad.reshaped([-1])) }
      bucket.ready += 1
      arrived += 1
      try launchReadyBuckets()
      try writeBackFinishedBuckets()
      lastSync.inBackward += seconds(since: start)
      if arrived == parameterCount { try waitAndWriteBack() }
    } catch {
      failure = error
    }
  }

  /// Called after every node of a backward pass: moves the all-reduces in flight along between
  /// this rank's gradient hooks.
  private func progress() {
    guard syncing, failure == nil, arrived > 0, arrived < parameterCount,
          buckets[..<nextToLaunch].contains(where: { !$0.writtenBack }) else { return }
    let start = DispatchTime.now().uptimeNanoseconds
    do { try writeBackFinishedBuckets() } catch { failure = error }
    lastSync.inBackward += seconds(since: start)
  }

  /// Tests the oldest bucket in flight (`MPI_Test`: inside it MPI moves every pending message
  /// along, not only this one) and writes back the averages of the buckets that have finished.
  private func writeBackFinishedBuckets() throws {
    for b in buckets[..<nextToLaunch] where !b.writtenBack {
      guard let work = b.work, try work.isCompleted() else { return }
      try writeBack(b)
    }
  }

  /// Copies a finished bucket's averages into its parameters' `.grad`.
  private func writeBack(_ b: Bucket) throws {
    guard let work = b.work else { return }
    try work.wait()
    b.work = nil
    b.writtenBack = true
    withNoGrad {
      for e in b.entries {
        let averaged = b.flat.narrow(axis: 0, start: e.offset, length: e.parameter.count).reshaped(e.parameter.shape)
        if let g = e.parameter.grad { g.copy(from: averaged) } else { e.parameter.setGrad(averaged.clone()) }
      }
    }
  }

  private func launchReadyBuckets() throws {
    // Buckets start in a fixed order, the same on every rank, as MPI's collectives must.
    while nextToLaunch < buckets.count && buckets[nextToLaunch].ready == buckets[nextToLaunch].entries.count {
      let b = buckets[nextToLaunch]
      b.work = try group.allReduceAsync(b.flat, .average)
      nextToLaunch += 1
    }
  }

  private func waitAndWriteBack() throws {
    let start = DispatchTime.now().uptimeNanoseconds
    lastSync.backwardEnded = start
    lastSync.bucketsDoneEarly = buckets.filter(\.writtenBack).count
    for b in buckets where !b.writtenBack { try writeBack(b) }
    lastSync.syncEnded = DispatchTime.now().uptimeNanoseconds
    lastSync.exposed = seconds(since: start)
    arrived = 0
    nextToLaunch = 0
    for b in buckets { b.ready = 0; b.arrivedEntries = []; b.writtenBack = false }
  }

  private func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// A fingerprint of a module's parameters and buffers (names, shapes, dtypes), the same in
  /// every process that builds the same model (FNV-1a, not Swift's per-process seeded hash).
  public static func fingerprint(_ module: Module) -> Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for (name, t) in module.namedTensors() {
      for byte in "\(name):\(t.dtype):\(t.shape);".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    return Int64(bitPattern: hash)
  }

  /// Throws on every rank when the ranks' modules differ.
  static func checkSameModel(_ module: Module, group: ProcessGroup) throws {
    let mine = Tensor([fingerprint(module), Int64(module.parameterCount)], shape: [2])
    let all = try group.allGather(mine).toArray(Int64.self)
    let differing = (0..<group.worldSize).filter { all[2 * $0] != all[0] }
    guard differing.isEmpty else {
      let counts = (0..<group.worldSize).map { "rank \($0): \(all[2 * $0 + 1]) parameters" }.joined(separator: ", ")
      throw DistributedError("DistributedDataParallel: the model on rank\(differing.count > 1 ? "s" : "") \(differing.map(String.init).joined(separator: ", ")) differs from rank 0's in its parameter or buffer names, shapes or dtypes (\(counts)); every rank must build the same model")
    }
  }
}
