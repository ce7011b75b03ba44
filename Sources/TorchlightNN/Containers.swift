/// Runs layers one after another (`nn.Sequential`). As in PyTorch, the layers are named by their
/// position: parameters `0.weight`, `0.bias`, `2.weight`, …, so a state dict moves between the
/// two by name. `layers` may be changed: replace a layer (a new head for fine-tuning), append, remove.
public final class Sequential: Module {
  public var layers: [Module]

  public init(_ layers: [Module]) { self.layers = layers }
  public convenience init(_ layers: Module...) { self.init(layers) }

  public override func namedChildren() -> [(String, Module)] { layers.enumerated().map { ("\($0)", $1) } }

  public override func forward(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }

  public func append(_ layer: Module) { layers.append(layer) }
}

/// A list of submodules that are registered (their parameters are found) but not run in any
/// fixed order: `forward` is yours to write (`nn.ModuleList`). Children are named `0`, `1`, ….
public final class ModuleList: Module {
  public private(set) var modules: [Module]

  public init(_ modules: [Module] = []) { self.modules = modules }

  public var count: Int { modules.count }
  public subscript(index: Int) -> Module {
    get { modules[index] }
    set { modules[index] = newValue }
  }
  public func append(_ module: Module) { modules.append(module) }
  public func insert(_ module: Module, at index: Int) { modules.insert(module, at: index) }
  @discardableResult public func remove(at index: Int) -> Module { modules.remove(at: index) }

  public override func namedChildren() -> [(String, Module)] { modules.enumerated().map { ("\($0)", $1) } }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("ModuleList has no forward of its own: loop over its modules in your module's forward")
  }
}

/// Submodules by name, in insertion order (`nn.ModuleDict`). Children are named by their keys.
public final class ModuleDict: Module {
  public private(set) var keys: [String] = []
  private var storage: [String: Module] = [:]

  public init(_ pairs: KeyValuePairs<String, Module> = [:]) {
    super.init()
    for (k, m) in pairs { self[k] = m }
  }

  /// Reads, adds, replaces (keeping its place) or, with nil, removes a submodule.
  public subscript(key: String) -> Module? {
    get { storage[key] }
    set {
      if let newValue {
        if storage[key] == nil { keys.append(key) }
        storage[key] = newValue
      } else if storage.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  public var count: Int { keys.count }

  public override func namedChildren() -> [(String, Module)] { keys.map { ($0, storage[$0]!) } }

  public override func forward(_ input: Tensor) -> Tensor {
    fatalError("ModuleDict has no forward of its own: pick its modules by name in your module's forward")
  }
}
