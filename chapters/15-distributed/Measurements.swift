import ChapterKit
import Foundation
import TorchlightData
import TorchlightDistributed
import TorchlightNN
import TorchlightOptim

/// How the ranks talk: TCP when `--mca btl self,tcp` chose it (mpirun passes MCA parameters to
/// the ranks as `OMPI_MCA_*` variables), shared memory otherwise.
var transport: String {
  let btl = ProcessInfo.processInfo.environment["OMPI_MCA_btl"] ?? ""
  return btl.contains("tcp") && !btl.contains("vader") && !btl.contains("sm") ? "tcp" : "shared-memory"
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// The all-reduce (sum, in place, float32) of 1 K to 10 M floats: the median of several
/// repetitions at each size, each started together after a barrier. Rank 0 writes
/// `allreduce-<transport>-p<p>.csv`.
func measureAllReduce(group: ProcessGroup, quick: Bool, output: String) throws {
  let sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000, 3_000_000, 10_000_000]
  let p = group.worldSize
  var rows: [String] = []
  if group.rank == 0 { section("All-reduce of n float32 values over \(p) ranks (\(transport))") }
  for n in sizes {
    let t = Tensor.ones([n])
    try group.allReduce(t)   // warm-up: buffers registered, connections made
    _ = try group.allReduceAsync(t).wait()
    let repetitions = n >= 1_000_000 ? 5 : 21
    var blocking: [Double] = [], nonBlocking: [Double] = []
    for _ in 0..<repetitions {
      try group.barrier()
      var start = now()
      try group.allReduce(t)                     // MPI_Allreduce
      blocking.append(Double(now() - start) / 1e9)
      try group.barrier()
      start = now()
      try group.allReduceAsync(t).wait()         // MPI_Iallreduce + MPI_Wait, as DistributedDataParallel uses it
      nonBlocking.append(Double(now() - start) / 1e9)
    }
    // Every rank's time of one repetition ends when the slowest rank's does: take rank 0's median.
    let median = blocking.sorted()[blocking.count / 2], medianNB = nonBlocking.sorted()[nonBlocking.count / 2]
    let busBandwidth = 2 * Double(p - 1) / Double(p) * Double(n * 4) / median
    rows.append("\(n),\(median),\(medianNB)")
    if group.rank == 0 {
      print(String(format: "%10d floats  %9.1f µs  %7.2f GB/s (bus bandwidth 2(p−1)/p · bytes / time)   non-blocking: %9.1f µs", n, median * 1e6, busBandwidth / 1e9, medianNB * 1e6))
    }
  }
  if group.rank == 0 {
    try writeAtomically("floats,seconds,seconds_nonblocking\n" + rows.joined(separator: "\n") + "\n",
                        to: (output as NSString).appendingPathComponent("allreduce-\(transport)-p\(p).csv"))
    let last = rows.last!.split(separator: ",").map { Double($0)! }
    printResult(chapter: Defaults.chapter, model: "allreduce", ["floats": last[0], "seconds": last[1],
                                                                 "bus_gb_per_sec": 2 * Double(p - 1) / Double(p) * last[0] * 4 / last[1] / 1e9],
                extra: ["transport": transport, "world_size": "\(p)"])
  }
}

