import CMPI
import Foundation
import Torchlight

/// An error from MPI or from a check across ranks, with MPI's own message where there is one.
public struct DistributedError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// How `allReduce` combines the ranks' tensors.
public enum ReduceOp: Sendable {
  /// The elementwise sum over ranks.
  case sum
  /// The elementwise mean over ranks (the sum divided by the world size; floating-point only).
  case average
}

/// The processes of one training job and the collective operations between them
/// (`torch.distributed`'s default process group, over Open MPI's `MPI_COMM_WORLD`).
///
/// A program started by `mpirun -np N` gets one process group of N ranks. Started without
/// `mpirun`, it is a group of one: rank 0 of world size 1, where every collective leaves its
/// tensor as it is, and MPI is not initialised at all (Open MPI's "singleton" start would spawn
/// a helper daemon for nothing).
///
/// MPI is initialised with `MPI_THREAD_FUNNELED`: every collective must be called from the
/// thread that created the group (the main thread), which is where Torchlight's backward pass
/// runs its hooks. Errors come back as `DistributedError`s carrying MPI's message
/// (`MPI_ERRORS_RETURN`), never as an abort inside MPI.
public final class ProcessGroup {
  /// This process's index, 0 ..< worldSize.
  public let rank: Int
  /// How many processes the job has.
  public let worldSize: Int
  /// True when the job was started by `mpirun` and MPI is initialised.
  public let usesMPI: Bool

  nonisolated(unsafe) private static var shared: ProcessGroup?
  private var finished = false

  /// True when this process was started by Open MPI's `mpirun` (which sets `OMPI_COMM_WORLD_SIZE`).
  public static var launchedByMPI: Bool {
    let env = ProcessInfo.processInfo.environment
    return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil
  }

  /// The job's process group: initialises MPI the first time when started by `mpirun`, and is a
  /// group of one otherwise. Later calls return the same group.
  public static func world() throws -> ProcessGroup {
    if let shared { return shared }
    let group = try ProcessGroup()
    shared = group
    return group
  }

