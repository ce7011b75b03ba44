import Foundation
import TorchlightBoard
import TorchlightPlot

/// The TensorBoard log of a chapter run with `--tensorboard DIR`. Each folder holding event files
/// is a run to TensorBoard: `DIR/<chapter>/` holds the chapter's figures (every PNG a `Plotter`
/// draws, as the image `figures/<name>`) and its options (the text `options`), and each
/// `TrainingLog` writes its curves to `DIR/<chapter>/<model>/`. A run's earlier event files are
/// replaced, as `metrics.csv` is. Started by `ChapterOptions.apply()`; a write that fails (a full
/// disk) prints one line and stops the logging, never the training.
public final class ChapterBoard: @unchecked Sendable {
  /// The board of this process, if `--tensorboard` was given.
  public static var current: ChapterBoard? { lock.withLock { shared } }
  private static let lock = NSLock()
  nonisolated(unsafe) private static var shared: ChapterBoard?

  /// `DIR/<chapter>`.
  public let folder: String
  private let chapterWriter: SummaryWriter
  private let lock = NSLock()
  private var runNames: Set<String> = [], figureSteps: [String: Int] = [:], failed = false

  /// Starts the chapter's run (removing its previous event files), writes `options` as text, and
  /// copies every figure drawn from now on.
  static func start(directory: String, chapter: String, options: String) throws {
    let board = try ChapterBoard(folder: (directory as NSString).appendingPathComponent(chapter))
    board.record { try board.chapterWriter.addText("options", options, step: 0) }
    lock.withLock { shared = board }
    Plotter.onDrawn { name, path in board.addFigure(name, path: path) }
  }

  init(folder: String) throws {
    self.folder = folder
    chapterWriter = try Self.freshWriter(folder)
  }

  /// A writer for one model's run, `<folder>/<model>` (`model-2`, … when the name is taken);
  /// the chapter's own run when there is no model name. Nil once logging has stopped.
  func writer(forModel model: String?) -> SummaryWriter? {
    guard let model else { return chapterWriter }
    let name = lock.withLock {
      var name = model.replacingOccurrences(of: "/", with: "-"), n = 1
      while runNames.contains(name) { n += 1; name = "\(model)-\(n)" }
      runNames.insert(name)
      return name
    }
    var writer: SummaryWriter?
    record { writer = try Self.freshWriter((folder as NSString).appendingPathComponent(name)) }
    return writer
  }

  /// Runs a write; the first failure is reported in one line on standard error and turns the
  /// board off.
  func record(_ write: () throws -> Void) {
    guard !lock.withLock({ failed }) else { return }
    do {
      try write()
    } catch {
      let first = lock.withLock { () -> Bool in defer { failed = true }; return !failed }
      if first {
        FileHandle.standardError.write(Data("tensorboard: \(error); no more TensorBoard events are written (training goes on)\n".utf8))
      }
    }
  }

  private func addFigure(_ name: String, path: String) {
    let step = lock.withLock { () -> Int in defer { figureSteps[name, default: 0] += 1 }; return figureSteps[name, default: 0] }
    record {
      guard let png = FileManager.default.contents(atPath: path) else { throw BoardError("cannot read the figure \(path)") }
      try chapterWriter.addImage("figures/\(name)", png: [UInt8](png), step: step)
    }
  }

  /// A new event file in `folder`, after removing the event files of an earlier run there.
  private static func freshWriter(_ folder: String) throws -> SummaryWriter {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix("events.out.tfevents.") {
      try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
    }
    return try SummaryWriter(logDirectory: folder)
  }
}
