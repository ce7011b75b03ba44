/// Reverse-mode differentiation: walk the recorded graph from the output back to the leaves,
/// turning each node's output gradient into gradients of its inputs (the chain rule, one op at
/// a time), and add up the contributions that reach the same tensor.
extension Tensor {
  /// Computes ∂self/∂leaf for every leaf that requires grad and adds it to the leaf's `.grad`
  /// (`loss.backward()`).
  ///
  /// - Parameters:
  ///   - gradient: ∂L/∂self; may be omitted only when `self` has one element (it is then 1).
  ///   - retainGraph: keep the saved tensors so backward can run through this graph again.
  ///   - createGraph: record the backward pass itself, so the gradients can be differentiated
  ///     again (second derivatives, Hessian-vector products). Implies `retainGraph`.
  public func backward(gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) {
    let seed = Engine.seedGradient(for: self, gradient, op: "backward")
    _ = Engine.run(roots: [(self, seed)], captureFor: nil, retainGraph: retainGraph || createGraph, createGraph: createGraph)
  }
}

/// Gradients of `outputs` with respect to `inputs`, returned instead of added to `.grad`
/// (`torch.autograd.grad`). An input that does not influence the outputs gets nil.
public func grad(of outputs: [Tensor], with inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
                 retainGraph: Bool? = nil, createGraph: Bool = false) -> [Tensor?] {
  let seeds = outputs.indices.map { i in
    Engine.seedGradient(for: outputs[i], gradOutputs?[i] ?? nil, op: "grad")
  }
  for x in inputs where !x.requiresGrad {
    fatalError("grad: one of the inputs (shape \(x.shape)) does not require grad")
  }
  let captured = Engine.run(roots: Array(zip(outputs, seeds)), captureFor: inputs,
                            retainGraph: retainGraph ?? createGraph, createGraph: createGraph)
  return inputs.map { captured[ObjectIdentifier($0)] }
}

/// `grad(of: [output], with: inputs)` for one output.
public func grad(of output: Tensor, with inputs: [Tensor], gradOutput: Tensor? = nil,
                 retainGraph: Bool? = nil, createGraph: Bool = false) -> [Tensor?] {
  grad(of: [output], with: inputs, gradOutputs: [gradOutput], retainGraph: retainGraph, createGraph: createGraph)
}

enum Engine {
  /// The gradient backward starts from: the given one, or 1 for a one-element output.
  static func seedGradient(for output: Tensor, _ gradient: Tensor?, op: String) -> Tensor {
    guard output.requiresGrad else {
      fatalError("\(op): the tensor (shape \(output.shape)) does not require grad and has no gradFn; set requiresGrad on the leaves before computing it")
    }
    if let gradient {
      guard gradient.shape == output.shape else {
        fatalError("\(op): gradient shape \(gradient.shape) does not match output shape \(output.shape)")
      }
      return gradient
    }
    guard output.count == 1 else {
      fatalError("\(op): a gradient can be created implicitly only for a one-element output; this one has shape \(output.shape), so pass gradient: (∂L/∂output, same shape)")
    }
    return Tensor.ones(like: output)
  }

