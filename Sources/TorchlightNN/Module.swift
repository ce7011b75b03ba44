@_exported import Torchlight

/// The base of every layer and model, as `torch.nn.Module`.
///
/// Subclasses store their parameters as `Tensor` properties and their sublayers as `Module`
/// properties (or arrays of them), and override `forward`. Everything else is found by
/// reflection (`Mirror`): `namedParameters()` gives names such as `blocks.0.weight` without any
/// registration code, so a new layer cannot silently forget to expose a parameter.
///
/// Every `Tensor` property is a **parameter**: trained when it requires grad, frozen when not
/// (`w.requiresGrad = false` for fine-tuning), and counted either way. State that is saved with
/// the model but never trained, such as BatchNorm's running mean, goes in a `Buffer` property
/// (PyTorch's `register_buffer`).
open class Module {
  /// True in training mode (the default), false after `eval()`. Dropout and BatchNorm read it.
  public private(set) var isTraining = true
  /// Functions called after every `forward` of this module (see `registerForwardHook`).
  private var forwardHooks: [(id: Int, hook: (Module, Tensor, Tensor) -> Tensor?)] = []
  private var nextHookID = 0

  public init() {}

  /// The computation of this module. Subclasses override it.
  open func forward(_ input: Tensor) -> Tensor {
    fatalError("\(type(of: self)) must override forward(_:)")
  }

  /// `model(x)` runs `forward(x)`, then the forward hooks.
  public func callAsFunction(_ input: Tensor) -> Tensor {
    var output = forward(input)
    for (_, hook) in forwardHooks { if let replaced = hook(self, input, output) { output = replaced } }
    return output
  }

  /// Calls `hook(module, input, output)` after every forward pass of this module; returning a
  /// tensor replaces the output (`register_forward_hook`). Keep the handle to remove the hook.
  @discardableResult
  public func registerForwardHook(_ hook: @escaping (Module, Tensor, Tensor) -> Tensor?) -> HookHandle {
    let id = nextHookID
    nextHookID += 1
    forwardHooks.append((id, hook))
    return HookHandle { [weak self] in self?.forwardHooks.removeAll { $0.id == id } }
  }

  /// Calls `fn` on every submodule and then on this module (`apply`), e.g. to initialise weights.
  @discardableResult
  public func apply(_ fn: (Module) -> Void) -> Self {
    for child in children() { child.apply(fn) }
    fn(self)
    return self
  }

  /// Every module at any depth, this one first (`modules()`).
  public func modules() -> [Module] { namedModules().map(\.1) }

  /// The direct sublayers with their property names (`children()`); arrays give `name.0`, `name.1`.
  open func namedChildren() -> [(String, Module)] {
    var result: [(String, Module)] = []
    for child in Mirror(reflecting: self).allChildren {
      guard let label = child.label.map(Self.cleanLabel) else { continue }
      switch child.value {
      case let module as Module: result.append((label, module))
      case let modules as [Module]: result += modules.enumerated().map { ("\(label).\($0)", $1) }
      case let optional as Module?: if let m = optional { result.append((label, m)) }
      default: break
      }
    }
    return result
  }

  /// The parameters this module itself holds (not its children's), with their property names.
  open func namedLocalParameters() -> [(String, Tensor)] {
    var result: [(String, Tensor)] = []
    for child in Mirror(reflecting: self).allChildren {
      guard let label = child.label.map(Self.cleanLabel) else { continue }
      switch child.value {
      case let t as Tensor: result.append((label, t))
      case let ts as [Tensor]: result += ts.enumerated().map { ("\(label).\($0)", $1) }
      case let optional as Tensor?: if let t = optional { result.append((label, t)) }
      default: break
      }
    }
    return result
  }

  /// The buffers this module itself holds, with their property names.
  open func namedLocalBuffers() -> [(String, Tensor)] {
    Mirror(reflecting: self).allChildren.compactMap { child in
      guard let label = child.label.map(Self.cleanLabel), let buffer = child.value as? Buffer else { return nil }
      return (label, buffer.value)
    }
  }

  /// Every sublayer at any depth, with dotted names; this module first, named "".
  public func namedModules() -> [(String, Module)] {
    [("", self)] + namedChildren().flatMap { name, child in
      child.namedModules().map { sub, m in (sub.isEmpty ? name : "\(name).\(sub)", m) }
    }
  }

  /// Prefixes each local name with the module's dotted path.
  private func collect(_ local: (Module) -> [(String, Tensor)]) -> [(String, Tensor)] {
    namedModules().flatMap { prefix, m in local(m).map { (prefix.isEmpty ? $0 : "\(prefix).\($0)", $1) } }
  }

  /// Every parameter, trainable or frozen, with dotted names such as `blocks.0.weight`
  /// (`named_parameters()`), in a stable order.
  public func namedParameters() -> [(String, Tensor)] { collect { $0.namedLocalParameters() } }
  /// Every parameter (`parameters()`). Optimizers skip the ones that get no gradient.
  public func parameters() -> [Tensor] { namedParameters().map(\.1) }
  /// Buffers: saved with the model, never trained (`named_buffers()`).
  public func namedBuffers() -> [(String, Tensor)] { collect { $0.namedLocalBuffers() } }
  /// Parameters then buffers: everything a checkpoint holds.
  public func namedTensors() -> [(String, Tensor)] { namedParameters() + namedBuffers() }
  /// Direct sublayers (`children()`).
  public func children() -> [Module] { namedChildren().map(\.1) }

  /// Number of parameter scalars, frozen ones included.
  public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }
  /// Number of parameter scalars that require grad.
  public var trainableParameterCount: Int { parameters().filter(\.requiresGrad).reduce(0) { $0 + $1.count } }

  /// Switches this module and all its children to training mode.
  public func train(_ on: Bool = true) {
    for (_, m) in namedModules() { m.isTraining = on }
  }
  /// Switches to evaluation mode (`eval()`): dropout off, BatchNorm uses running statistics.
  public func eval() { train(false) }

  /// Clears the gradient of every parameter.
  public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

  /// Property wrappers appear in a Mirror as `_name`; lazy ones as `$__lazy_storage_$_name`.
  static func cleanLabel(_ label: String) -> String {
    if label.hasPrefix("$__lazy_storage_$_") { return String(label.dropFirst("$__lazy_storage_$_".count)) }
    return label.hasPrefix("_") ? String(label.dropFirst()) : label
  }
}

/// Removes a hook when `remove()` is called.
public final class HookHandle {
  private var removal: (() -> Void)?
  init(_ removal: @escaping () -> Void) { self.removal = removal }
  public func remove() { removal?(); removal = nil }
}

/// State a module saves but never trains, such as running statistics (`register_buffer`).
/// Replace `value` or write into it under `withNoGrad`.
public final class Buffer {
  public var value: Tensor
  public init(_ value: Tensor) { self.value = value }
}

extension Mirror {
  /// The children of this type and of all its superclasses, superclass first.
  var allChildren: [Mirror.Child] {
    (superclassMirror?.allChildren ?? []) + Array(children)
  }
}