/// Step time of `network` against DistributedDataParallel's bucket size: with one bucket the
/// all-reduce starts only when backward has ended; with smaller ones it starts during backward.
/// `noSync` steps (no communication at all) give the floor. The configurations take turns in
/// rounds, so that a change in the machine's load hits them alike; the median of the rounds is kept.
///
/// Step times mix two costs: the all-reduce itself, and waiting for a slower rank to finish its
/// backward pass, which no overlap can hide. So each step also records, on every rank, when its
/// backward ended and when its averaged gradients were in place; the communication left over
/// once the *last* rank has finished backward is the all-reduce time that backward did not hide.
func measureBuckets(_ network: Network, group: ProcessGroup, options: ChapterOptions<Defaults>, train: FashionMNIST) throws {
  let p = group.worldSize, main = group.rank == 0
  let localBatch = options.batchSize / p
  let net = network.make(seed: options.seed)
  let parameterMB = Double(net.parameters().map { $0.count * 4 }.reduce(0, +)) / 1_048_576
  let caps: [Double?] = [nil, 25, 0.1, 0.05, 0.02, 0.01, 0.004]   // nil: no gradient sync
  let optimizer = SGD(parameters: net.parameters(), lr: 0.01)
  var sampler = DistributedSampler(datasetCount: train.count, group: group, seed: options.seed)
  sampler.setEpoch(0)
  let batches = sampler.batches(of: localBatch, dropLastBatch: true)
  let data = batches.prefix(8).map { train.batch(at: $0) }
  let stepsPerRound = options.quick ? 2 : 10, rounds = options.quick ? 1 : 7
  var stepTimes = [[Double]](repeating: [], count: caps.count)
  var exposed = [[Double]](repeating: [], count: caps.count), inBackward = exposed, leftOver = exposed
  var bucketCounts = [Int](repeating: 1, count: caps.count)
  if main { section("\(network.rawValue): step time against bucket size, \(p) ranks × batch \(localBatch) (parameters: \(String(format: "%.3f", parameterMB)) MB)") }
  var step = 0
  for _ in 0..<rounds {
    for (c, cap) in caps.enumerated() {
      let ddp = try DistributedDataParallel(net, group: group, bucketCapMB: cap ?? 25)
      bucketCounts[c] = ddp.bucketParameterNames.count
      func oneStep() throws {
        let batch = data[step % data.count]
        step += 1
        let pass = { crossEntropy(logits: ddp(batch.inputs.reshaped([-1, 1, 28, 28])), targets: batch.labels).backward() }
        if cap == nil { ddp.noSync(pass) } else { pass() }
        try ddp.finishGradientSync()
        optimizer.step()
        optimizer.zeroGrad()
      }
      try oneStep()   // warm-up
      try group.barrier()
      let start = now()
      var e = 0.0, b = 0.0, ends: [Int64] = []
      for _ in 0..<stepsPerRound {
        try oneStep()
        e += ddp.lastSync.exposed
        b += ddp.lastSync.inBackward
        ends += [Int64(ddp.lastSync.backwardEnded), Int64(ddp.lastSync.syncEnded)]
      }
      try group.barrier()
      stepTimes[c].append(Double(now() - start) / 1e9 / Double(stepsPerRound))
      exposed[c].append(e / Double(stepsPerRound))
      inBackward[c].append(b / Double(stepsPerRound))
      if cap != nil { leftOver[c] += try communicationAfterLastBackward(ends, group: group) }
    }
  }
  let median = { (v: [Double]) in v.sorted()[v.count / 2] }
  let floor = median(stepTimes[0]), oneBucket = median(stepTimes[1])
  let communication = oneBucket - floor
  var rows: [String] = []
  let oneBucketLeftOver = median(leftOver[1])
  for (c, cap) in caps.enumerated() {
    let t = median(stepTimes[c]), ex = median(exposed[c]), ib = median(inBackward[c])
    let after = cap == nil ? 0 : median(leftOver[c])
    rows.append("\(cap ?? 0),\(bucketCounts[c]),\(t),\(ex),\(ib),\(after)")
    if main {
      let label = cap.map { String(format: "%6.3f MB (%d bucket%@)", $0, bucketCounts[c], bucketCounts[c] == 1 ? "" : "s") } ?? "no sync (noSync)    "
      print(String(format: "%@  step %7.2f ms  waiting after backward %6.3f ms  all-reduce after the last backward %6.3f ms  MPI inside backward %6.3f ms%@",
                   label, t * 1e3, ex * 1e3, after * 1e3, ib * 1e3,
                   cap == nil || c == 1 ? "" : String(format: "  hidden: %.0f%%", 100 * (1 - after / oneBucketLeftOver))))
    }
  }
  guard main else { return }
  try writeAtomically("bucket_mb,buckets,step_sec,exposed_sec,in_backward_sec,after_last_backward_sec\n" + rows.joined(separator: "\n") + "\n",
                      to: (options.output as NSString).appendingPathComponent("buckets-\(network.rawValue)-p\(p).csv"))
  // The best small-bucket configuration: how much of the one-bucket all-reduce it hides behind
  // backward, and what that does to the step time.
  let candidates = (2..<caps.count).map { (c: $0, after: median(leftOver[$0])) }
  let best = candidates.min { $0.after < $1.after }!
  let bestTime = median(stepTimes[best.c])
  let hidden = oneBucketLeftOver > 0 ? 1 - best.after / oneBucketLeftOver : .nan
  let hiddenByTime = communication > 0 ? (oneBucket - bestTime) / communication : .nan
  let oneBucketWait = median(exposed[1]), bestWait = median(exposed[best.c])
  print(String(format: "The all-reduce left after the last rank's backward: %.3f ms with one bucket, %.3f ms with %.3f MB buckets: %.0f%% of it hidden behind backward. Step time: %.2f ms with one bucket, %.2f ms with these buckets, %.2f ms without communication.",
               oneBucketLeftOver * 1e3, best.after * 1e3, caps[best.c]!, 100 * hidden, oneBucket * 1e3, bestTime * 1e3, floor * 1e3))
  printResult(chapter: Defaults.chapter, model: "\(network.rawValue)-buckets",
              ["step_ms_no_sync": floor * 1e3, "step_ms_one_bucket": oneBucket * 1e3,
               "step_ms_best": bestTime * 1e3, "best_bucket_mb": caps[best.c]!, "comm_ms": communication * 1e3,
               "allreduce_after_backward_ms_one_bucket": oneBucketLeftOver * 1e3, "allreduce_after_backward_ms_best": best.after * 1e3,
               "hidden_fraction": hidden, "hidden_fraction_step_time": hiddenByTime,
               "wait_ms_one_bucket": oneBucketWait * 1e3, "wait_ms_best": bestWait * 1e3], extra: ["world_size": "\(p)"])
}

/// Per step, each rank's time from the moment the last rank's backward ended to the moment its
/// own averaged gradients were in place (0 if they were in place earlier), in seconds, averaged
/// over the ranks. `ends` holds this rank's (backward ended, sync ended) times, step by step.
func communicationAfterLastBackward(_ ends: [Int64], group: ProcessGroup) throws -> [Double] {
  let all = try group.allGather(Tensor(ends, shape: [ends.count])).toArray(Int64.self)
  let p = group.worldSize, steps = ends.count / 2
  return (0..<steps).map { s in
    let lastBackward = (0..<p).map { all[$0 * 2 * steps + 2 * s] }.max()!
    let leftOver = (0..<p).map { r in Double(max(all[r * 2 * steps + 2 * s + 1] - lastBackward, 0)) / 1e9 }
    return leftOver.reduce(0, +) / Double(p)
  }
}
