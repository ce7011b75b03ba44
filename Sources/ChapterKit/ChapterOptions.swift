import ArgumentParser
import Foundation
import Torchlight

/// A chapter's defaults for the common options, shown by `--help`.
public protocol ChapterDefaults {
  /// The executable's name, e.g. `linear-regression`; also the output folder `out/<name>`.
  static var chapter: String { get }
  static var epochs: Int { get }
  static var batchSize: Int { get }
  static var lr: Double { get }
  /// True for a chapter whose models all train through `fit`: only those accept `--ema` and
  /// `--accumulate` (a chapter with loops of its own refuses them).
  static var trainsThroughFit: Bool { get }
  /// True for a chapter whose every training loop checkpoints (through `fit` or a `TrainingRun`):
  /// only those accept `--resume` and `--checkpoint-every`. Defaults to `trainsThroughFit`.
  static var resumable: Bool { get }
  /// What an "epoch" of `--checkpoint-every` is in this chapter, when some of its loops count
  /// something else (groups of steps), added to `--help`; empty when every loop counts epochs.
  static var checkpointUnit: String { get }
}

extension ChapterDefaults {
  public static var trainsThroughFit: Bool { false }
  public static var resumable: Bool { trainsThroughFit }
  public static var checkpointUnit: String { "" }
}

/// The options every chapter accepts (`--epochs --batch-size --lr --seed --threads --quick
/// --output --data-dir --plot-terminal`). Embed with `@OptionGroup var options: ChapterOptions<Defaults>`.
public struct ChapterOptions<D: ChapterDefaults>: ParsableArguments {
  // Numeric options take the next word even when it starts with '-', so `--epochs -1` is
  // reported as a bad value rather than a missing one.
  @Option(name: .customLong("epochs"), parsing: .unconditional,
          help: ArgumentHelp("Passes over the training data. (default: \(D.epochs))", valueName: "epochs"))
  var epochsGiven: Int?

  /// `--epochs` if given, else the chapter's default.
  public var epochs: Int { epochsGiven ?? D.epochs }

  /// `--epochs` if given, else `fallback`: for a chapter whose models train for different lengths.
  public func epochs(orDefault fallback: Int) -> Int { epochsGiven ?? fallback }

  @Option(parsing: .unconditional, help: "Examples per minibatch.")
  public var batchSize: Int = D.batchSize

  @Option(parsing: .unconditional, help: "Learning rate.")
  public var lr: Double = D.lr

  @Option(parsing: .unconditional, help: "Seed for every random draw (data, initialisation, shuffling).")
  public var seed: UInt64 = 0

  @Option(parsing: .unconditional, help: "CPU threads for OpenBLAS and Torchlight's parallel kernels (1 makes runs bit-for-bit repeatable).")
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(help: "A seconds-long smoke run: less data, fewer epochs.")
  public var quick = false

  @Option(help: "Folder for figures (.png with .dat and .gp beside), metrics.csv and checkpoints.")
  public var output: String = "out/\(D.chapter)"

  @Option(help: "Folder with the data set (default: $TORCHLIGHT_DATA, then the Debian package's folder).")
  public var dataDir: String?

  @Flag(help: "Redraw the training curves in the terminal after every epoch.")
  public var plotTerminal = false

  @Flag(help: "Print the set-up first: the OpenBLAS core in use (and who chose it), threads and seed.")
  public var verbose = false

  @Option(help: ArgumentHelp("Also write TensorBoard event files to DIR/<chapter>/ (curves, histograms, figures, options); view them with `tensorboard --logdir DIR`.",
                             valueName: "DIR"))
  public var tensorboard: String?
  @Option(name: .customLong("checkpoint-every"), parsing: .unconditional,
          help: ArgumentHelp("Write the training state to <output>/checkpoint.safetensors every N epochs and after each model's last epoch (0: never)\(D.checkpointUnit.isEmpty ? "" : "; " + D.checkpointUnit). Ctrl-C also writes it, after the step under way. (default: 1; 0 with --quick)", valueName: "N"))
  var checkpointEveryGiven: Int?

  /// Epochs between checkpoints: `--checkpoint-every`, else 1, or 0 (none) for a `--quick` run
  /// that is not resuming (a seconds-long run is cheaper to redo than to checkpoint).
  public var checkpointEvery: Int { checkpointEveryGiven ?? (quick && !resuming ? 0 : 1) }

  @Flag(help: "Continue an interrupted run from <output>/checkpoint.safetensors, or from --resume PATH (a checkpoint file or the folder holding one). The other options must be the run's.")
  public var resume = false

  /// The PATH of `--resume PATH` (`runAsChapter` rewrites it to this hidden option).
  @Option(name: .customLong("resume-from"), help: .hidden)
  public var resumeFrom: String?

  /// `--resume`, with or without a path.
  public var resuming: Bool { resume || resumeFrom != nil }

