import Foundation

/// A gnuplot failure, with gnuplot's own message.
public struct PlotError: Error, CustomStringConvertible {
  public let description: String
}

/// Writes figures into a folder as `name.png`, with the data (`name.dat`) and a standalone
/// script (`name.gp`) beside it, so any figure can be re-drawn or restyled with plain
/// `gnuplot name.gp` in that folder. gnuplot runs as a separate process.
public final class Plotter: @unchecked Sendable {
  public let directory: String
  /// Path of the gnuplot executable, or nil when it is not installed.
  public let gnuplotPath: String?

  public var hasGnuplot: Bool { gnuplotPath != nil }

  /// - Parameter gnuplot: the executable to run; by default the first `gnuplot` on `PATH`.
  public init(directory: String, gnuplot: String? = nil) {
    self.directory = directory
    if let gnuplot {
      gnuplotPath = FileManager.default.isExecutableFile(atPath: gnuplot) ? gnuplot : nil
    } else {
      let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
      gnuplotPath = path.split(separator: ":").map { "\($0)/gnuplot" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
  }

  /// Writes `name.dat`, `name.gp` and (when gnuplot is installed) `name.png`. Without gnuplot it
  /// says once how to install it and still writes the data and script. Throws with gnuplot's
  /// message if gnuplot rejects the figure.
  public func save(_ figure: any Figure, name: String, width: Int = 800, height: Int = 500) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let dataFile = "\(name).dat"
    let script = """
      # \(name): redraw with `gnuplot \(name).gp` in this folder; the data is in \(dataFile).
      set terminal pngcairo size \(width),\(height) enhanced font 'Sans,11' linewidth 1
      set output '\(name).png'
      set grid lc rgb '#dddddd'
      set border lc rgb '#555555'
      \(figure.script(dataFile: dataFile))
      """
    try Self.writeAtomically(figure.data(), to: path(dataFile))
    try Self.writeAtomically(script, to: path("\(name).gp"))
    guard let gnuplot = gnuplotPath else {
      Self.warnMissingGnuplotOnce()
      return
    }
    // gnuplot writes the PNG itself; render to a temporary name and rename, so a failed run
    // never leaves a half-written image.
    let temporary = ".\(name).png.tmp-\(getpid())"
    let scriptForRun = script.replacingOccurrences(of: "set output '\(name).png'", with: "set output '\(temporary)'")
    let (status, _, errors) = try Self.run(gnuplot, script: scriptForRun, in: directory)
    if status != 0 {
      try? FileManager.default.removeItem(atPath: path(temporary))
      throw PlotError(description: "figure \(name): gnuplot: \(Self.firstMessage(errors))")
    }
    if rename(path(temporary), path("\(name).png")) != 0 {
      throw PlotError(description: "figure \(name): cannot write \(path("\(name).png")): \(String(cString: strerror(errno)))")
    }
  }

  /// The figure drawn with characters (gnuplot's `dumb` terminal), for live curves in a terminal;
  /// nil without gnuplot or if gnuplot fails.
  public func terminal(_ figure: any Figure, width: Int = 78, height: Int = 22) -> String? {
    guard let gnuplot = gnuplotPath else { return nil }
    let folder = NSTemporaryDirectory() + "torchlight-plot-\(getpid())-\(UUID().uuidString.prefix(6))"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Self.writeAtomically(figure.data(), to: folder + "/figure.dat")
      let script = "set terminal dumb size \(width),\(height)\n" + figure.script(dataFile: "figure.dat")
      let (status, output, _) = try Self.run(gnuplot, script: script, in: folder)
      return status == 0 ? output : nil
    } catch {
      return nil
    }
  }

  func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

  /// Runs gnuplot with the script on standard input, in `folder`; returns status, stdout, stderr.
  static func run(_ gnuplot: String, script: String, in folder: String) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gnuplot)
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(Data(script.utf8))
    try input.fileHandleForWriting.close()
    // Drain stderr on another thread while reading stdout, so neither pipe can fill and block.
    nonisolated(unsafe) var errorData = Data()
    let drain = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
    drain.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !drain.isFinished { usleep(500) }
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
  }

  /// gnuplot reports an error over several lines (the offending command, a caret, then the
  /// reason); keep the meaningful ones, joined on one line.
  static func firstMessage(_ stderr: String) -> String {
    let meaningful = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty && $0 != "^" }
    return meaningful.suffix(2).joined(separator: " — ")
  }

  private static let warned = NSLock()
  nonisolated(unsafe) private static var didWarn = false

  static func warnMissingGnuplotOnce() {
    warned.lock(); defer { warned.unlock() }
    guard !didWarn else { return }
    didWarn = true
    FileHandle.standardError.write(Data("note: gnuplot is not installed, so figures are written as .dat and .gp only; install it with `sudo apt-get install gnuplot-nox` (or `make setup`) and run again for PNGs\n".utf8))
  }

  static func writeAtomically(_ text: String, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    if rename(temporary, path) != 0 {
      try? FileManager.default.removeItem(atPath: temporary)
      throw PlotError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
    }
  }
}
