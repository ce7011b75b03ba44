import Foundation

/// Writes TensorBoard event files, as PyTorch's `torch.utils.tensorboard.SummaryWriter` does:
/// one file `events.out.tfevents.<seconds since 1970>.<host>` in `logDirectory`, a TFRecord of
/// `Event` messages that starts with the file version. Every event goes to disk as one `write`,
/// so a run that stops at any point leaves every finished event readable.
///
///     let writer = try SummaryWriter(logDirectory: "runs/mlp")
///     try writer.addScalar("loss/train", 0.42, step: 1)
///     try writer.addHistogram("weights/0.weight", values: w.toArray(Float.self), step: 1)
///
/// `tensorboard --logdir runs` then shows it (each folder holding event files is one run).
public final class SummaryWriter: @unchecked Sendable {
  /// The folder of this run.
  public let logDirectory: String
  /// The event file being written.
  public let path: String
  private let handle: FileHandle
  private let lock = NSLock()
  private var closed = false

  /// Creates the folder if needed and starts a new event file there.
  public init(logDirectory: String) throws {
    self.logDirectory = logDirectory
    do {
      try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    } catch {
      throw BoardError("cannot create the TensorBoard folder \(logDirectory): \(error.localizedDescription); choose a writable folder")
    }
    let now = Date().timeIntervalSince1970
    let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
    var name = "events.out.tfevents.\(String(format: "%010d", Int(now))).\(host)"
    // A second writer started in the same second in the same folder gets its own file.
    if FileManager.default.fileExists(atPath: (logDirectory as NSString).appendingPathComponent(name)) {
      name += ".\(getpid()).\(UUID().uuidString.prefix(8))"
    }
    path = (logDirectory as NSString).appendingPathComponent(name)
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
      throw BoardError("cannot create \(path): \(String(cString: strerror(errno))); choose a writable folder")
    }
    self.handle = handle
    try write(EventEncoding.fileVersionEvent(wallTime: now))
  }

  deinit { try? handle.close() }

  /// Writes one event holding `values`, all at `step`.
  public func add(_ values: [SummaryValue], step: Int, wallTime: Double = Date().timeIntervalSince1970) throws {
    try write(EventEncoding.summaryEvent(values, step: step, wallTime: wallTime))
  }

  /// A point of the scalar curve `tag` (stored as a 32-bit float, as TensorBoard keeps scalars).
  public func addScalar(_ tag: String, _ value: Double, step: Int) throws {
    try add([.scalar(tag: tag, value: Float(value))], step: step)
  }

  /// A histogram of `values` (30 equal-width buckets between their smallest and largest).
  @inlinable
  public func addHistogram<Values: Collection>(_ tag: String, values: Values, step: Int, bins: Int = 30) throws
  where Values.Element: BinaryFloatingPoint {
    try add([.histogram(tag: tag, HistogramData(values, bins: bins))], step: step)
  }

  /// A PNG image, shown by TensorBoard's Images tab.
  public func addImage(_ tag: String, png: [UInt8], step: Int) throws {
    try add([.image(tag: tag, try PNGImage(png, name: tag))], step: step)
  }

  /// A text (Markdown), shown by TensorBoard's Text tab.
  public func addText(_ tag: String, _ text: String, step: Int) throws {
    try add([.text(tag: tag, text)], step: step)
  }

  /// Closes the file; later writes throw.
  public func close() {
    lock.withLock {
      if !closed { try? handle.close() }
      closed = true
    }
  }

  private func write(_ event: [UInt8]) throws {
    try lock.withLock {
      guard !closed else { throw BoardError("\(path): the writer is closed") }
      do {
        try handle.write(contentsOf: TFRecord.frame(event))
      } catch {
        throw BoardError("cannot write \(path): \(error.localizedDescription)")
      }
    }
  }
}