  @Option(parsing: .unconditional,
          help: ArgumentHelp("Evaluate with an exponential moving average of the weights, θ̄ ← d·θ̄ + (1 − d)·θ after every step, with decay d warmed up as timm does (try 0.999).", valueName: "decay"))
  public var ema: Double?

  @Option(parsing: .unconditional,
          help: ArgumentHelp("Gradient accumulation: one optimizer step per K minibatches, each loss scaled by 1/K, so --batch-size b --accumulate K takes the steps of batch K·b. BatchNorm still normalises over b examples, so with it the match is approximate.", valueName: "K"))
  public var accumulate: Int = 1

  public init() {}

  public func validate() throws {
    guard (checkpointEveryGiven ?? 0) >= 0 else { throw ValidationError("--checkpoint-every must be 0 (never) or more, got \(checkpointEvery)") }
    guard accumulate >= 1 else { throw ValidationError("--accumulate must be at least 1, got \(accumulate)") }
    if let ema, !(ema >= 0 && ema < 1) { throw ValidationError("--ema must lie in [0, 1), got \(ema); 0.999 is a common choice") }
    if !D.resumable && (resuming || checkpointEveryGiven != nil) {
      throw ValidationError("--resume and --checkpoint-every do not work in \(D.chapter): it writes no checkpoints")
    }
    if !D.trainsThroughFit && (ema != nil || accumulate != 1) {
      throw ValidationError("--ema and --accumulate work in the chapters that train through the shared loop (mlp, optimizers, cnn, normalization, modern-cnn); \(D.chapter) trains with loops of its own")
    }
    guard (epochsGiven ?? 0) >= 0 else { throw ValidationError("--epochs must be 0 or more, got \(epochs)") }
    guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    guard lr.isFinite, lr >= 0 else { throw ValidationError("--lr must be a finite non-negative number, got \(lr)") }
    guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    guard isWritableFolder(output) else {
      throw ValidationError("--output \(output) is not a writable folder; choose another with --output DIR")
    }
    if let tensorboard, !isWritableFolder(tensorboard) {
      throw ValidationError("--tensorboard \(tensorboard) is not a writable folder; choose another with --tensorboard DIR")
    }
  }

  /// Creates `folder` if needed and checks that a file can be written in it.
  private func isWritableFolder(_ folder: String) -> Bool {
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      let probe = (folder as NSString).appendingPathComponent(".write-test-\(getpid())")
      guard FileManager.default.createFile(atPath: probe, contents: Data()) else { return false }
      try? FileManager.default.removeItem(atPath: probe)
      return true
    } catch {
      return false
    }
  }

  /// Applies `--seed` and `--threads` to the engine and starts a fresh `metrics.csv`. Call first
  /// thing in `run()`.
  public func apply() {
    Torchlight.manualSeed(seed)
    // More threads than cores only make every parallel loop wait on the others.
    let cores = ProcessInfo.processInfo.activeProcessorCount
    if threads > cores { print("note: --threads \(threads) is more than this machine's \(cores) cores; using \(cores)") }
    Threads.set(min(threads, cores))
    if verbose { print("# \(BLASCore.summary); \(Threads.count) thread\(Threads.count == 1 ? "" : "s"), seed \(seed)") }
    try? FileManager.default.removeItem(atPath: (output as NSString).appendingPathComponent("metrics.csv"))
    startTensorBoard()
    TrainingSetup.current = prepareTraining()
  }
}

/// An error a chapter reports in one line before exiting with status 1 (missing data, a
/// corrupt file): what is wrong and how to fix it.
public struct ChapterError: Error, CustomStringConvertible {
  public let description: String
  public init(_ message: String) { description = message }
}

extension ParsableCommand {
  /// Parses the command line and runs the chapter with Torchlight's error policy: `--help` prints
  /// and exits 0; a bad flag or value prints one line and exits 2; an error thrown by `run()`
  /// prints one line and exits 1. Never a stack trace.
  public static func runAsChapter(arguments: [String]? = nil) {
    let name = configuration.commandName ?? String(describing: Self.self)
    do {
      commandLineArguments = rewritingResumePath(arguments ?? Array(CommandLine.arguments.dropFirst()))
      var command = try parseAsRoot(commandLineArguments)
      try command.run()
    } catch let error as ChapterError {
      fail("\(name): error: \(error)", status: 1)
    } catch let interrupted as TrainingInterrupted {
      fail("\(name): \(interrupted)", status: 130)
    } catch {
      // --help and --version arrive here too, as errors that exit successfully.
      switch exitCode(for: error) {
      case .success:
        print(fullMessage(for: error))
        Foundation.exit(0)
      case .failure:
        fail("\(name): error: \(error)", status: 1)
      default:
        let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
        fail("\(name): \(message) (see --help)", status: 2)
      }
    }
  }

  private static func fail(_ line: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data((line + "\n").utf8))
    Foundation.exit(status)
  }
}