  private init() throws {
    guard ProcessGroup.launchedByMPI else {
      (rank, worldSize, usesMPI) = (0, 1, false)
      return
    }
    var provided: Int32 = 0
    let code = MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided)
    guard code == cmpi_success() else { throw DistributedError("MPI_Init_thread failed with code \(code)") }
    MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return())
    var r: Int32 = 0, n: Int32 = 0
    MPI_Comm_rank(cmpi_comm_world(), &r)
    MPI_Comm_size(cmpi_comm_world(), &n)
    (rank, worldSize, usesMPI) = (Int(r), Int(n), true)
    guard provided >= cmpi_thread_funneled() else {
      throw DistributedError("this MPI library provides thread level \(provided), below MPI_THREAD_FUNNELED")
    }
  }

  /// Ends MPI cleanly (`MPI_Finalize`); call once, when every rank is done. Nothing for a
  /// single process.
  public func finish() {
    guard usesMPI, !finished else { return }
    finished = true
    MPI_Finalize()
  }

  /// Stops the whole job after printing `message` on this rank's standard error
  /// (`MPI_Abort`): the other ranks are ended by `mpirun`, which exits non-zero, so a rank that
  /// fails never leaves the others waiting in a collective.
  public func abort(_ message: String, status: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    if usesMPI && !finished { MPI_Abort(cmpi_comm_world(), status) }
    exit(status)
  }

  /// MPI's text for an error code.
  static func errorString(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(code, &buffer, &length)
    return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func check(_ code: Int32, _ call: String) throws {
    guard code != cmpi_success() else { return }
    throw DistributedError("\(call) failed on rank \(rank) of \(worldSize): \(ProcessGroup.errorString(code))")
  }

  /// MPI's element type for a tensor's dtype.
  static func datatype(_ dtype: DType, _ op: String) throws -> MPI_Datatype {
    switch dtype {
    case .float32: return cmpi_float()
    case .float64: return cmpi_double()
    case .int64: return cmpi_int64()
    default: throw DistributedError("\(op): \(dtype) tensors are not supported; use float32, float64 or int64")
    }
  }

  /// Calls `body` with the tensor's elements as raw memory; the tensor must be contiguous.
  static func withBytes<R>(_ t: Tensor, _ op: String, _ body: (UnsafeMutableRawPointer, Int32, MPI_Datatype) throws -> R) throws -> R {
    guard t.isContiguous else { throw DistributedError("\(op): the tensor of shape \(t.shape) is not contiguous; pass t.contiguous() and copy the result back") }
    guard t.count <= Int(Int32.max) else { throw DistributedError("\(op): \(t.count) elements is more than one MPI call can carry") }
    let type = try datatype(t.dtype, op)
    return try withNoGrad {
      switch t.dtype {
      case .float32: return try t.withUnsafeMutableElements(Float.self) { try body(UnsafeMutableRawPointer($0.baseAddress!), Int32(t.count), type) }
      case .float64: return try t.withUnsafeMutableElements(Double.self) { try body(UnsafeMutableRawPointer($0.baseAddress!), Int32(t.count), type) }
      default: return try t.withUnsafeMutableElements(Int64.self) { try body(UnsafeMutableRawPointer($0.baseAddress!), Int32(t.count), type) }
      }
    }
  }

  /// Waits until every rank has reached this call (`MPI_Barrier`).
  public func barrier() throws {
    guard usesMPI else { return }
    try check(MPI_Barrier(cmpi_comm_world()), "MPI_Barrier")
  }

  /// Overwrites `tensor` on every rank with its value on `root` (`MPI_Bcast`).
  public func broadcast(_ tensor: Tensor, from root: Int = 0) throws {
    guard root >= 0 && root < worldSize else { throw DistributedError("broadcast: root \(root) is not a rank of a world of \(worldSize)") }
    guard usesMPI, tensor.count > 0 else { return }
    try ProcessGroup.withBytes(tensor, "broadcast") { p, n, type in
      try check(MPI_Bcast(p, n, type, Int32(root), cmpi_comm_world()), "MPI_Bcast")
    }
  }

  /// Replaces `tensor` on every rank by the sum (or mean) of its values on all ranks, in place
  /// (`MPI_Allreduce` with `MPI_IN_PLACE`).
  public func allReduce(_ tensor: Tensor, _ op: ReduceOp = .sum) throws {
    if op == .average && !tensor.dtype.isFloatingPoint {
      throw DistributedError("allReduce: the average of \(tensor.dtype) tensors is not defined; reduce with .sum")
    }
    guard usesMPI, tensor.count > 0 else { return }
    try ProcessGroup.withBytes(tensor, "allReduce") { p, n, type in
      try check(MPI_Allreduce(cmpi_in_place(), p, n, type, cmpi_sum(), cmpi_comm_world()), "MPI_Allreduce")
    }
    if op == .average && worldSize > 1 { withNoGrad { tensor /= Double(worldSize) } }
  }

  /// Starts `allReduce(tensor, op)` and returns at once (`MPI_Iallreduce`); the tensor must not
  /// be read or written until the returned work's `wait()`. MPI makes progress on the message
  /// inside MPI calls, so calling `isCompleted()` now and then (as `DistributedDataParallel`
  /// does from its gradient hooks) moves it along.
  public func allReduceAsync(_ tensor: Tensor, _ op: ReduceOp = .sum) throws -> Work {
    if op == .average && !tensor.dtype.isFloatingPoint {
      throw DistributedError("allReduce: the average of \(tensor.dtype) tensors is not defined; reduce with .sum")
    }
    let work = Work(group: self, tensor: tensor, op: op)
    guard usesMPI, tensor.count > 0 else { return work }
    // The pointer outlives the closure: the work keeps the tensor (and so its storage) alive
    // until the request completes.
    try ProcessGroup.withBytes(tensor, "allReduce") { p, n, type in
      try check(MPI_Iallreduce(cmpi_in_place(), p, n, type, cmpi_sum(), cmpi_comm_world(), &work.request), "MPI_Iallreduce")
    }
    work.pending = true
    return work
  }

  /// Every rank's `tensor`, stacked along a new first axis of length `worldSize`, in rank order
  /// (`MPI_Allgather`). Each rank must pass a tensor of the same shape and dtype.
  public func allGather(_ tensor: Tensor) throws -> Tensor {
    let source = tensor.contiguous().clone()
    let result = Tensor.zeros([worldSize] + tensor.shape, dtype: tensor.dtype)
    guard usesMPI else { withNoGrad { result.copy(from: source.unsqueezed(axis: 0)) }; return result }
    try ProcessGroup.withBytes(source, "allGather") { send, n, type in
      try ProcessGroup.withBytes(result, "allGather") { receive, _, _ in
        try check(MPI_Allgather(send, n, type, receive, n, type, cmpi_comm_world()), "MPI_Allgather")
      }
    }
    return result
  }

  /// A collective started by `allReduceAsync` (PyTorch's `Work` handle).
  public final class Work {
    let group: ProcessGroup
    /// The tensor being reduced, kept alive until the reduction ends.
    public let tensor: Tensor
    let op: ReduceOp
    var request: MPI_Request? = cmpi_request_null()
    var pending = false

    init(group: ProcessGroup, tensor: Tensor, op: ReduceOp) {
      self.group = group
      self.tensor = tensor
      self.op = op
    }

    /// Whether the reduction has ended (`MPI_Test`, which also makes progress on it). The
    /// tensor holds the sum once this is true; `wait()` still has to be called for the average.
    public func isCompleted() throws -> Bool {
      guard pending else { return true }
      var done: Int32 = 0
      try group.check(MPI_Test(&request, &done, cmpi_status_ignore()), "MPI_Test")
      if done != 0 { pending = false; scaleIfNeeded() }
      return done != 0
    }

    /// Blocks until the reduction has ended (`MPI_Wait`); the tensor then holds the result.
    public func wait() throws {
      if pending {
        try group.check(MPI_Wait(&request, cmpi_status_ignore()), "MPI_Wait")
        pending = false
        scaleIfNeeded()
      } else if !scaled {
        scaleIfNeeded()
      }
    }

    private var scaled = false
    private func scaleIfNeeded() {
      guard !scaled else { return }
      scaled = true
      if op == .average && group.worldSize > 1 { withNoGrad { tensor /= Double(group.worldSize) } }
    }
  }
}

