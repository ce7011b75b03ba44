/// A problem saving or loading a checkpoint, said in one line that names the file (when there is
/// one) and the offending tensor. Loading that throws leaves the model exactly as it was.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
  /// What kind of problem, for code that wants to react to one kind (tests, retries).
  public enum Kind: Sendable, Equatable {
    /// The file could not be read or written (missing, no permission, no such folder).
    case io
    /// The file is not a valid safetensors file: too short, bad header, bad offsets, truncated,
    /// or a tensor whose bytes do not match the SHA-256 checksum saved with them.
    case corrupt
    /// The file is valid but holds a dtype Torchlight has no tensors for (F16, I32, …).
    case unsupportedDType
    /// Names to save are not usable (two tensors with one name, the reserved `__metadata__`, or a
    /// metadata key starting with `sha256:`, which holds checksums).
    case invalidName
    /// `strict` loading found keys the model lacks, or model tensors the checkpoint lacks.
    case keyMismatch
    /// A tensor has another shape in the checkpoint than in the model.
    case shapeMismatch
    /// A tensor has another dtype in the checkpoint than in the model.
    case dtypeMismatch
  }

  public let kind: Kind
  public let description: String

  public init(_ kind: Kind, _ description: String) {
    self.kind = kind
    self.description = description
  }
}

/// The keys that a non-strict `load(stateDict:strict:)` skipped (`_IncompatibleKeys`).
public struct IncompatibleKeys: Equatable, Sendable {
  /// Tensors of the model that the state dict did not hold; they keep their values.
  public let missing: [String]
  /// Entries of the state dict that name no tensor of the model; they were ignored.
  public let unexpected: [String]
  /// True when every key matched.
  public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty }
}

extension Module {
  /// Every parameter and buffer by name, parameters first, in `namedTensors()` order
  /// (`state_dict()`).
  ///
  /// As in PyTorch, the entries are **live**: each is a detached view of the module's own
  /// storage (no autograd history, `requiresGrad` false), so it copies nothing, and a later
  /// optimizer step or `load` changes the values seen through it. To keep a snapshot (the best
  /// model so far, say), clone them: `model.stateDict().map { ($0, $1.clone()) }`.
  public func stateDict() -> [(String, Tensor)] {
    namedTensors().map { ($0, $1.detached()) }
  }

  /// Copies the values of `stateDict` into this module's existing tensors (`load_state_dict`).
  ///
  /// Every check runs before anything is copied, so on any error the module is left unchanged:
  /// - each name may appear only once in `stateDict`;
  /// - with `strict` (the default), the names must be exactly the module's: missing and
  ///   unexpected keys are an error listing them. Without it, they are skipped and returned;
  /// - every tensor that is loaded must have the shape and dtype the module has (no silent
  ///   conversion: a float64 checkpoint into a float32 model is a mistake worth hearing about).
  /// The copies run under `withNoGrad`, write into the tensors the module already holds (an
  /// optimizer holding them keeps working), and bump their version counters.
  @discardableResult
  public func load(stateDict: [(String, Tensor)], strict: Bool = true) throws -> IncompatibleKeys {
    try load(stateDict: stateDict, strict: strict, source: nil)
  }

  /// `load(stateDict:strict:)` whose error messages start with `source` (a file name).
  func load(stateDict: [(String, Tensor)], strict: Bool, source: String?) throws -> IncompatibleKeys {
    let prefix = source.map { "\($0): " } ?? ""

    // 1. Look at everything.
    var given: [String: Tensor] = [:]
    for (name, tensor) in stateDict {
      guard given.updateValue(tensor, forKey: name) == nil else {
        throw CheckpointError(.invalidName, "\(prefix)the state dict holds '\(name)' more than once")
      }
    }
    let own = namedTensors()
    let ownNames = Set(own.map(\.0))
    let missing = own.map(\.0).filter { given[$0] == nil }
    let unexpected = stateDict.map(\.0).filter { !ownNames.contains($0) }
    if strict && !(missing.isEmpty && unexpected.isEmpty) {
      var parts: [String] = []
      if !missing.isEmpty { parts.append("missing keys \(Self.listed(missing))") }
      if !unexpected.isEmpty { parts.append("unexpected keys \(Self.listed(unexpected))") }
      throw CheckpointError(.keyMismatch, "\(prefix)state dict does not match \(type(of: self)): "
        + parts.joined(separator: "; ") + " (load with strict: false to skip them)")
    }
    var pairs: [(target: Tensor, source: Tensor)] = []
    for (name, target) in own {
      guard let source = given[name] else { continue }
      guard source.shape == target.shape else {
        throw CheckpointError(.shapeMismatch, "\(prefix)tensor '\(name)' has shape \(source.shape) in the state dict, but \(target.shape) in the model")
      }
      guard source.dtype == target.dtype else {
        throw CheckpointError(.dtypeMismatch, "\(prefix)tensor '\(name)' is \(source.dtype) in the state dict, but \(target.dtype) in the model; convert it with .to(.\(target.dtype)) first")
      }
      pairs.append((target, source))
    }

    // 2. Only now change the model.
    withNoGrad {
      for (target, source) in pairs { target.copy(from: source) }
    }
    return IncompatibleKeys(missing: missing, unexpected: unexpected)
  }

  /// Quoted names, at most eight of them, for one-line messages.
  static func listed(_ names: [String]) -> String {
    let shown = names.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
    return names.count > 8 ? "\(shown) and \(names.count - 8) more" : shown
  }

  /// Writes every parameter and buffer to a safetensors file at `path`, atomically: the file is
  /// either the complete new checkpoint or, if anything fails, whatever was there before.
  /// The folder must exist.
  public func save(to path: String, metadata: [String: String] = [:]) throws {
    try SafeTensors.write(stateDict(), to: path, metadata: metadata)
  }

  /// Reads a safetensors file and loads it with `load(stateDict:strict:)`. A missing, corrupt,
  /// truncated or mismatched file throws a `CheckpointError` naming the file and leaves the
  /// module unchanged.
  @discardableResult
  public func load(from path: String, strict: Bool = true) throws -> IncompatibleKeys {
    let tensors = try SafeTensors.read(path)
    return try load(stateDict: tensors, strict: strict, source: path)
  }
}
