import Foundation
import Testing

/// What a chapter run printed and how it ended.
struct ChapterRun {
  let status: Int32
  let stdout: String
  let stderr: String

  /// The `RESULT …` lines, each parsed into its key=value fields.
  var results: [[String: String]] {
    stdout.split(separator: "\n").filter { $0.hasPrefix("RESULT ") }.map { line in
      Dictionary(line.split(separator: " ").dropFirst().compactMap { field in
        let kv = field.split(separator: "=", maxSplits: 1)
        return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
      }, uniquingKeysWith: { a, _ in a })
    }
  }

  /// The RESULT line of one model (or the only one).
  func result(model: String? = nil) -> [String: String]? {
    results.first { model == nil || $0["model"] == model }
  }
}

/// Runs a chapter executable built next to this test binary (or a program given by its absolute
/// path), as a learner would from a shell.
func runChapter(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ChapterRun {
  let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  let binary = name.hasPrefix("/") ? URL(fileURLWithPath: name) : folder.appendingPathComponent(name)
  let process = Process()
  process.executableURL = binary
  process.arguments = arguments
  if let environment { process.environment = environment }
  let out = Pipe(), err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  // Read both pipes to the end before waiting, so a chatty chapter cannot block on a full pipe.
  nonisolated(unsafe) var errData = Data()
  let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
  reader.start()
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  while !reader.isFinished { usleep(1000) }
  return ChapterRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                    stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary folder for one test's output.
func temporaryFolder(_ name: String) -> String {
  let path = NSTemporaryDirectory() + "torchlight-\(name)-\(UUID().uuidString.prefix(8))"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

var gnuplotInstalled: Bool {
  (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/gnuplot") }
}

/// Checks a figure was written as .dat and .gp, and as .png when gnuplot is there.
func expectFigure(_ folder: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
  for ext in ["dat", "gp"] + (gnuplotInstalled ? ["png"] : []) {
    let path = "\(folder)/\(name).\(ext)"
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    #expect(size > 0, "missing or empty \(path)", sourceLocation: sourceLocation)
  }
}

/// The output with everything that measures time blanked, so two runs can be compared.
func withoutTimings(_ text: String) -> String {
  text.replacingOccurrences(of: #"[0-9.]+ (ex|tok)/s"#, with: "_ $1/s", options: .regularExpression)
    .replacingOccurrences(of: #"[0-9.]+ s\b *"#, with: "_ s ", options: .regularExpression)  // tables pad a time to its width
    .replacingOccurrences(of: #"sec_per_epoch=[0-9.]+"#, with: "sec_per_epoch=_", options: .regularExpression)
}
