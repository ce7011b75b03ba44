/// A state dict that does not fit the optimizer or scheduler it is loaded into, said in one line.
public struct OptimizerStateError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(_ description: String) { self.description = description }
}

/// Named tensors (as `Module.stateDict()` gives) can be saved to one safetensors file together:
/// `model.stateDict() + optimizer.stateDict().prefixed("optimizer.")`.
extension Array where Element == (String, Tensor) {
  /// The entries with `prefix` put before every name.
  public func prefixed(_ prefix: String) -> [(String, Tensor)] { map { (prefix + $0, $1) } }
  /// The entries whose name starts with `prefix`, with the prefix removed.
  public func entries(under prefix: String) -> [(String, Tensor)] {
    compactMap { $0.hasPrefix(prefix) ? (String($0.dropFirst(prefix.count)), $1) : nil }
  }
}

/// Scalars stored as 0-d tensors, so the whole state dict is one list of named tensors.
func scalar(_ value: Double) -> Tensor { Tensor.full([], value, dtype: .float64) }
func count(_ value: Int) -> Tensor { Tensor.full([], Double(value), dtype: .int64) }
func vector(_ values: [Double]) -> Tensor { Tensor(values, shape: [values.count], dtype: .float64) }

/// Reads a state dict by name, with errors that name the missing or malformed entry.
struct StateReader {
  let entries: [String: Tensor]
  let owner: String

  init(_ stateDict: [(String, Tensor)], owner: String) throws {
    var entries: [String: Tensor] = [:]
    for (name, t) in stateDict {
      guard entries.updateValue(t, forKey: name) == nil else {
        throw OptimizerStateError("\(owner): the state dict holds '\(name)' more than once")
      }
    }
    self.entries = entries
    self.owner = owner
  }

  func tensor(_ name: String) throws -> Tensor {
    guard let t = entries[name] else { throw OptimizerStateError("\(owner): the state dict has no '\(name)'") }
    return t
  }
  func double(_ name: String) throws -> Double {
    let t = try tensor(name)
    guard t.count == 1 else { throw OptimizerStateError("\(owner): '\(name)' should hold one number, has shape \(t.shape)") }
    return t.item()
  }
  func int(_ name: String) throws -> Int { Int(try double(name)) }
  func doubles(_ name: String, count n: Int) throws -> [Double] {
    let t = try tensor(name)
    guard t.shape == [n] else { throw OptimizerStateError("\(owner): '\(name)' should have shape [\(n)], has \(t.shape)") }
    return t.toDoubles()
  }
}

extension GroupedOptimizer {
  /// The state as named tensors, PyTorch's layout flattened (a snapshot: tensors are copies):
  /// - `state.<i>.step` and `state.<i>.<buffer>` for the i-th parameter (counting across groups)
  ///   once it has taken a step;
  /// - `param_groups.<g>.<name>` for every hyperparameter of group g (flags as 0 or 1), the
  ///   extras such as `initial_lr`, and `param_groups.<g>.params`, the indices of its parameters.
  /// Save it with the model: `SafeTensors.write(optimizer.stateDict(), to: path)`.
  public func stateDict() -> [(String, Tensor)] {
    var result: [(String, Tensor)] = []
    var index = 0
    for (g, group) in groups.enumerated() {
      let first = index
      for state in group.state {
        if state.step > 0 || !state.buffers.isEmpty {
          result.append(("state.\(index).step", count(state.step)))
          for name in state.buffers.keys.sorted() { result.append(("state.\(index).\(name)", state.buffers[name]!.clone())) }
        }
        index += 1
      }
      let prefix = "param_groups.\(g)."
      for h in Options.hyperparameters { result.append((prefix + h.name, scalar(hyperparameter(h.name, group: g)!))) }
      for name in group.extras.keys.sorted() { result.append((prefix + name, scalar(group.extras[name]!))) }
      result.append((prefix + "params", Tensor((first..<index).map { Int64($0) }, shape: [index - first])))
    }
    return result
  }

  /// Restores a state from `stateDict()` (`load_state_dict`): hyperparameters of every group,
  /// each parameter's step count and buffers (copied, in the dtype they were saved in). The groups
  /// must have as many parameters as when it was saved, with the same shapes. Everything is
  /// checked first: on error the optimizer is unchanged.
  public func load(stateDict: [(String, Tensor)]) throws {
    let owner = String(describing: type(of: self))
    let reader = try StateReader(stateDict, owner: owner)
    let flat = parameters
    // 1. Check the groups and collect their values.
    var groupValues: [[String: Double]] = []
    var index = 0
    for g in groups.indices {
      let prefix = "param_groups.\(g)."
      let params = try reader.tensor(prefix + "params").toDoubles().map { Int($0) }
      let expected = Array(index..<(index + groups[g].parameters.count))
      guard params == expected else {
        throw OptimizerStateError("\(owner): group \(g) was saved with \(params.count) parameters \(params), this optimizer's has \(expected.count) \(expected)")
      }
      index += expected.count
      var values: [String: Double] = [:]
      for (name, _) in stateDict where name.hasPrefix(prefix) && name != prefix + "params" {
        values[String(name.dropFirst(prefix.count))] = try reader.double(name)
      }
      groupValues.append(values)
    }
    if reader.entries.keys.contains("param_groups.\(groups.count).params") {
      throw OptimizerStateError("\(owner): the state dict has more than the \(groups.count) parameter groups of this optimizer")
    }
    // 2. Check the per-parameter state.
    var states: [Int: (step: Int, buffers: [String: Tensor])] = [:]
    for (name, t) in stateDict where name.hasPrefix("state.") {
      let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
      guard parts.count == 3, let i = Int(parts[1]), i >= 0, i < flat.count else {
        throw OptimizerStateError("\(owner): '\(name)' names no parameter (this optimizer has \(flat.count))")
      }
      var entry = states[i] ?? (0, [:])
      if parts[2] == "step" {
        entry.step = try reader.int(name)
      } else {
        guard t.shape == flat[i].shape || t.shape.isEmpty else {
          throw OptimizerStateError("\(owner): '\(name)' has shape \(t.shape), parameter \(i) has \(flat[i].shape)")
        }
        entry.buffers[parts[2]] = t
      }
      states[i] = entry
    }
    // 3. Apply.
    for g in groups.indices {
      groups[g].extras = [:]
      for (name, value) in groupValues[g] { setHyperparameter(name, group: g, to: value) }
    }
    var i = 0
    for group in groups {
      for state in group.state {
        state.step = states[i]?.step ?? 0
        state.buffers = (states[i]?.buffers ?? [:]).mapValues { $0.clone() }
        i += 1
      }
    }
  }
}