  /// Nodes reachable from `roots`, ordered so that every node comes before the nodes of its
  /// inputs: then, when a node is processed, all gradient contributions to it have arrived.
  /// Depth-first post-order, reversed; inputs are visited in order, so the order is deterministic.
  /// Nodes in `boundary` are included but not looked through.
  static func topologicalOrder(from roots: [Node], boundary: Set<ObjectIdentifier> = []) -> [Node] {
    var order: [Node] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(node: Node, nextInput: Int)] = []
    for root in roots where visited.insert(ObjectIdentifier(root)).inserted {
      stack.append((root, 0))
      while let (node, i) = stack.last {
        if i < node.next.count && !boundary.contains(ObjectIdentifier(node)) {
          stack[stack.count - 1].nextInput += 1
          if case .node(let child) = node.next[i], visited.insert(ObjectIdentifier(child)).inserted {
            stack.append((child, 0))
          }
        } else {
          order.append(node)
          stack.removeLast()
        }
      }
    }
    return order.reversed()
  }

  /// Where `leaf` stands among `node`'s inputs: leaves that become ready at the same node are
  /// delivered in input order, so hooks run in a deterministic order.
  static func leafOrderIndex(_ leaf: Tensor, _ node: Node) -> Int {
    node.next.firstIndex { if case .leaf(let l) = $0 { return l === leaf } else { return false } } ?? 0
  }

  /// Sums a gradient over the axes that broadcasting added or stretched, giving `shape`.
  static func sumToShape(_ g: Tensor, _ shape: [Int]) -> Tensor {
    if g.shape == shape { return g }
    let lead = g.rank - shape.count
    let axes = g.shape.indices.filter { $0 < lead || (shape[$0 - lead] == 1 && g.shape[$0] != 1) }
    return g.sum(axes: axes, keepDims: true).reshaped(shape)
  }

  /// Runs backward from `roots`. Gradients reaching `captureFor` tensors are returned instead of
  /// accumulated into leaves' `.grad`. With `stopAtCaptured`, the walk also ends there: nothing
  /// behind those tensors is visited, and no hooks run on them.
  static func run(roots: [(Tensor, Tensor)], captureFor: [Tensor]?, retainGraph: Bool, createGraph: Bool,
                  stopAtCaptured: Bool = false) -> [ObjectIdentifier: Tensor] {
    var captured: [ObjectIdentifier: Tensor] = [:]
    let captureIDs = Set((captureFor ?? []).map(ObjectIdentifier.init))
    let capturedByNode = Dictionary((captureFor ?? []).compactMap { t in t.gradFn.map { (ObjectIdentifier($0), t) } },
                                    uniquingKeysWith: { a, _ in a })
    var pending: [ObjectIdentifier: Tensor] = [:]

    func add(_ a: Tensor?, _ b: Tensor) -> Tensor { a.map { $0 + b } ?? b }

    // Gradients reaching leaves are summed over the whole pass first, so each leaf's hooks run
    // once, on the total (as PyTorch's do), and only then is the result stored or captured.
    var leafOrder: [Tensor] = []
    var leafTotals: [ObjectIdentifier: Tensor] = [:]
    func arriveAtLeaf(_ leaf: Tensor, _ g: Tensor) {
      let key = ObjectIdentifier(leaf)
      if leafTotals[key] == nil { leafOrder.append(leaf) }
      leafTotals[key] = add(leafTotals[key], g)
    }

    func deliverToLeaf(_ leaf: Tensor, _ total: Tensor) {
      if stopAtCaptured {
        if captureIDs.contains(ObjectIdentifier(leaf)) { captured[ObjectIdentifier(leaf)] = total }
        return
      }
      var g = total
      for hook in leaf.leafHooks { if let replaced = hook(g) { g = replaced } }
      if captureFor != nil {
        if captureIDs.contains(ObjectIdentifier(leaf)) { captured[ObjectIdentifier(leaf)] = g }
        return
      }
      if createGraph {
        leaf.grad = add(leaf.grad, g)
      } else if let existing = leaf.grad, !existing.requiresGrad {
        existing += g  // accumulate in place into the leaf's own gradient buffer
      } else if let existing = leaf.grad {
        leaf.grad = (existing + g).detached()
      } else {
        leaf.grad = g.detached().clone()  // an own copy: g may be shared with other leaves
      }
      for entry in leaf.postAccumulateHooks { entry.hook(leaf) }
    }

    // Backward never autocasts: each gradient is computed in the dtypes the forward pass used.
    Autocast.$dtype.withValue(nil) { GradMode.$enabled.withValue(createGraph) {
      var rootNodes: [Node] = []
      for (output, seed) in roots {
        if let node = output.gradFn {
          pending[ObjectIdentifier(node)] = add(pending[ObjectIdentifier(node)], seed)
          rootNodes.append(node)
        } else {
          arriveAtLeaf(output, seed)
        }
      }
      let boundary = stopAtCaptured ? Set(capturedByNode.keys) : []
      let order = topologicalOrder(from: rootNodes, boundary: boundary)
      // A leaf with post-accumulate hooks gets its gradient as soon as the last node that can
      // feed it has run, so its hooks run while backward continues (the others at the end).
      var readyAfter: [Int: [Tensor]] = [:]
      var delivered = Set<ObjectIdentifier>()
      if captureFor == nil && !stopAtCaptured {
        var lastUse: [ObjectIdentifier: (Int, Tensor)] = [:]
        for (k, node) in order.enumerated() {
          for case .leaf(let leaf) in node.next where !leaf.postAccumulateHooks.isEmpty { lastUse[ObjectIdentifier(leaf)] = (k, leaf) }
        }
        for (k, leaf) in lastUse.values { readyAfter[k, default: []].append(leaf) }
        for k in readyAfter.keys { readyAfter[k]!.sort { a, b in leafOrderIndex(a, order[k]) < leafOrderIndex(b, order[k]) } }
      }
      func deliverReady(after k: Int) {
        for leaf in readyAfter[k] ?? [] {
          guard let total = leafTotals[ObjectIdentifier(leaf)] else { continue }
          delivered.insert(ObjectIdentifier(leaf))
          deliverToLeaf(leaf, total)
        }
      }
      for (k, node) in order.enumerated() {
        defer { deliverReady(after: k); BackwardProgress.poll() }
        guard var g = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
        if boundary.contains(ObjectIdentifier(node)), let t = capturedByNode[ObjectIdentifier(node)] {
          captured[ObjectIdentifier(t)] = g
          continue
        }
        guard let backward = node.backward else {
          fatalError("backward: trying to go through the graph a second time at \(node.name): its saved tensors were freed after the first backward. Pass retainGraph: true to the first call if you need to go back through it again")
        }
        for (tensor, version) in node.saved where tensor.storage.version != version {
          fatalError("backward: a tensor of shape \(tensor.shape) that \(node.name) saved for the backward pass was modified by an in-place operation (version \(tensor.storage.version), expected \(version)). Use an out-of-place op (e.g. x = x + y instead of x += y) before it is used again")
        }
        for hook in node.hooks { if let replaced = hook(g) { g = replaced } }
        if let out = node.retainedOutput { out.grad = add(out.grad, g).detached() }
        if let t = capturedByNode[ObjectIdentifier(node)] { captured[ObjectIdentifier(t)] = add(captured[ObjectIdentifier(t)], g) }
        let inputGrads = backward(g)
        if !retainGraph {
          node.backward = nil
          node.saved = []
        }
        for (i, edge) in node.next.enumerated() {
          guard i < inputGrads.count, let raw = inputGrads[i] else { continue }
          var gi = sumToShape(raw, node.inputShapes[i])
          if gi.dtype != node.inputDTypes[i] && node.inputDTypes[i].isFloatingPoint { gi = gi.to(node.inputDTypes[i]) }
          guard gi.shape == node.inputShapes[i] else {
            fatalError("backward: \(node.name) returned a gradient of shape \(raw.shape) for an input of shape \(node.inputShapes[i])")
          }
          if GradMode.anomalyDetection { Anomaly.checkBackward(gi, node: node, input: i) }
          switch edge {
          case .node(let child): pending[ObjectIdentifier(child)] = add(pending[ObjectIdentifier(child)], gi)
          case .leaf(let leaf): arriveAtLeaf(leaf, gi)
          case .none: break
          }
        }
      }
      for leaf in leafOrder where !delivered.contains(ObjectIdentifier(leaf)) { deliverToLeaf(leaf, leafTotals[ObjectIdentifier(leaf)]!) }
    } }
    return captured
  }
}

