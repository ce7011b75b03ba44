import Foundation
import Testing

/// Thousands of mutated IDX and safetensors files (truncated, bytes flipped, size fields set to
/// 0, 2³¹−1, 2³² or past Int.max, header fields of the wrong type) must each be refused with an
/// error or read into a result that adds up. The cases run in a child process, `torchlight-fuzz`
/// (Tests/fuzz), so that a loader that traps fails this test with the input that did it instead
/// of killing the test runner.
@Suite("Loader fuzzing") struct LoaderFuzzTests {
  @Test(arguments: ["idx", "safetensors"])
  func mutatedFilesAreRefusedOrReadNeverACrash(_ format: String) throws {
    let seed = "22", cases = 3000
    let run = try runFuzzer([format, "--cases", "\(cases)", "--seed", seed])
    if run.signal != 0 {
      // The last case announced is the one that crashed: write its bytes where they can be replayed.
      let last = run.stdout.split(separator: "\n").last { $0.hasPrefix("case ") } ?? "no case started"
      let number = last.dropFirst(5).prefix { $0.isNumber }
      let saved = NSTemporaryDirectory() + "torchlight-fuzz-\(format)-seed\(seed)-case\(number)"
      _ = try? runFuzzer([format, "--seed", seed, "--case", String(number), "--save", saved])
      // The runtime's message and the innermost frames of the backtrace say where it trapped.
      let trap = run.stderr.split(separator: "\n").filter { $0.contains("Fatal error") || $0.contains(" at /") }.prefix(6)
        .joined(separator: "\n")
      Issue.record("the \(format) loader crashed (signal \(run.signal)) on \(last); input saved to \(saved); replay: torchlight-fuzz \(format) --seed \(seed) --case \(number)\n\(trap)")
      return
    }
    #expect(run.status == 0, "\(run.stdout.split(separator: "\n").last { $0.hasPrefix("FAIL") } ?? "") \(run.stderr)")
    // Both outcomes must occur often, or the mutations are too timid (or too wild) to test anything.
    let done = try #require(run.stdout.split(separator: "\n").last { $0.hasPrefix("done: ") }, "no summary line")
    let counts = done.split(separator: " ").compactMap { Int($0) }
    try #require(counts.count == 2, "\(done)")
    #expect(counts[0] + counts[1] == cases && counts[0] >= cases / 100 && counts[1] >= cases / 4, "\(done)")
  }

  @Test func aCaseIsMadeAgainExactlyForReplay() throws {
    let folder = NSTemporaryDirectory() + "torchlight-fuzz-replay-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var files: [Data] = []
    for copy in 0..<2 {
      let run = try runFuzzer(["safetensors", "--seed", "5", "--case", "17", "--save", "\(folder)/\(copy)"])
      #expect(run.status == 0 && run.stdout.hasPrefix("case 17: valid file"), "\(run.stdout) \(run.stderr)")
      files.append(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(copy)")))
    }
    #expect(files[0] == files[1] && !files[0].isEmpty)
  }
}

/// How a `torchlight-fuzz` run ended: its exit status, or the signal that killed it.
struct FuzzRun {
  let status: Int32
  let signal: Int32
  let stdout: String
  let stderr: String
}

/// Runs the `torchlight-fuzz` executable built beside this test binary.
func runFuzzer(_ arguments: [String]) throws -> FuzzRun {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("torchlight-fuzz")
  process.arguments = arguments
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  nonisolated(unsafe) var errData = Data()
  let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
  reader.start()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  while !reader.isFinished { usleep(1000) }
  let crashed = process.terminationReason == .uncaughtSignal
  return FuzzRun(status: crashed ? -1 : process.terminationStatus, signal: crashed ? process.terminationStatus : 0,
                 stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}
