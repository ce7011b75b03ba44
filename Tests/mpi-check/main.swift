// Runs one check on every rank of an `mpirun` job and prints what rank 0 saw; launched by
// TorchlightDistributedTests (MPI must never be initialised inside the test runner itself).
//
//   torchlight-mpi-check collectives
//   torchlight-mpi-check replicas STEPS            parameters equal on every rank after STEPS steps
//   torchlight-mpi-check parameters DTYPE B STEPS  the parameters after STEPS steps of a global batch of
//                                                 B examples, split over the ranks, printed exactly
//   torchlight-mpi-check sampler N EPOCH           every rank's shard of N examples
//   torchlight-mpi-check fail RANK                 RANK throws while the others wait in an all-reduce
//   torchlight-mpi-check mismatch                  rank 1 builds a different model
import Foundation
import Torchlight
import TorchlightDistributed
import TorchlightNN
import TorchlightOptim

let arguments = Array(CommandLine.arguments.dropFirst())
nonisolated(unsafe) let group: ProcessGroup = {
  do { return try ProcessGroup.world() } catch {
    FileHandle.standardError.write(Data("torchlight-mpi-check: \(error)\n".utf8)); exit(1)
  }
}()

func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
  if !condition { throw DistributedError("rank \(group.rank): \(message())") }
}

/// Rank 0 prints; every rank checks.
func report(_ line: String) { if group.rank == 0 { print(line); fflush(nil) } }

func checkCollectives() throws {
  let p = group.worldSize, r = group.rank
  for dtype in [DType.float32, .float64] {
    // Sum of (r + 1) · [1, 2, 3, 4, 5] over ranks: p(p+1)/2 · [1 … 5], exact in binary.
    let t = Tensor((1...5).map { Double($0 * (r + 1)) }, shape: [5], dtype: dtype)
    try group.allReduce(t, .sum)
    let total = Double(p * (p + 1) / 2)
    try require(t.toDoubles() == (1...5).map { Double($0) * total }, "\(dtype) sum gave \(t.toDoubles())")
    let a = Tensor([Double(r), 2.0 * Double(r)], shape: [2], dtype: dtype)
    try group.allReduce(a, .average)
    let mean = Double(p - 1) / 2
    try require(a.toDoubles() == [mean, 2 * mean], "\(dtype) average gave \(a.toDoubles())")
    let b = r == 0 ? Tensor([7.5, -3.25, 1e-3], shape: [3], dtype: dtype) : Tensor.zeros([3], dtype: dtype)
    try group.broadcast(b, from: 0)
    try require(b.toDoubles() == Tensor([7.5, -3.25, 1e-3], shape: [3], dtype: dtype).toDoubles(), "\(dtype) broadcast gave \(b.toDoubles())")
    let last = Tensor.full([2, 2], Double(r), dtype: dtype)
    try group.broadcast(last, from: p - 1)
    try require(last.toDoubles() == [Double](repeating: Double(p - 1), count: 4), "broadcast from the last rank gave \(last.toDoubles())")
  }
  let i = Tensor([Int64(r), Int64(1) << 40], shape: [2])
  try group.allReduce(i, .sum)
  try require(i.toArray(Int64.self) == [Int64(p * (p - 1) / 2), Int64(p) << 40], "int64 sum gave \(i.toArray(Int64.self))")
  let gathered = try group.allGather(Tensor([Int64(r), Int64(10 * r)], shape: [2]))
  try require(gathered.shape == [p, 2] && gathered.toArray(Int64.self) == (0..<p).flatMap { [Int64($0), Int64(10 * $0)] },
              "allGather gave \(gathered.shape) \(gathered.toArray(Int64.self))")
  // Two reductions in flight at once, waited in the other order.
  let x = Tensor.full([1000], Double(r + 1), dtype: .float32), y = Tensor.full([3], 1, dtype: .float64)
  let wx = try group.allReduceAsync(x, .sum), wy = try group.allReduceAsync(y, .average)
  try wy.wait(); try wx.wait()
  try require(x.toDoubles().allSatisfy { $0 == Double(p * (p + 1) / 2) } && y.toDoubles() == [1, 1, 1], "async all-reduce gave \(x.toDoubles()[0]), \(y.toDoubles())")
  try group.barrier()
  do {
    _ = try group.allReduceAsync(Tensor([1, 2], shape: [2], dtype: .int64), .average)
    throw DistributedError("rank \(r): averaging int64 did not throw")
  } catch let e as DistributedError where e.description.contains("not defined") {}
  let state = try group.broadcast(stateDict: r == 0 ? [("state.0.momentum", Tensor([1.5, 2.5], shape: [2])), ("state.0.step", Tensor([Int64(3)], shape: []))] : [])
  try require(state.map(\.0) == ["state.0.momentum", "state.0.step"] && state[0].1.toDoubles() == [1.5, 2.5] && state[1].1.item() == 3,
              "broadcast(stateDict:) gave \(state.map(\.0))")
  report("OK collectives world_size=\(p)")
}

/// A small MLP; every rank draws the same initial weights only because DDP broadcasts them
/// (the seed differs per rank on purpose).
func makeModel(_ dtype: DType, seed: UInt64) -> Sequential {
  Torchlight.manualSeed(seed)
  return Sequential(Linear(inFeatures: 12, outFeatures: 16, dtype: dtype), ReLU(), Linear(inFeatures: 16, outFeatures: 16, dtype: dtype), Tanh(),
                    Linear(inFeatures: 16, outFeatures: 3, dtype: dtype))
}

