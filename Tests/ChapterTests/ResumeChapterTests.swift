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

  /// Starts the chapter (chapter 05's dropout pair unless told), waits for its first checkpoint,
  /// sends `signal` (after `delay` seconds) and returns how it ended.
  static func interrupted(_ output: String, signal: Int32, delay: Double, chapter: String = "mlp",
                          arguments: [String] = arguments) throws -> ChapterRun {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(chapter)
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

  /// Kills `chapter` run with `arguments` after its first checkpoint (SIGKILL at once, then
  /// Ctrl-C a little later, in the middle of an epoch), resumes it each time, and expects the
  /// numbers of an uninterrupted run. Returns the folder of the Ctrl-C'd run, with its checkpoint.
  static func expectResumedRunsMatch(_ chapter: String, _ arguments: [String], interruptAfter delay: Double,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let whole = try runChapter(chapter, arguments + ["--output", temporaryFolder("resume-\(chapter)-whole")])
    #expect(whole.status == 0, "\(whole.stderr)", sourceLocation: sourceLocation)
    let expected = numbers(whole)
    for (signal, wait) in [(SIGKILL, 0.0), (SIGINT, delay)] {
      let folder = temporaryFolder("resume-\(chapter)-\(signal)")
      let stopped = try interrupted(folder, signal: signal, delay: wait, chapter: chapter, arguments: arguments)
      #expect(stopped.status == (signal == SIGINT ? 130 : SIGKILL), "\(stopped.stdout)\n\(stopped.stderr)", sourceLocation: sourceLocation)
      let resumed = try runChapter(chapter, arguments + ["--output", folder, "--resume"])
      #expect(resumed.status == 0, "\(resumed.stderr)", sourceLocation: sourceLocation)
      #expect(resumed.stdout.contains("resumed from the checkpoint"), "\(resumed.stdout)", sourceLocation: sourceLocation)
      #expect(numbers(resumed) == expected, "\(signal): \(resumed.stdout)", sourceLocation: sourceLocation)
      if signal == SIGINT { return folder }
    }
    return ""
  }

  /// A training loop of a chapter's own (`TrainingRun`), on the GAN of d2l §20.1 (two players,
  /// two optimizers, a shuffling generator and a noise generator); then the checkpoints that
  /// cannot be resumed.
  @Test func ownLoopsResumeToTheSameNumbers() throws {
    let arguments = ["--part", "gaussian", "--quick", "--threads", "1", "--checkpoint-every", "1"]
    let folder = try Self.expectResumedRunsMatch("gan", arguments, interruptAfter: 0.1)
    let saved = "\(folder)/checkpoint.safetensors"
    let savedBytes = try Data(contentsOf: URL(fileURLWithPath: saved))
    let otherOptions = try runChapter("gan", arguments + ["--output", temporaryFolder("resume-gan-opt"), "--seed", "3", "--resume", saved])
    #expect(otherOptions.status == 1)
    #expect(otherOptions.stderr.contains("--seed 0") && otherOptions.stderr.contains("--seed 3")
            && otherOptions.stderr.split(separator: "\n").count == 1, "\(otherOptions.stderr)")
    let otherChapter = try runChapter("rnn", ["--part", "sine", "--output", temporaryFolder("resume-rnn-gan"), "--resume", saved])
    #expect(otherChapter.status == 1)
    #expect(otherChapter.stderr.contains("chapter gan") && otherChapter.stderr.split(separator: "\n").count == 1, "\(otherChapter.stderr)")
    let corrupt = temporaryFolder("resume-gan-corrupt") + "/checkpoint.safetensors"
    try savedBytes.prefix(savedBytes.count - 100).write(to: URL(fileURLWithPath: corrupt))
    let damaged = try runChapter("gan", arguments + ["--output", temporaryFolder("resume-gan-corrupt-out"), "--resume", corrupt])
    #expect(damaged.status == 1)
    #expect(damaged.stderr.contains("truncated") && damaged.stderr.split(separator: "\n").count == 1, "\(damaged.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == savedBytes)
    #expect(try Data(contentsOf: URL(fileURLWithPath: corrupt)).count == savedBytes.count - 100)
  }

  /// Chapter 10's two autoregressive models of the sine, one after the other in one checkpoint:
  /// a resumed run replays the finished model and continues the other.
  @Test func ownLoopsOfSeveralModelsResumeToTheSameNumbers() throws {
    // An epoch takes a few hundredths of a second: Ctrl-C as soon as the first checkpoint is
    // seen lands in the first model's training (between the two models, it would stop the run
    // without a checkpoint of the second, as it does any program).
    _ = try Self.expectResumedRunsMatch("rnn", ["--part", "sine", "--sine-epochs", "12", "--threads", "1", "--checkpoint-every", "1"],
                                        interruptAfter: 0)
  }

  /// `--ema` and `--accumulate` work in `fit` only (see also `TrainingOptionsTests`).
  @Test func chaptersWithLoopsOfTheirOwnRefuseTheOptionsOfFit() throws {
    let ema = try runChapter("gan", ["--quick", "--output", temporaryFolder("resume-gan-ema"), "--ema", "0.99"])
    #expect(ema.status == 2)
    #expect(ema.stderr.contains("loops of its own"), "\(ema.stderr)")
  }
}
