import Foundation
import Testing

/// Interrupting a run and resuming it (`--checkpoint-every`, Ctrl-C, `--resume`), on chapter 05's
/// dropout pair in quick mode: dropout draws from the global generator and the second model is
/// initialised from it, so every generator has to come back exactly for the numbers to match.
@Suite("Interrupt and resume", .serialized) struct ResumeChapterTests {
  static let arguments = ["--quick", "--model", "dropout", "--threads", "1", "--ema", "0.99", "--checkpoint-every", "1"]

  /// The per-epoch lines and RESULT lines, with the timings (which no two runs share) blanked.
  static func numbers(_ run: ChapterRun) -> [String] {
    run.stdout.split(separator: "\n").map(String.init)
      .filter { $0.hasPrefix("RESULT ") || $0.range(of: #"^\[[a-z-]+\] epoch"#, options: .regularExpression) != nil }
      .map { withoutTimings($0).replacingOccurrences(of: #"examples_per_sec=[0-9.]+"#, with: "examples_per_sec=_", options: .regularExpression) }
  }

  /// Starts the chapter, waits for its first checkpoint, sends `signal` (after `delay` seconds)
  /// and returns how it ended.
  static func interrupted(_ output: String, signal: Int32, delay: Double) throws -> ChapterRun {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mlp")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments + ["--output", output]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    nonisolated(unsafe) var errData = Data(), outData = Data()
    let readers = [Thread { errData = err.fileHandleForReading.readDataToEndOfFile() },
                   Thread { outData = out.fileHandleForReading.readDataToEndOfFile() }]
    readers.forEach { $0.start() }
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: "\(output)/checkpoint.safetensors") && process.isRunning && Date() < deadline {
      usleep(20_000)
    }
    usleep(UInt32(delay * 1e6))
    kill(process.processIdentifier, signal)
    process.waitUntilExit()
    while readers.contains(where: { !$0.isFinished }) { usleep(1000) }
    return ChapterRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
  }

  @Test(.enabled(if: SoftmaxRegressionChapterTests.dataInstalled, "Fashion-MNIST is not installed (make setup installs dataset-fashion-mnist)"))
  func killedAndInterruptedRunsResumeToTheSameNumbers() throws {
    let whole = try runChapter("mlp", Self.arguments + ["--output", temporaryFolder("resume-whole")])
    #expect(whole.status == 0, "\(whole.stderr)")
    let expected = Self.numbers(whole)
    #expect(expected.count == 6, "\(whole.stdout)")

    // SIGKILL after the first checkpoint; resumed under a file-size limit too small for the next
    // checkpoint, whose writes must fail cleanly, leaving the first one as it was.
    let killedFolder = temporaryFolder("resume-kill")
    let killed = try Self.interrupted(killedFolder, signal: SIGKILL, delay: 0)
    #expect(killed.status == SIGKILL, "\(killed.stderr)")
    let checkpoint = "\(killedFolder)/checkpoint.safetensors"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mlp").path
    let limited = try runChapter("/bin/sh", ["-c", "ulimit -f 200; exec \"$0\" \"$@\"", binary]
                                              + Self.arguments + ["--output", killedFolder, "--resume"])
    #expect(limited.status == 0, "\(limited.stderr)")
    #expect(Self.numbers(limited) == expected, "\(limited.stdout)")
    #expect(limited.stdout.contains("warning: the checkpoint could not be written"), "\(limited.stdout)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == bytes, "a failed write changed the last good checkpoint")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: killedFolder).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")

    // Ctrl-C in the second epoch: the step finishes, a checkpoint is written, status 130.
    let stoppedFolder = temporaryFolder("resume-int")
    let stopped = try Self.interrupted(stoppedFolder, signal: SIGINT, delay: 0.3)
    #expect(stopped.status == 130, "\(stopped.stdout)\n\(stopped.stderr)")
    #expect(stopped.stderr.contains("--resume") && stopped.stderr.split(separator: "\n").count == 1, "\(stopped.stderr)")
    let resumed = try runChapter("mlp", Self.arguments + ["--output", stoppedFolder, "--resume"])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(Self.numbers(resumed) == expected, "\(resumed.stdout)")

    // Checkpoints that cannot be resumed: one line each, and the file is left as it was.
    let saved = "\(stoppedFolder)/checkpoint.safetensors"
    let savedBytes = try Data(contentsOf: URL(fileURLWithPath: saved))
    let otherOptions = try runChapter("mlp", Self.arguments + ["--output", temporaryFolder("resume-opt"), "--batch-size", "128", "--resume", saved])
    #expect(otherOptions.status == 1)
    #expect(otherOptions.stderr.contains("--batch-size 256") && otherOptions.stderr.contains("--batch-size 128")
            && otherOptions.stderr.split(separator: "\n").count == 1, "\(otherOptions.stderr)")
    let otherChapter = try runChapter("cnn", ["--quick", "--output", temporaryFolder("resume-cnn"), "--resume", saved])
    #expect(otherChapter.status == 1)
    #expect(otherChapter.stderr.contains("chapter mlp") && otherChapter.stderr.split(separator: "\n").count == 1, "\(otherChapter.stderr)")
    let corrupt = temporaryFolder("resume-corrupt") + "/checkpoint.safetensors"
    try savedBytes.prefix(savedBytes.count / 2).write(to: URL(fileURLWithPath: corrupt))
    let damaged = try runChapter("mlp", Self.arguments + ["--output", temporaryFolder("resume-corrupt-out"), "--resume", corrupt])
    #expect(damaged.status == 1)
    #expect(damaged.stderr.contains("truncated") && damaged.stderr.split(separator: "\n").count == 1, "\(damaged.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == savedBytes)
    #expect(try Data(contentsOf: URL(fileURLWithPath: corrupt)).count == savedBytes.count / 2)
  }

  @Test func chaptersWithLoopsOfTheirOwnRefuseTheOptions() throws {
    let run = try runChapter("rnn", ["--quick", "--output", temporaryFolder("resume-rnn"), "--resume"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("loops of its own"), "\(run.stderr)")
  }
}
