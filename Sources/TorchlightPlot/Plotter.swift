import Foundation

/// A figure that could not be written or drawn. The description says which figure and why; for
/// a gnuplot failure, gnuplot's own message (with the line of the `.gp` file it points at).
public struct PlotError: Error, CustomStringConvertible {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Writes figures into a folder as `name.png`, with the data (`name.dat`) and a standalone
/// script (`name.gp`) beside it, so that any figure can be redrawn or restyled with plain
/// `gnuplot name.gp` in that folder. gnuplot runs as a separate process, about 0.1 s a figure.
///
///     let plotter = Plotter(directory: "out/softmax-regression")
///     try plotter.save(LinePlot(title: "Loss", xLabel: "epoch", yLabel: "loss",
///                               series: [Series("train", x: epochs, y: losses)]), name: "loss")
///
/// Without gnuplot, `save` still writes the data and script, and says once how to install it.
public final class Plotter: @unchecked Sendable {
  /// Where the figures go (created when the first one is saved).
  public let directory: String
  /// The gnuplot executable, or nil when it was not found.
  public let gnuplotPath: String?
  /// What was asked for, to say what is missing.
  let requested: String?

  /// True when gnuplot was found, so `save` draws PNGs and `terminal` returns text.
  public var hasGnuplot: Bool { gnuplotPath != nil }

  private let lock = NSLock()
  private var drawnNames: [String] = [], scriptNames: [String] = []

  /// The PNG files drawn so far, in order (`loss.png`, …).
  public var drawn: [String] { lock.withLock { drawnNames } }

  /// One line saying what is in the folder: the PNGs drawn, or, when none could be drawn (no
  /// gnuplot), the data and scripts that were written and how to draw them later.
  public func summary() -> String {
    let (drawn, scripts) = lock.withLock { (drawnNames, scriptNames) }
    if !drawn.isEmpty { return "Figures in \(directory)/: " + drawn.joined(separator: ", ") }
    if scripts.isEmpty { return "No figures were written to \(directory)/" }
    return "No PNGs drawn (gnuplot was not found); data and scripts of \(scripts.count) figures in \(directory)/: "
      + "install gnuplot-nox, then run `gnuplot name.gp` there"
  }

  /// - Parameters:
  ///   - directory: the folder for the figures.
  ///   - gnuplot: the gnuplot executable; by default the first `gnuplot` on `PATH`.
  public init(directory: String, gnuplot: String? = nil) {
    self.directory = directory
    requested = gnuplot
    let fm = FileManager.default
    if let gnuplot {
      gnuplotPath = fm.isExecutableFile(atPath: gnuplot) ? gnuplot : nil
    } else {
      let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
      gnuplotPath = path.split(separator: ":").map { "\($0)/gnuplot" }.first { fm.isExecutableFile(atPath: $0) }
    }
  }

  /// The complete, standalone script for a PNG: terminal, output, house style, then the figure.
  func pngScript(_ figure: any Figure, name: String, output: String, width: Int, height: Int) -> String {
    let header = [
      "# \(name): drawn by Torchlight. Redraw or restyle it with `gnuplot \(name).gp` in this folder;",
      "# the data is in \(name).dat (blocks separated by two blank lines are `index 0`, `index 1`, ...).",
      "set terminal pngcairo size \(width),\(height) noenhanced font '\(Theme.font),11' linewidth 1.2 background rgb 'white'",
      "set output \(Theme.file(output))",
    ] + Theme.preamble
    return header.joined(separator: "\n") + "\n\n"
      + Self.script(figure, dataFile: "\(name).dat", canvas: Canvas(width: Double(width), height: Double(height), isText: false))
  }

