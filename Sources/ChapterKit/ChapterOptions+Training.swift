import ArgumentParser
import Foundation

/// The command line a chapter was started with (after `--resume PATH` was rewritten), kept by
/// `runAsChapter` so that a checkpoint can record the chapter's own options (`--model`, `--part`).
nonisolated(unsafe) var commandLineArguments: [String] = []

/// `--resume PATH` and `--resume=PATH` become `--resume --resume-from PATH`: ArgumentParser has
/// no option whose value may be left out, and no chapter takes a positional argument, so a word
/// after `--resume` that is not an option can only be its path.
func rewritingResumePath(_ arguments: [String]) -> [String] {
  var result: [String] = []
  var i = 0
  while i < arguments.count {
    let word = arguments[i]
    if word.hasPrefix("--resume=") {
      result += ["--resume", "--resume-from", String(word.dropFirst("--resume=".count))]
    } else if word == "--resume", i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") {
      result += ["--resume", "--resume-from", arguments[i + 1]]
      i += 1
    } else {
      result.append(word)
    }
    i += 1
  }
  return result
}

extension ChapterOptions {
  /// The options that decide what a run computes, by flag name, as the checkpoint records them:
  /// the shared ones (`--epochs` as given, `--batch-size`, `--lr`, `--seed`, `--quick`, `--ema`,
  /// `--accumulate`) and every chapter-specific option on the command line (`--model dropout`).
  /// Options that change only where or how fast it runs (`--threads`, `--output`, `--data-dir`,
  /// `--checkpoint-every`, `--plot-terminal`, `--verbose`, `--tensorboard`) may differ on resume.
  public var recipe: [String: String] {
    var result = ["--epochs": epochsGiven.map(String.init) ?? "default", "--batch-size": "\(batchSize)",
                  "--lr": "\(lr)", "--seed": "\(seed)", "--quick": "\(quick)",
                  "--ema": ema.map { "\($0)" } ?? "off", "--accumulate": "\(accumulate)"]
    let shared: Set<String> = ["--epochs", "--batch-size", "--lr", "--seed", "--quick", "--ema", "--accumulate"]
    let free: Set<String> = ["--threads", "--output", "--data-dir", "--checkpoint-every", "--resume-from", "--tensorboard"]
    let freeFlags: Set<String> = ["--resume", "--plot-terminal", "--verbose"]
    var i = 0
    let words = commandLineArguments
    while i < words.count {
      defer { i += 1 }
      guard words[i].hasPrefix("--") else { continue }
      let parts = words[i].split(separator: "=", maxSplits: 1).map(String.init)
      let name = parts[0]
      var value = parts.count == 2 ? parts[1] : "true"
      if parts.count == 1, !freeFlags.contains(name), name != "--quick", i + 1 < words.count, !words[i + 1].hasPrefix("--") {
        value = words[i + 1]
        i += 1
      }
      if !shared.contains(name) && !free.contains(name) && !freeFlags.contains(name) { result[name] = value }
    }
    return result
  }

  /// The checkpoint path `--resume` reads: `<output>/checkpoint.safetensors`, or `--resume PATH`
  /// (a file, or a folder holding `checkpoint.safetensors`).
  var resumePath: String {
    guard let resumeFrom else { return (output as NSString).appendingPathComponent(CheckpointStore.fileName) }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: resumeFrom, isDirectory: &isFolder), isFolder.boolValue {
      return (resumeFrom as NSString).appendingPathComponent(CheckpointStore.fileName)
    }
    return resumeFrom
  }

  /// What `apply()` hands to `fit` and `TrainingRun`: accumulation, EMA, and the checkpoint store, read from the
  /// checkpoint being resumed. A checkpoint that cannot be resumed (missing, corrupt, another
  /// chapter's, other options) ends the run here, in one line, before anything trains.
  func prepareTraining() -> TrainingSetup {
    // Under a file-size limit (`ulimit -f`), a write past it should fail with an error the
    // checkpoint writer reports, not kill the process with SIGXFSZ.
    signal(SIGXFSZ, SIG_IGN)
    var setup = TrainingSetup(accumulate: accumulate, emaDecay: ema, verbose: verbose)
    // Chapters with loops that do not checkpoint (which refuse --resume) write no checkpoints.
    guard D.resumable, checkpointEvery > 0 || resuming else { return setup }
    let store = CheckpointStore(path: (output as NSString).appendingPathComponent(CheckpointStore.fileName),
                                every: checkpointEvery, chapter: D.chapter, recipe: recipe)
    if resuming {
      do {
        try store.resume(from: resumePath)
      } catch {
        Self.failChapter("\(D.chapter): error: \(error)")
      }
      print("resuming from \(resumePath)")
    } else if FileManager.default.fileExists(atPath: store.path) {
      print("note: \(store.path) (an earlier run's checkpoint) is replaced at this run's first checkpoint; to continue that run instead, stop now and add --resume")
    }
    setup.checkpoints = store
    return setup
  }

  static func failChapter(_ line: String) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    Foundation.exit(1)
  }
}
