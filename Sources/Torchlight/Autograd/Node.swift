/// One recorded op in the graph: how to turn the gradient of its output into gradients of its
/// inputs. PyTorch calls these `grad_fn` objects (`MulBackward`, `SumBackward`, …).
///
/// A node points backwards only, at the nodes (or leaves) of its inputs, so the graph is a DAG
/// hanging off the output: it lives exactly as long as some tensor made from it, and `backward`
/// frees the saved tensors once they are used.
public final class Node: @unchecked Sendable {
  /// Where a gradient goes next, one per input of the op.
  public enum Edge {
    /// The input was made by another op: continue at its node.
    case node(Node)
    /// The input is a leaf that requires grad: accumulate into its `.grad`.
    case leaf(Tensor)
    /// The input does not require grad: drop the gradient.
    case none
  }

  /// PyTorch-style name, e.g. `MulBackward`.
  public let name: String
  /// The next steps of the backward pass, one per input, in input order.
  public let next: [Edge]
  /// Shape of each input, to sum a broadcast gradient back to it.
  let inputShapes: [[Int]]
  /// Dtype of each input: a gradient arrives in its input's dtype (a float16 weight used in a
  /// float32 product gets a float16 gradient), as PyTorch's engine casts it.
  let inputDTypes: [DType]
  /// Shape of the output this node belongs to.
  public let outputShape: [Int]
  /// Maps the output gradient to one gradient per input (nil where none is needed). Dropped after
  /// a backward pass that does not retain the graph.
  var backward: ((Tensor) -> [Tensor?])?
  /// Tensors the backward closure reads, with their storage version when saved.
  var saved: [(tensor: Tensor, version: Int)]
  /// Hooks that may read or replace the gradient arriving at this node's output.
  var hooks: [(Tensor) -> Tensor?] = []
  /// The output tensor, while it lives; set only when it called `retainGrad()`.
  weak var retainedOutput: Tensor?

  init(name: String, next: [Edge], inputShapes: [[Int]], inputDTypes: [DType], outputShape: [Int], saved: [Tensor],
       backward: @escaping (Tensor) -> [Tensor?]) {
    self.name = name
    self.next = next
    self.inputShapes = inputShapes
    self.inputDTypes = inputDTypes
    self.outputShape = outputShape
    self.saved = saved.map { ($0, $0.storage.version) }
    self.backward = backward
  }

  /// The nodes this one feeds its gradients to (PyTorch's `next_functions`), leaves as nil.
  public var nextFunctions: [Node?] {
    next.map { if case .node(let n) = $0 { n } else { nil } }
  }

  /// True once a backward pass has freed this node's saved tensors.
  public var isReleased: Bool { backward == nil }
}

extension Tensor {
  /// Whether gradients are computed for this tensor. Only leaves may be switched, and only
  /// float tensors can require grad.
  public var requiresGrad: Bool {
    get { storedRequiresGrad || gradFn != nil }
    set {
      guard gradFn == nil else {
        fatalError("requiresGrad: only a leaf's flag can be changed; this tensor was made by \(gradFn!.name). Use .detached() to get a leaf")
      }
      guard !newValue || dtype.isFloatingPoint else {
        fatalError("requiresGrad: only float tensors can require gradients, this one is \(dtype)")
      }
      storedRequiresGrad = newValue
    }
  }

  /// Sets `requiresGrad` and returns the tensor, for chaining (`requires_grad_()`).
  @discardableResult
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    requiresGrad = flag
    return self
  }

  /// True for tensors not made by a recorded op: user-created tensors and parameters.
  public var isLeaf: Bool { gradFn == nil }

  /// A tensor on the same storage that is cut from the graph: no `gradFn`, no grad (`detach`).
  public func detached() -> Tensor { Tensor(storage: storage, shape: shape, strides: strides, offset: offset) }

  /// Clears the accumulated gradient (`x.grad = None`).
  public func zeroGrad() { grad = nil }

  /// Sets the gradient by hand (for example when loading an optimizer state).
  public func setGrad(_ g: Tensor?) {
    if let g, g.shape != shape {
      fatalError("setGrad: gradient shape \(g.shape) does not match tensor shape \(shape)")
    }
    grad = g
  }

  /// Also keep `.grad` on this non-leaf after backward (`retain_grad()`).
  public func retainGrad() {
    if let node = gradFn { node.retainedOutput = self }
  }

  /// Registers a hook called with this tensor's gradient during backward; returning a tensor
  /// replaces the gradient, returning nil keeps it (`register_hook`).
  public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) {
    guard requiresGrad else {
      fatalError("registerHook: cannot register a hook on a tensor that does not require grad")
    }
    if let node = gradFn { node.hooks.append(hook) } else { leafHooks.append(hook) }
  }

  /// Registers a hook that backward calls with this leaf once its gradient for the pass has
  /// been added to `.grad` (`register_post_accumulate_grad_hook`): right after the last node
  /// that feeds the leaf has run, while backward goes on through the rest of the graph. Data
  /// parallelism starts sending a gradient from here. Runs only when `backward()` writes
  /// `.grad`, not for `grad(of:with:)`. Returns an id for `removePostAccumulateGradHook(_:)`.
  @discardableResult
  public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) -> Void) -> Int {
    guard requiresGrad, gradFn == nil else {
      fatalError("registerPostAccumulateGradHook: the tensor (shape \(shape)) must be a leaf that requires grad, such as a parameter")
    }
    let id = (postAccumulateHooks.map(\.id).max() ?? 0) + 1
    postAccumulateHooks.append((id, hook))
    return id
  }

  /// Removes a hook registered by `registerPostAccumulateGradHook(_:)`.
  public func removePostAccumulateGradHook(_ id: Int) {
    postAccumulateHooks.removeAll { $0.id == id }
  }

  /// A forward output saved for backward, as backward should use it. A saved output carries no
  /// graph (that keeps the graph free of cycles), which is right for ordinary backward. But when
  /// backward itself is being recorded (`createGraph`), the output's dependence on the input must
  /// be seen, so it is recomputed from the input with `recompute`.
  public func savedOutput(orRecompute recompute: () -> Tensor) -> Tensor {
    GradMode.enabled ? recompute() : self
  }

  /// Attaches a backward node to this freshly computed result (this is how every op, and any op
  /// you write yourself, becomes differentiable: the analogue of `torch.autograd.Function`) when grad mode is on and some
  /// input requires grad. Returns a tensor on the same storage that carries the node; `self`
  /// stays node-free, so a backward closure may capture it without making a reference cycle.
  ///
  /// - Parameters:
  ///   - name: the node's name, e.g. `MulBackward`.
  ///   - inputs: the op's tensor inputs, in the order the closure returns their gradients.
  ///   - saving: tensors the closure reads, checked against in-place changes before backward.
  ///   - backward: maps ∂L/∂output to ∂L/∂input for each input; shapes that were broadcast may
  ///     be returned broadcast, the engine sums them back.
  public func recorded(_ name: String, inputs: [Tensor], saving: [Tensor] = [],
                backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    if GradMode.anomalyDetection { Anomaly.checkForward(self, op: name) }
    guard GradMode.enabled, dtype.isFloatingPoint, inputs.contains(where: \.requiresGrad) else { return self }
    let next: [Node.Edge] = inputs.map { input in
      if let node = input.gradFn { return .node(node) }
      return input.requiresGrad ? .leaf(input) : .none
    }
    let out = Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    out.gradFn = Node(name: name, next: next, inputShapes: inputs.map(\.shape), inputDTypes: inputs.map(\.dtype), outputShape: shape,
                      saved: saving, backward: backward)
    return out
  }
}
