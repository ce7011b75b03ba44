import Foundation
import TorchlightNN

/// A run's checkpoint: one safetensors file, `checkpoint.safetensors` in the output folder,
/// rewritten atomically (temporary file, fsync, rename) at every checkpoint, so it always holds
/// the last complete state and never a torn one; when a write fails (a full disk), the previous
/// file stays and training goes on.
///
/// It holds a state for each model the run has trained through `fit` or a `TrainingRun` so far (a chapter may train
/// several in turn), under the model's name: `concise/model.1.weight`, `concise/optimizer.…`,
/// `concise/rng.global`, `concise/fit.history`, … (see `FitState`). Its `__metadata__` names the
/// chapter and records the options the run was started with, so a resume with other options or
/// another chapter's file is refused before anything trains.
public final class CheckpointStore {
  static let fileName = "checkpoint.safetensors"
  static let format = "torchlight-training-checkpoint/1"

  /// Where this run writes.
  public let path: String
  /// Epochs between checkpoints (each model's last epoch is always saved).
  public let every: Int
  let chapter: String
  let recipe: [String: String]
  /// Each model's latest state, in the order the models started training.
  private var states: [(key: String, tensors: [(String, Tensor)])] = []
  /// The states read by `resume(from:)`, by model.
  private var resumed: [String: [(String, Tensor)]] = [:]
  private var keysInUse: Set<String> = []

  public init(path: String, every: Int, chapter: String, recipe: [String: String]) {
    self.path = path
    self.every = every
    self.chapter = chapter
    self.recipe = recipe
  }

  /// Reads the checkpoint at `file`, after checking that it is one of ours, of this chapter, and
  /// written with the same options. Throws a one-line `ChapterError`; the file is only read.
  public func resume(from file: String) throws {
    guard FileManager.default.fileExists(atPath: file) else {
      throw ChapterError("no checkpoint at \(file): run without --resume to start training (checkpoints are written every --checkpoint-every N epochs)")
    }
    let contents: (tensors: [(String, Tensor)], metadata: [String: String])
    do {
      contents = try SafeTensors.readWithMetadata(file)
    } catch let error as CheckpointError {
      throw ChapterError("cannot resume: \(error.description); run without --resume to start over")
    }
    let meta = contents.metadata
    guard meta["format"] == Self.format, let models = Self.decodeJSON(meta["models"]) as? [String],
          let saved = Self.decodeJSON(meta["options"]) as? [String: String] else {
      throw ChapterError("cannot resume: \(file) is a safetensors file but not a Torchlight training checkpoint (no \(Self.format) metadata)")
    }
    guard meta["chapter"] == chapter else {
      throw ChapterError("cannot resume: \(file) is a checkpoint of chapter \(meta["chapter"] ?? "?"), not \(chapter)")
    }
    let differing = Set(saved.keys).union(recipe.keys).filter { saved[$0] != recipe[$0] }.sorted()
    guard differing.isEmpty else {
      let was = differing.map { "\($0) \(saved[$0] ?? "(not given)")" }.joined(separator: ", ")
      let now = differing.map { "\($0) \(recipe[$0] ?? "(not given)")" }.joined(separator: ", ")
      throw ChapterError("cannot resume: \(file) was written with \(was), this run has \(now); give the checkpoint's options, or start over without --resume")
    }
    for key in models {
      resumed[key] = contents.tensors.entries(under: key + "/")
      states.append((key, resumed[key]!))
    }
  }

  /// The name a model's state is kept under: its log's model name (or the chapter's), with a
  /// number added if the run trains a second model of that name.
  func key(for log: TrainingLog) -> String { key(for: log.model ?? log.chapter) }

  /// `key(for:)` of a run named `base` (a loop without a log).
  func key(for base: String) -> String {
    var key = base, n = 2
    while keysInUse.contains(key) { key = "\(base)-\(n)"; n += 1 }
    keysInUse.insert(key)
    return key
  }

  /// The state of `key` read from the resumed checkpoint, if it has one.
  func resumedState(_ key: String) -> [(String, Tensor)]? { resumed[key] }

  /// Replaces the state of `key` (copies of `tensors`) and rewrites the file with every model's
  /// state. Returns the file's size; throws a `CheckpointError` when the write fails, in which
  /// case the file on disk is the previous checkpoint, untouched.
  @discardableResult
  func save(_ key: String, _ tensors: [(String, Tensor)]) throws -> Int {
    let copies = withNoGrad { tensors.map { ($0, $1.clone()) } }
    if let i = states.firstIndex(where: { $0.key == key }) { states[i].tensors = copies } else { states.append((key, copies)) }
    let metadata = ["format": Self.format, "chapter": chapter,
                    "models": Self.encodeJSON(states.map(\.key)), "options": Self.encodeJSON(recipe)]
    let data = try SafeTensors.encode(states.flatMap { state in state.tensors.prefixed(state.key + "/") }, metadata: metadata, name: path)
    try SafeTensors.write(data: data, to: path)
    return data.count
  }

  /// Writes `key`'s state. A failed write (full disk, file-size limit) prints one line and
  /// returns false, and training goes on: the file still holds the previous checkpoint.
  /// `verbose` prints each write's size and time.
  @discardableResult
  func write(_ key: String, _ tensors: [(String, Tensor)], verbose: Bool) -> Bool {
    let start = Date()
    do {
      let bytes = try save(key, tensors)
      if verbose {
        print(String(format: "  checkpoint: %.1f MB written to %@ in %.3f s", Double(bytes) / 1e6, path, Date().timeIntervalSince(start)))
      }
      return true
    } catch {
      print("warning: the checkpoint could not be written (\(error)); \(path) still holds the previous one")
      return false
    }
  }

  /// The error that ends a run after Ctrl-C (status 130), once `written` says whether its
  /// checkpoint was saved.
  func interruption(written: Bool) -> Error {
    written ? TrainingInterrupted(checkpoint: path)
      : ChapterError("interrupted, and the checkpoint could not be written: \(path) holds the previous one, if any")
  }

  static func encodeJSON(_ value: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  static func decodeJSON(_ text: String?) -> Any? {
    text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) }
  }
}