  /// Writes `name.dat`, `name.gp` and `name.png` into the folder, each atomically (a temporary
  /// file, then a rename), so a crash or a failure never leaves a half-written file.
  ///
  /// Without gnuplot it writes the data and the script, says once on standard error how to
  /// install gnuplot, and returns normally. If gnuplot rejects the figure it throws with
  /// gnuplot's message, and the previous PNG of that name, if any, is left as it was.
  public func save(_ figure: any Figure, name: String, width: Int = 800, height: Int = 500) throws {
    guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
      throw PlotError("figure \"\(name)\": the name must be a plain file name without '/', like \"loss\"")
    }
    guard width > 0, height > 0 else { throw PlotError("figure \(name): size \(width)×\(height) must be positive") }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw PlotError("figure \(name): cannot create the folder \(directory): \(error.localizedDescription)")
    }
    try Self.writeAtomically(figure.data(), to: path("\(name).dat"), figure: name)
    try Self.writeAtomically(pngScript(figure, name: name, output: "\(name).png", width: width, height: height),
                             to: path("\(name).gp"), figure: name)
    lock.withLock { scriptNames.append("\(name).gp") }
    guard let gnuplot = gnuplotPath else {
      warnMissingGnuplot()
      return
    }

    // gnuplot writes the PNG itself: render to a hidden temporary name with a copy of the script
    // (same lines, so gnuplot's line numbers match name.gp), then rename the PNG into place.
    let token = "\(getpid())-\(UUID().uuidString.prefix(8))"
    let temporaryPNG = ".\(name).png.tmp-\(token)", temporaryScript = ".\(name).gp.tmp-\(token)"
    defer {
      try? FileManager.default.removeItem(atPath: path(temporaryScript))
      try? FileManager.default.removeItem(atPath: path(temporaryPNG))
    }
    try Self.writeAtomically(pngScript(figure, name: name, output: temporaryPNG, width: width, height: height),
                             to: path(temporaryScript), figure: name)
    let result: GnuplotRun
    do {
      result = try Self.run(gnuplot, arguments: [temporaryScript], in: directory)
    } catch {
      throw PlotError("figure \(name): cannot run \(gnuplot): \(error.localizedDescription)")
    }
    let messages = Self.messages(result.errors, script: temporaryScript, shownAs: "\(name).gp")
    guard result.status == 0, FileManager.default.fileExists(atPath: path(temporaryPNG)) else {
      let reason = messages.isEmpty ? "gnuplot exited with status \(result.status)" : messages.suffix(3).joined(separator: "; ")
      throw PlotError("figure \(name): gnuplot: \(reason)")
    }
    if rename(path(temporaryPNG), path("\(name).png")) != 0 {
      throw PlotError("figure \(name): cannot write \(path("\(name).png")): \(String(cString: strerror(errno)))")
    }
    lock.withLock { if !drawnNames.contains("\(name).png") { drawnNames.append("\(name).png") } }
    Self.drawnObservers.notify(name, path("\(name).png"))
    // A figure that drew but lost something (a series with nothing to show on a log axis…).
    for warning in messages {
      FileHandle.standardError.write(Data("figure \(name): gnuplot: \(warning)\n".utf8))
    }
  }

  /// The figure drawn with characters (gnuplot's `dumb` terminal), `width` columns by `height`
  /// lines, for live curves printed during training. Nil without gnuplot or if gnuplot fails.
  public func terminal(_ figure: any Figure, width: Int = 78, height: Int = 22) -> String? {
    guard let gnuplot = gnuplotPath, width > 0, height > 0 else { return nil }
    let folder = (NSTemporaryDirectory() as NSString)
      .appendingPathComponent("torchlight-plot-\(getpid())-\(UUID().uuidString.prefix(8))")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Self.writeAtomically(figure.data(), to: folder + "/figure.dat", figure: "terminal")
      let script = ["set terminal dumb size \(width),\(height) noenhanced", "set output", "set encoding utf8", ""]
        .joined(separator: "\n")
        + Self.script(figure, dataFile: "figure.dat", canvas: Canvas(width: Double(width), height: Double(height), isText: true))
      try Self.writeAtomically(script, to: folder + "/figure.gp", figure: "terminal")
      let result = try Self.run(gnuplot, arguments: ["figure.gp"], in: folder)
      guard result.status == 0 else { return nil }
      // gnuplot starts the page with a form feed and pads every line to the full width.
      let lines = result.output.replacingOccurrences(of: "\u{0C}", with: "").split(separator: "\n", omittingEmptySubsequences: false)
        .map { line -> Substring in
          var line = line
          while line.last == " " { line.removeLast() }
          return line
        }
      var text = lines.joined(separator: "\n")
      while text.hasPrefix("\n") { text.removeFirst() }
      while text.hasSuffix("\n") { text.removeLast() }
      return text
    } catch {
      return nil
    }
  }

  /// The figure's commands, laid out for the canvas when it is one of this module's figures.
  static func script(_ figure: any Figure, dataFile: String, canvas: Canvas) -> String {
    (figure as? any CanvasFigure)?.script(dataFile: dataFile, canvas: canvas) ?? figure.script(dataFile: dataFile)
  }

  func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

  // MARK: Running gnuplot

  struct GnuplotRun { var status: Int32; var output: String; var errors: String }

  /// Runs gnuplot in `folder` with standard input closed; collects its output and errors (both
  /// pipes are drained while it runs, so neither can fill up and stall it).
  static func run(_ gnuplot: String, arguments: [String], in folder: String) throws -> GnuplotRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gnuplot)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let output = Pipe(), errors = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let errorText = Collected()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errorText.set(errors.fileHandleForReading.readDataToEndOfFile())
      group.leave()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return GnuplotRun(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                      errors: String(decoding: errorText.get(), as: UTF8.self))
  }

  /// Data handed from the thread that reads a pipe.
  final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
  }

  /// gnuplot's messages, one per problem. gnuplot reports an error as the offending command, a
  /// line with a caret under the spot, then `"script" line N: reason`; the reasons are what
  /// matter. The temporary script's name is shown as the script the learner has.
  static func messages(_ stderr: String, script: String, shownAs: String) -> [String] {
    let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    var reasons = lines.filter { $0.contains("line ") && $0.contains(":") && $0.range(of: #"line \d+:"#, options: .regularExpression) != nil }
      .map { $0.replacingOccurrences(of: "\"\(script)\"", with: shownAs).replacingOccurrences(of: script, with: shownAs) }
    // A missing value in an image grid's gaps is intended.
    reasons.removeAll { $0.contains("matrix contains missing or undefined values") }
    if reasons.isEmpty {
      // An unexpected format: keep the last lines that are not a caret.
      reasons = lines.filter { $0 != "^" && !$0.allSatisfy { $0 == "^" || $0 == " " } }.suffix(2)
        .map { $0.replacingOccurrences(of: script, with: shownAs) }
      if reasons.contains(where: { $0.contains("matrix contains missing") }) { reasons = [] }
    }
    return reasons
  }

  // MARK: Missing gnuplot

  private static let warningLock = NSLock()
  nonisolated(unsafe) private static var warned = false

  /// The one line said when gnuplot is missing: what is missing and how to install it.
  var missingGnuplotNote: String {
    let missing = "gnuplot is not installed (" + (requested.map { "no executable at \($0)" } ?? "not found on PATH") + ")"
    return "note: \(missing), so figures are saved as .dat and .gp without .png; install it with "
      + "`sudo apt-get install gnuplot-nox`, then run again (or run `gnuplot NAME.gp` in \(directory))\n"
  }

  /// Says once per process what is missing and how to get it. Returns whether it printed.
  @discardableResult
  func warnMissingGnuplot() -> Bool {
    Self.warningLock.lock(); defer { Self.warningLock.unlock() }
    guard !Self.warned else { return false }
    Self.warned = true
    FileHandle.standardError.write(Data(missingGnuplotNote.utf8))
    return true
  }

  // MARK: Atomic files

  /// Writes to a temporary file in the same folder, then renames it over the target, so readers
  /// see the old file or the new one, never a part.
  static func writeAtomically(_ text: String, to path: String, figure: String) throws {
    let folder = (path as NSString).deletingLastPathComponent, file = (path as NSString).lastPathComponent
    let temporary = ((folder.isEmpty ? "." : folder) as NSString)
      .appendingPathComponent(".\(file).tmp-\(getpid())-\(UUID().uuidString.prefix(8))")
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw PlotError("figure \(figure): cannot write \(path): \(error.localizedDescription)")
    }
    if rename(temporary, path) != 0 {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: temporary)
      throw PlotError("figure \(figure): cannot write \(path): \(reason)")
    }
  }
}
