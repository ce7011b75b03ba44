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

  public init() {}

  public func validate() throws {
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
      var command = try parseAsRoot(arguments)
      try command.run()
    } catch let error as ChapterError {
      fail("\(name): error: \(error)", status: 1)
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
