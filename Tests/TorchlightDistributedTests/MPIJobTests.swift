import Foundation
import Testing

/// Runs `torchlight-mpi-check` (built beside this test binary) under `mpirun`, so that MPI is
/// initialised in the child processes and never in the test runner.
struct MPIJob {
  let status: Int32
  let stdout: String
  let stderr: String
  let timedOut: Bool

  static var mpirun: String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
      .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }
  static var available: Bool { mpirun != nil }

  static var helper: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("torchlight-mpi-check").path
  }

  /// `mpirun -np ranks torchlight-mpi-check arguments…` (ranks 0: the helper alone, without
  /// mpirun), killed after `timeout` seconds.
  static func run(ranks: Int, _ arguments: [String], timeout: Double = 60) throws -> MPIJob {
    let process = Process()
    if ranks == 0 {
      process.executableURL = URL(fileURLWithPath: helper)
      process.arguments = arguments
    } else {
      process.executableURL = URL(fileURLWithPath: mpirun!)
      process.arguments = ["-np", "\(ranks)", "--oversubscribe", helper] + arguments
    }
    var environment = ProcessInfo.processInfo.environment
    // Open MPI refuses to start as root without these (CI runs as root).
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    nonisolated(unsafe) var errData = Data(), outData = Data()
    let readers = [Thread { errData = err.fileHandleForReading.readDataToEndOfFile() },
                   Thread { outData = out.fileHandleForReading.readDataToEndOfFile() }]
    readers.forEach { $0.start() }
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
      if Date() > deadline { timedOut = true; process.terminate(); break }
      usleep(10_000)
    }
    process.waitUntilExit()
    while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
    return MPIJob(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData, as: UTF8.self), timedOut: timedOut)
  }

  /// The `PARAM name hex,hex,…` lines as doubles by name.
  var parameters: [String: [Double]] {
    var result: [String: [Double]] = [:]
    for line in stdout.split(separator: "\n") where line.hasPrefix("PARAM ") {
      let fields = line.split(separator: " ")
      result[String(fields[1])] = fields[2].split(separator: ",").map { Double(bitPattern: UInt64($0, radix: 16)!) }
    }
    return result
  }
}

@Suite("Distributed: collectives, DistributedDataParallel and the sampler under mpirun",
       .enabled(if: MPIJob.available, "mpirun is not installed (make setup installs openmpi-bin and libopenmpi-dev)"))
struct MPIJobTests {
  /// Sum, average, broadcast (from the first and the last rank), all-gather, int64, two
  /// non-blocking all-reduces in flight, a state dict broadcast: exact, on 1, 2 and 3 ranks.
  @Test(arguments: [0, 2, 3]) func collectivesAreExact(ranks: Int) throws {
    let job = try MPIJob.run(ranks: ranks, ["collectives"])
    #expect(job.status == 0 && !job.timedOut, "\(job.stderr)")
    #expect(job.stdout.contains("OK collectives world_size=\(max(ranks, 1))"), "\(job.stdout)")
  }

  /// Different initial weights on every rank (seeded by rank), tiny buckets so that several
  /// all-reduces overlap each backward, gradient accumulation through noSync: after the steps the
  /// replicas are equal bit for bit.
  @Test(arguments: [2, 3]) func replicasStayBitIdentical(ranks: Int) throws {
    let job = try MPIJob.run(ranks: ranks, ["replicas", "6"])
    #expect(job.status == 0 && !job.timedOut, "\(job.stderr)")
    #expect(job.stdout.contains("OK replicas world_size=\(ranks) steps=6"), "\(job.stdout)")
  }

  /// Two ranks with 4 examples each take the steps of one process with 8: to float64 rounding
  /// in float64 and to float32 rounding in float32 (the sums run in another order).
  @Test(arguments: [("float64", 1e-12), ("float32", 2e-5)]) func twoRanksMatchOneProcessWithTheWholeBatch(dtype: String, tolerance: Double) throws {
    let one = try MPIJob.run(ranks: 0, ["parameters", dtype, "8", "4"])
    let two = try MPIJob.run(ranks: 2, ["parameters", dtype, "8", "4"])
    #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
    let a = one.parameters, b = two.parameters
    #expect(a.count == 6 && Set(a.keys) == Set(b.keys), "\(a.keys) \(b.keys)")
    var largest = 0.0
    for (name, values) in a {
      let others = try #require(b[name])
      #expect(values.count == others.count)
      for (x, y) in zip(values, others) { largest = max(largest, abs(x - y) / max(abs(x), 1e-3)) }
    }
    #expect(largest <= tolerance, "largest relative difference \(largest) in \(dtype)")
    #expect(largest > 0 || dtype == "float64", "float32 sums in another order should round differently somewhere")
  }

  /// 10 examples on 3 ranks: 4 each, the 12 slots hold every example, two of them twice (the
  /// padding repeats the start of the permutation); the epoch changes the permutation.
  @Test func samplerShardsAreDisjointAndCover() throws {
    func shards(_ epoch: Int) throws -> [[Int]] {
      let job = try MPIJob.run(ranks: 3, ["sampler", "10", "\(epoch)"])
      #expect(job.status == 0, "\(job.stderr)")
      let line = try #require(job.stdout.split(separator: "\n").first { $0.hasPrefix("SHARDS ") })
      return line.dropFirst(7).split(separator: ";").map { $0.split(separator: ",").map { Int($0)! } }
    }
    let first = try shards(0), second = try shards(1)
    for s in [first, second] {
      #expect(s.count == 3 && s.allSatisfy { $0.count == 4 }, "\(s)")
      let all = s.flatMap { $0 }
      #expect(Set(all) == Set(0..<10), "\(s)")
      #expect(all.count - Set(all).count == 2, "padding should repeat exactly two examples: \(s)")
      // The padding repeats the permutation's start (PyTorch): slots 10 and 11 of the
      // interleaved order hold slots 0 and 1's indices.
      let interleaved = (0..<12).map { s[$0 % 3][$0 / 3] }
      #expect(interleaved[10] == interleaved[0] && interleaved[11] == interleaved[1], "\(interleaved)")
    }
    #expect(first != second, "setEpoch should change the order")
  }

  /// A rank that throws while the others wait in an all-reduce: mpirun ends the job, exits
  /// non-zero and shows the rank's message, well before the timeout.
  @Test func aFailingRankEndsTheJob() throws {
    let job = try MPIJob.run(ranks: 2, ["fail", "1"], timeout: 30)
    #expect(!job.timedOut, "the job hung")
    #expect(job.status != 0)
    #expect(job.stderr.contains("rank 1: a deliberate failure"), "\(job.stderr)")
    #expect(!job.stdout.contains("went on"), "\(job.stdout)")
  }

  /// Different models on different ranks: every rank reports it at construction.
  @Test func mismatchedModelsFailOnEveryRank() throws {
    let job = try MPIJob.run(ranks: 2, ["mismatch"], timeout: 30)
    #expect(!job.timedOut && job.status != 0)
    #expect(job.stderr.contains("the model on rank 1 differs from rank 0's"), "\(job.stderr)")
    #expect(!job.stdout.contains("accepted"), "\(job.stdout)")
  }
}
