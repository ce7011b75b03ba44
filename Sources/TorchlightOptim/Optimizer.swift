@_exported import Torchlight

/// What every optimizer does: hold parameters, clear their gradients, and update them
/// (`torch.optim.Optimizer`). Schedulers and checkpoints talk to optimizers through this protocol.
public protocol Optimizer: AnyObject {
  /// The tensors being trained, every group's in order.
  var parameters: [Tensor] { get }
  /// The learning rate of the first group; setting it sets every group's.
  var lr: Double { get set }
  /// One learning rate per parameter group; schedulers read and write these.
  var learningRates: [Double] { get set }
  /// Number of parameter groups.
  var groupCount: Int { get }
  /// Updates every parameter from its `.grad` (parameters without a gradient are skipped).
  func step()
  /// Hyperparameter `name` of group `group` by PyTorch's name (`"momentum"`, `"beta1"`,
  /// `"initial_lr"`…), or nil when the group has none (`param_groups[group][name]`).
  func hyperparameter(_ name: String, group: Int) -> Double?
  /// Sets hyperparameter `name` of group `group`; names the optimizer does not use (a
  /// scheduler's `"initial_lr"`) are kept beside the group and saved with it.
  func setHyperparameter(_ name: String, group: Int, to value: Double)
  /// The optimizer's state as named tensors (`state_dict()`): per-parameter buffers and step
  /// counts, and every group's hyperparameters. A snapshot: later steps do not change it.
  func stateDict() -> [(String, Tensor)]
  /// Restores a state saved by `stateDict()` (`load_state_dict`); on error nothing changes.
  func load(stateDict: [(String, Tensor)]) throws
}

extension Optimizer {
  /// Clears every parameter's gradient before the next backward pass (`zero_grad()`).
  ///
  /// With `setToNil` (the default, as in PyTorch) `.grad` becomes nil: no memory is touched and
  /// the next backward allocates a fresh gradient. With `setToNil: false` the existing gradient
  /// tensors are filled with zeros and the next backward adds into them.
  public func zeroGrad(setToNil: Bool = true) {
    for p in parameters {
      guard let g = p.grad else { continue }
      if setToNil {
        p.zeroGrad()
      } else if g.requiresGrad {                 // a gradient recorded with createGraph
        p.setGrad(Tensor.zeros(like: g))
      } else {
        withNoGrad { g.zero() }
      }
    }
  }
}

// MARK: - Parameter groups

/// One named hyperparameter of an optimizer's options, for state dicts and schedulers.
public enum Hyperparameter<Options> {
  case number(String, WritableKeyPath<Options, Double>)
  case flag(String, WritableKeyPath<Options, Bool>)

  var name: String {
    switch self {
    case .number(let name, _), .flag(let name, _): name
    }
  }
}

/// The hyperparameters of one optimizer, held once per parameter group (`SGD.Options`, …).
public protocol OptimizerOptions {
  var lr: Double { get set }
  /// Every hyperparameter with PyTorch's name (`"weight_decay"`; betas as `"beta1"`, `"beta2"`).
  static var hyperparameters: [Hyperparameter<Self>] { get }
}

/// What an optimizer remembers about one parameter: how many steps it took and its buffers
/// (momentum, running averages…), created on first use (`optimizer.state[p]`).
public final class ParameterState {
  /// Steps taken with a gradient (PyTorch's `state["step"]`).
  public var step = 0
  /// Buffers by PyTorch's names (`"momentum_buffer"`, `"exp_avg"`, `"exp_avg_sq"`, …). Adam and
  /// AdamW update theirs in place, as PyTorch does; the other optimizers store fresh tensors here
  /// each step (see `fused`). Read them again after a step rather than keeping an old reference,
  /// and clone one to keep a snapshot (`stateDict()` does).
  public var buffers: [String: Tensor] = [:]

  public init() {}

  /// The buffer `name`, created filled with `value` in the shape and dtype of `parameter` the
  /// first time it is asked for.
  public func buffer(_ name: String, like parameter: Tensor, filledWith value: Double = 0) -> Tensor {
    if let b = buffers[name] { return b }
    let b = value == 0 ? Tensor.zeros(like: parameter) : Tensor.full(like: parameter, value)
    buffers[name] = b
    return b
  }
}

