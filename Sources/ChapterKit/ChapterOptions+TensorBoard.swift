import Foundation

extension ChapterOptions {
  /// With `--tensorboard DIR`, starts the chapter's TensorBoard log and records the options.
  /// (The folder was checked in `validate()`; a failure here is one line, and training goes on.)
  func startTensorBoard() {
    guard let tensorboard else { return }
    do {
      try ChapterBoard.start(directory: tensorboard, chapter: D.chapter, options: optionsMarkdown)
    } catch {
      FileHandle.standardError.write(Data("tensorboard: \(error); training goes on without TensorBoard events\n".utf8))
    }
  }

  /// The command line and the common options' values (given or default; a chapter may shorten a
  /// `--quick` run further), as Markdown for TensorBoard's Text tab.
  var optionsMarkdown: String {
    let command = ([D.chapter] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    let rows: [(String, String)] = [
      ("--epochs", "\(epochs)"), ("--batch-size", "\(batchSize)"), ("--lr", "\(lr)"), ("--seed", "\(seed)"),
      ("--threads", "\(threads)"), ("--quick", "\(quick)"), ("--output", output), ("--data-dir", dataDir ?? "(default)"),
    ]
    return "`\(command)`\n\n| option | given or default |\n|---|---|\n" + rows.map { "| \($0.0) | \($0.1) |" }.joined(separator: "\n")
  }
}