/// The global batch of step `step`: the same on every rank, from a generator of its own.
func globalBatch(step: Int, size: Int, dtype: DType) -> (Tensor, Tensor) {
  let g = Generator(seed: 1000 + UInt64(step))
  let x = Tensor.randn([size, 12], generator: g).to(dtype)
  let y = Tensor.randint(0, 3, [size], generator: g)
  return (x, y)
}

func train(dtype: DType, globalBatchSize: Int, steps: Int, bucketCapMB: Double, accumulate: Int = 1) throws -> Sequential {
  let net = makeModel(dtype, seed: 7 + UInt64(group.rank))
  let ddp = try DistributedDataParallel(net, group: group, bucketCapMB: bucketCapMB)
  let optimizer = SGD(parameters: net.parameters(), lr: 0.1, momentum: 0.9)
  let local = globalBatchSize / group.worldSize
  for step in 0..<steps {
    let (x, y) = globalBatch(step: step, size: globalBatchSize, dtype: dtype)
    let mine = (x.narrow(axis: 0, start: group.rank * local, length: local), y.narrow(axis: 0, start: group.rank * local, length: local))
    let micro = local / accumulate
    for k in 0..<accumulate {
      let xs = mine.0.narrow(axis: 0, start: k * micro, length: micro), ys = mine.1.narrow(axis: 0, start: k * micro, length: micro)
      let pass = { (crossEntropy(logits: ddp(xs), targets: ys) / Double(accumulate)).backward() }
      if k < accumulate - 1 { ddp.noSync(pass) } else { pass() }
    }
    try ddp.finishGradientSync()
    optimizer.step()
    optimizer.zeroGrad()
  }
  return net
}

func checkReplicas(steps: Int) throws {
  // Tiny buckets, so that several all-reduces are in flight during each backward.
  let net = try train(dtype: .float32, globalBatchSize: 8 * group.worldSize, steps: steps, bucketCapMB: 0.0005, accumulate: 2)
  for (name, p) in net.namedParameters() {
    let all = try group.allGather(p.detached().to(.float64))
    for r in 1..<group.worldSize {
      try require(all[r].toDoubles() == all[0].toDoubles(), "\(name) on rank \(r) differs from rank 0's after \(steps) steps")
    }
  }
  report("OK replicas world_size=\(group.worldSize) steps=\(steps)")
}

func printParameters(dtype: DType, globalBatchSize: Int, steps: Int) throws {
  let net = try train(dtype: dtype, globalBatchSize: globalBatchSize, steps: steps, bucketCapMB: 0.001)
  if group.rank == 0 {
    for (name, p) in net.namedParameters() {
      print("PARAM \(name) " + p.to(.float64).toArray(Double.self).map { String($0.bitPattern, radix: 16) }.joined(separator: ","))
    }
  }
}

func checkSampler(count: Int, epoch: Int) throws {
  var sampler = DistributedSampler(datasetCount: count, group: group, seed: 5)
  sampler.setEpoch(epoch)
  let mine = sampler.indices()
  try require(mine.count == sampler.samplesPerRank, "\(mine.count) indices, expected \(sampler.samplesPerRank)")
  let all = try group.allGather(Tensor(mine.map(Int64.init), shape: [mine.count])).toArray(Int64.self).map(Int.init)
  if group.rank == 0 {
    print("SHARDS " + (0..<group.worldSize).map { r in all[(r * mine.count)..<((r + 1) * mine.count)].map(String.init).joined(separator: ",") }.joined(separator: ";"))
  }
}

func fail(rank failing: Int) throws {
  let t = Tensor.ones([10])
  if group.rank == failing { throw DistributedError("rank \(failing): a deliberate failure while the others wait") }
  try group.allReduce(t)
  try group.allReduce(t)
  report("the job went on without rank \(failing)")
}

func mismatch() throws {
  let net = group.rank == 1 ? Sequential(Linear(inFeatures: 4, outFeatures: 3)) : Sequential(Linear(inFeatures: 4, outFeatures: 2))
  _ = try DistributedDataParallel(net, group: group)
  report("DDP accepted different models")
}

do {
  switch (arguments.first ?? "", arguments.count) {
  case ("collectives", 1): try checkCollectives()
  case ("replicas", 2): try checkReplicas(steps: Int(arguments[1]) ?? 5)
  case ("parameters", 4):
    try printParameters(dtype: DType(rawValue: arguments[1]) ?? .float32, globalBatchSize: Int(arguments[2]) ?? 8, steps: Int(arguments[3]) ?? 3)
  case ("sampler", 3): try checkSampler(count: Int(arguments[1]) ?? 10, epoch: Int(arguments[2]) ?? 0)
  case ("fail", 2): try fail(rank: Int(arguments[1]) ?? 1)
  case ("mismatch", 1): try mismatch()
  default: throw DistributedError("usage: torchlight-mpi-check collectives | replicas STEPS | parameters DTYPE B STEPS | sampler N EPOCH | fail RANK | mismatch")
  }
  try group.barrier()
  group.finish()
} catch {
  group.abort("torchlight-mpi-check: error: \(error)")
}
