import Foundation
import Testing

@Suite("Chapter 15: distributed") struct DistributedChapterTests {
  static var mpirun: String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
      .map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }
  static var ready: Bool { mpirun != nil && SoftmaxRegressionChapterTests.dataInstalled }

  /// `--quick` on one process, then under `mpirun -np 2` (the MLP: LeNet is slow in a debug
  /// build): both learn, with the same numbers of examples; the second run reads the first's
  /// time as the baseline of its scaling efficiency, measures the all-reduce and the buckets,
  /// and draws the figures.
  @Test(.enabled(if: ready, "needs mpirun (openmpi-bin) and Fashion-MNIST (make setup installs both)"))
  func quickRunsOnOneAndTwoRanks() throws {
    let out = temporaryFolder("distributed")
    let one = try runChapter("distributed", ["--quick", "--network", "mlp", "--threads", "1", "--part", "training", "--output", out])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout.contains("note: not started by mpirun"))
    let single = try #require(one.result(model: "mlp"), "\(one.stdout)")
    #expect(single["world_size"] == "1" && single["scaling_efficiency"] == "1.0000", "\(single)")

    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("distributed").path
    var environment = ProcessInfo.processInfo.environment
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    let two = try runChapter(Self.mpirun!, ["-np", "2", "--oversubscribe", binary, "--quick", "--network", "mlp", "--threads", "1", "--output", out],
                             environment: environment)
    #expect(two.status == 0, "\(two.stderr)")
    let pair = try #require(two.result(model: "mlp"), "\(two.stdout)")
    #expect(pair["world_size"] == "2", "\(pair)")
    for r in [single, pair] {
      #expect((Double(r["test_acc"] ?? "") ?? 0) > 0.4, "\(r)")   // chance is 0.1
      #expect((Double(r["sec_per_epoch"] ?? "") ?? 0) > 0, "\(r)")
    }
    #expect(pair["scaling_efficiency"] != nil, "\(pair)")
    // The same global batch on one and two ranks: the same curve, to float32 rounding.
    #expect(abs(Double(single["train_loss"]!)! - Double(pair["train_loss"]!)!) < 0.02, "\(single) \(pair)")
    #expect(two.result(model: "allreduce")?["transport"] == "shared-memory", "\(two.stdout)")
    #expect(two.result(model: "mlp-buckets")?["comm_ms"] != nil, "\(two.stdout)")
    #expect((Double(two.result(model: "fedavg")?["test_acc"] ?? "") ?? 0) > 0.2, "\(two.stdout)")
    for figure in ["curves", "scaling", "allreduce", "buckets", "fedavg"] { expectFigure(out, figure) }
    // Run without mpirun, the communication parts refuse with one line.
    let alone = try runChapter("distributed", ["--part", "allreduce", "--output", out])
    #expect(alone.status == 1 && alone.stderr.contains("run it under mpirun"), "\(alone.stderr)")
  }

  /// Bad options: one line naming the option, exit status 2, before MPI or data are touched.
  @Test(arguments: [(["--bucket-mb", "0"], "--bucket-mb"), (["--rounds", "0"], "--rounds"), (["--part", "everything"], "--part")])
  func badInputIsOneLine(_ arguments: [String], _ mentioned: String) throws {
    let run = try runChapter("distributed", arguments + ["--output", temporaryFolder("distributed-bad")])
    #expect(run.status == 2, "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains(mentioned), "\(run.stderr)")
  }
}
