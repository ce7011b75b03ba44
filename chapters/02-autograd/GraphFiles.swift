import ChapterKit
import Foundation
import Torchlight

/// A tiny two-layer network's loss, for a bigger graph to draw: mean((relu(X·W1 + b1)·W2 + b2 − Y)²).
func mlpLoss() -> (loss: Tensor, names: [ObjectIdentifier: String]) {
  let X = Tensor.randn([4, 3]), Y = Tensor.randn([4, 1])
  let W1 = (Tensor.randn([3, 5]) * 0.5).requiringGrad(), b1 = Tensor.zeros([5]).requiringGrad()
  let W2 = (Tensor.randn([5, 1]) * 0.5).requiringGrad(), b2 = Tensor.zeros([1]).requiringGrad()
  let hidden = (X.matmul(W1) + b1).relu()
  let error = hidden.matmul(W2) + b2 - Y
  let loss = (error * error).mean()
  let names = [ObjectIdentifier(W1): "W1", ObjectIdentifier(b1): "b1",
               ObjectIdentifier(W2): "W2", ObjectIdentifier(b2): "b2"]
  return (loss, names)
}

func temporaryPath(for path: String) -> String {
  let url = URL(fileURLWithPath: path)
  return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
}

struct FileError: Error, CustomStringConvertible { let description: String }

func replace(_ path: String, with temporary: String) throws {
  if rename(temporary, path) != 0 {
    throw FileError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
  }
}

/// The full path of `program` if it is an executable on PATH.
func findOnPath(_ program: String) -> String? {
  let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
  return path.split(separator: ":").map { "\($0)/\(program)" }
    .first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Runs `dot -Tpng` on a DOT file, writing the PNG atomically. Returns nil on success, else
/// dot's own error message on one line.
func renderPNG(dot: String, input: String, output: String) -> String? {
  let temporary = temporaryPath(for: output)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: dot)
  process.arguments = ["-Tpng", "-Gdpi=150", input, "-o", temporary]
  let errors = Pipe()
  process.standardError = errors
  process.standardOutput = FileHandle.nullDevice
  do {
    try process.run()
  } catch {
    return "cannot start \(dot): \(error.localizedDescription)"
  }
  let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  guard process.terminationStatus == 0 else {
    try? FileManager.default.removeItem(atPath: temporary)
    let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    return oneLine.isEmpty ? "dot exited with status \(process.terminationStatus)" : oneLine
  }
  do { try replace(output, with: temporary) } catch { return "\(error)" }
  return nil
}

/// Creates the output directory (and its parents) or says in one line why it cannot.
func makeOutputDirectory(_ path: String) throws {
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
    guard isDirectory.boolValue else { throw FileError(description: "--output \(path) exists and is not a directory") }
    guard FileManager.default.isWritableFile(atPath: path) else { throw FileError(description: "cannot write into \(path): permission denied") }
    return
  }
  // mkdir one level at a time, so the message can name the system's reason (strerror).
  let parent = (path as NSString).deletingLastPathComponent
  if !parent.isEmpty && parent != path && !FileManager.default.fileExists(atPath: parent) {
    try makeOutputDirectory(parent)
  }
  if mkdir(path, 0o755) != 0 && errno != EEXIST {
    throw FileError(description: "cannot create the output directory \(path): \(String(cString: strerror(errno)))")
  }
}

func sectionGraphFiles(outputDirectory: String) {
  say("graphDOT(of:names:) writes the recorded graph in Graphviz's DOT language: boxes are backward")
  say("nodes, ellipses are leaves that require grad, arrows follow the forward computation.")
  let example = Example()
  let mlp = mlpLoss()
  let graphs = [("graph", graphDOT(of: example.y, names: example.names)),
                ("mlp", graphDOT(of: mlp.loss, names: mlp.names))]
  let dot = findOnPath("dot")
  if dot == nil { say("  Graphviz `dot` is not on PATH, so no PNGs: install it with `apt-get install graphviz`") }
  for (name, text) in graphs {
    let dotPath = "\(outputDirectory)/\(name).dot"
    do {
      try writeAtomically(text + "\n", to: dotPath)
    } catch {
      say("  \(error)")
      continue
    }
    var line = "  wrote \(dotPath) (\(text.split(separator: "\n").count) lines)"
    if let dot {
      let pngPath = "\(outputDirectory)/\(name).png"
      if let failure = renderPNG(dot: dot, input: dotPath, output: pngPath) {
        line += "; dot failed: \(failure)"
      } else {
        line += " and \(pngPath)"
      }
    }
    say(line)
  }
  say("The first lines of graph.dot:")
  for l in graphs[0].1.split(separator: "\n").prefix(6) { say("  " + l) }
}