extension Engine {
  /// ∂⟨output, gradient⟩/∂input for each of `inputs`, through the part of the graph between
  /// them only, recorded (as under `createGraph`) so the results can be differentiated again.
  /// A fused op whose backward is itself being recorded uses this to differentiate its op-by-op
  /// reference, recomputed from its inputs: the walk stops at those inputs, and the gradients
  /// it returns continue from there through the enclosing backward pass as usual.
  static func localGradients(of output: Tensor, gradient: Tensor, at inputs: [Tensor]) -> [Tensor?] {
    guard output.requiresGrad else { return inputs.map { _ in nil } }
    let wanted = inputs.filter(\.requiresGrad)
    let captured = run(roots: [(output, gradient)], captureFor: wanted, retainGraph: true, createGraph: true,
                       stopAtCaptured: true)
    // A tensor passed as two inputs gets its gradient once.
    var seen = Set<ObjectIdentifier>()
    return inputs.map { x in
      guard x.requiresGrad, seen.insert(ObjectIdentifier(x)).inserted else { return nil }
      return captured[ObjectIdentifier(x)]
    }
  }
}

/// NaN/∞ checks for `withAnomalyDetection`.
enum Anomaly {
  static func hasNonFinite(_ t: Tensor) -> Bool {
    guard t.dtype.isFloatingPoint else { return false }
    // The check's own ops run with detection off, or they would check themselves forever.
    return GradMode.$anomalyDetection.withValue(false) {
      withNoGrad { (t.abs() .== Double.infinity).sum().item() > 0 || (t .!= t).sum().item() > 0 }
    }
  }

  static func checkForward(_ t: Tensor, op: String) {
    if hasNonFinite(t) {
      fatalError("anomaly detection: the forward pass of \(op.replacingOccurrences(of: "Backward", with: "")) produced NaN or infinity (output shape \(t.shape))")
    }
  }

  static func checkBackward(_ g: Tensor, node: Node, input: Int) {
    if hasNonFinite(g) {
      fatalError("anomaly detection: \(node.name) returned NaN or infinity in the gradient of its input \(input) (shape \(g.shape))")
    }
  }
}
