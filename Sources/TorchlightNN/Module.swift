@_exported import Torchlight

/// The base of every layer and model, as `torch.nn.Module`.
///
/// Subclasses store their parameters as `Tensor` properties and their sublayers as `Module`
/// properties (or arrays of them), and override `forward`. Everything else is found by
/// reflection (`Mirror`): `namedParameters()` gives names such as `layers.0.weight` without any
/// registration code, so a new layer cannot silently forget to expose a parameter.
///
/// A `Tensor` property that requires grad is a parameter; one that does not is a buffer (state
/// that is saved but not trained, such as BatchNorm's running mean).
open class Module {
  /// True in training mode (the default), false after `eval()`. Dropout and BatchNorm read it.
  public private(set) var isTraining = true

  public init() {}

  /// The computation of this module. Subclasses override it.
  open func forward(_ input: Tensor) -> Tensor {
    fatalError("\(type(of: self)) must override forward(_:)")
  }

  /// `model(x)` runs `forward(x)`.
  public func callAsFunction(_ input: Tensor) -> Tensor { forward(input) }

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

  /// The tensors this module itself holds (not its children's), with their property names.
  open func namedLocalTensors() -> [(String, Tensor)] {
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

  /// Every sublayer at any depth, with dotted names; this module first, named "".
  public func namedModules() -> [(String, Module)] {
    [("", self)] + namedChildren().flatMap { name, child in
      child.namedModules().map { sub, m in (sub.isEmpty ? name : "\(name).\(sub)", m) }
    }
  }

  /// Every tensor of this module and its children, with dotted names.
  public func namedTensors() -> [(String, Tensor)] {
    namedModules().flatMap { prefix, m in
      m.namedLocalTensors().map { (prefix.isEmpty ? $0 : "\(prefix).\($0)", $1) }
    }
  }

  /// Trainable tensors with dotted names, e.g. `layers.0.weight` (`named_parameters()`).
  public func namedParameters() -> [(String, Tensor)] { namedTensors().filter { $0.1.requiresGrad } }
  /// Trainable tensors (`parameters()`), in a stable order.
  public func parameters() -> [Tensor] { namedParameters().map(\.1) }
  /// Saved but untrained tensors, e.g. running statistics (`named_buffers()`).
  public func namedBuffers() -> [(String, Tensor)] { namedTensors().filter { !$0.1.requiresGrad } }
  /// Direct sublayers (`children()`).
  public func children() -> [Module] { namedChildren().map(\.1) }

  /// Number of trainable scalars.
  public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

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

extension Mirror {
  /// The children of this type and of all its superclasses, superclass first.
  var allChildren: [Mirror.Child] {
    (superclassMirror?.allChildren ?? []) + Array(children)
  }
}