extension ProcessGroup {
  /// Rank `root`'s named tensors on every rank (an optimizer's or a module's state dict): the
  /// names, dtypes and shapes are sent first, so the other ranks need not hold the same entries
  /// (a fresh optimizer has no momentum buffers yet; the resumed one on rank 0 has).
  public func broadcast(stateDict: [(String, Tensor)], from root: Int = 0) throws -> [(String, Tensor)] {
    guard usesMPI else { return stateDict }
    let layout = stateDict.map { "\($0.0)\t\($0.1.dtype.rawValue)\t\($0.1.shape.map(String.init).joined(separator: ","))" }
      .joined(separator: "\n")
    let bytes = Array(layout.utf8).map(Int64.init)
    let length = Tensor([Int64(bytes.count)], shape: [1])
    try broadcast(length, from: root)
    let n = Int(length.toArray(Int64.self)[0])
    let encoded = rank == root ? Tensor(bytes, shape: [n]) : Tensor.zeros([n], dtype: .int64)
    if n > 0 { try broadcast(encoded, from: root) }
    let text = String(decoding: encoded.toArray(Int64.self).map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    var result: [(String, Tensor)] = []
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
      let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
      guard fields.count == 3, let dtype = DType(rawValue: String(fields[1])) else {
        throw DistributedError("broadcast(stateDict:): malformed entry \(line)")
      }
      let shape = fields[2].isEmpty ? [] : fields[2].split(separator: ",").compactMap { Int($0) }
      let t = rank == root ? stateDict[i].1.contiguous().clone() : Tensor.zeros(shape, dtype: dtype)
      try broadcast(t, from: root)
      result.append((String(fields[0]), t))
    }
    return result
  }
}