/// Parameters that share hyperparameters (`param_groups[i]`): for example a pretrained backbone
/// with a small learning rate beside a new head with a larger one. Read and write the
/// hyperparameters directly: `optimizer.groups[0].lr = 1e-4`.
@dynamicMemberLookup
public struct ParameterGroup<Options: OptimizerOptions> {
  public let parameters: [Tensor]
  public var options: Options
  /// Values that other code keeps with the group, such as a scheduler's `"initial_lr"`.
  public var extras: [String: Double] = [:]
  /// Per-parameter state, aligned with `parameters`.
  public let state: [ParameterState]

  public init(parameters: [Tensor], options: Options) {
    self.parameters = parameters
    self.options = options
    self.state = parameters.map { _ in ParameterState() }
  }

  public subscript<T>(dynamicMember keyPath: WritableKeyPath<Options, T>) -> T {
    get { options[keyPath: keyPath] }
    set { options[keyPath: keyPath] = newValue }
  }
}

/// An optimizer built from parameter groups of one `Options` type. Every optimizer of this
/// module is one; the extension below gives them `parameters`, learning rates, hyperparameter
/// access, `addParamGroup` and state dicts, so each optimizer's file holds only its update rule.
public protocol GroupedOptimizer: Optimizer {
  associatedtype Options: OptimizerOptions
  /// The hyperparameters given to the initializer; `addParamGroup` starts from them.
  var defaults: Options { get }
  var groups: [ParameterGroup<Options>] { get set }
}

extension GroupedOptimizer {
  public var parameters: [Tensor] { groups.flatMap(\.parameters) }
  public var groupCount: Int { groups.count }

  public var lr: Double {
    get { groups.first?.options.lr ?? defaults.lr }
    set { for i in groups.indices { groups[i].options.lr = newValue } }
  }

  public var learningRates: [Double] {
    get { groups.map(\.options.lr) }
    set {
      precondition(newValue.count == groups.count,
                   "learningRates: got \(newValue.count) values for \(groups.count) parameter groups")
      for i in groups.indices { groups[i].options.lr = newValue[i] }
    }
  }

  /// Adds a group whose hyperparameters are the defaults changed by `configure`
  /// (`add_param_group`): `optimizer.addParamGroup(backbone.parameters()) { $0.lr = 1e-4 }`.
  public func addParamGroup(_ parameters: [Tensor], configure: (inout Options) -> Void = { _ in }) {
    var options = defaults
    configure(&options)
    let known = Set(self.parameters.map(ObjectIdentifier.init))
    precondition(parameters.allSatisfy { !known.contains(ObjectIdentifier($0)) },
                 "addParamGroup: some parameters already belong to another group of this optimizer")
    groups.append(ParameterGroup(parameters: parameters, options: options))
  }

  public func hyperparameter(_ name: String, group: Int) -> Double? {
    let g = groups[group]
    for h in Options.hyperparameters where h.name == name {
      switch h {
      case .number(_, let path): return g.options[keyPath: path]
      case .flag(_, let path): return g.options[keyPath: path] ? 1 : 0
      }
    }
    return g.extras[name]
  }

  public func setHyperparameter(_ name: String, group: Int, to value: Double) {
    for h in Options.hyperparameters where h.name == name {
      switch h {
      case .number(_, let path): groups[group].options[keyPath: path] = value
      case .flag(_, let path): groups[group].options[keyPath: path] = value != 0
      }
      return
    }
    groups[group].extras[name] = value
  }

  /// Calls `update(parameter, gradient, state, options)` under `withNoGrad` for every
  /// parameter that has a gradient, after counting the step in its state. A new optimizer
  /// conforming to `GroupedOptimizer` writes its `step()` with it.
  public func forEachParameter(_ update: (Tensor, Tensor, ParameterState, Options) -> Void) {
    withNoGrad {
      for group in groups {
        for (p, state) in zip(group.parameters, group.state) {
          guard let g = p.grad else { continue }
          state.step += 1
          update(p, g, state, group.options)
        }
      }
    }
  }

  /// Checks that no parameter is in two groups (PyTorch raises the same error).
  func checkDistinctParameters(_ name: String) {
    let all = parameters
    precondition(Set(all.map(ObjectIdentifier.init)).count == all.count,
                 "\(name): a parameter appears more than once in the parameter groups")
  }
}
