import Torchlight

/// The running example: x = 2, w = 3, a = x + w, b = w + 1, y = a·b.
struct Example {
  let x, w, a, b, y: Tensor

  /// Records the graph anew (leaves are fresh tensors each time).
  init(x xValue: Double = 2, w wValue: Double = 3) {
    x = Tensor(xValue).requiringGrad()
    w = Tensor(wValue).requiringGrad()
    a = x + w
    b = w + 1
    y = a * b
  }

  /// Leaf labels for printing and for `graphDOT(of:names:)`.
  var names: [ObjectIdentifier: String] { [ObjectIdentifier(x): "x", ObjectIdentifier(w): "w"] }

  /// By hand: ∂y/∂x = b, ∂y/∂w = b + a (w reaches y along two paths, and the two add).
  var handGradients: (x: Double, w: Double) {
    let (av, bv) = (a.item(), b.item())
    return (bv, bv + av)
  }
}

/// The recorded graph as an indented tree, from the output's `gradFn` back to the leaves, by
/// following each node's edges (one per input of the op).
func graphTree(of output: Tensor, names: [ObjectIdentifier: String]) -> [String] {
  guard let root = output.gradFn else { return ["(no gradFn: \(output.isLeaf ? "a leaf" : "not recorded"))"] }
  var lines = ["\(root.name)   output shape \(root.outputShape)"]
  func visit(_ node: Node, _ prefix: String) {
    for (i, edge) in node.next.enumerated() {
      let last = i == node.next.count - 1
      let branch = prefix + (last ? "└─ " : "├─ ")
      let deeper = prefix + (last ? "   " : "│  ")
      switch edge {
      case .node(let child):
        lines.append(branch + child.name)
        visit(child, deeper)
      case .leaf(let leaf):
        let name = names[ObjectIdentifier(leaf)] ?? "leaf"
        lines.append(branch + "\(name) = \(value(leaf))   isLeaf \(leaf.isLeaf), requiresGrad \(leaf.requiresGrad): its .grad is filled")
      case .none:
        lines.append(branch + "constant   requiresGrad false: no gradient goes here")
      }
    }
  }
  visit(root, "")
  return lines
}

func sectionGraph() {
  let e = Example()
  say("Every op on a tensor that requires grad records a node: the function that will turn the")
  say("gradient of its output into gradients of its inputs. With x = 2 and w = 3:")
  say("  a = x + w = \(value(e.a)),  b = w + 1 = \(value(e.b)),  y = a·b = \(value(e.y))")
  say("")
  say("Flags of each tensor:")
  for (name, t) in [("x", e.x), ("w", e.w), ("a", e.a), ("b", e.b), ("y", e.y)] {
    say("  \(name): isLeaf \(t.isLeaf), requiresGrad \(t.requiresGrad), gradFn \(t.gradFn?.name ?? "nil")")
  }
  say("")
  say("Walking back from y.gradFn through each node's inputs:")
  for line in graphTree(of: e.y, names: e.names) { say("  " + line) }
  say("y.gradFn.nextFunctions = \(e.y.gradFn!.nextFunctions.map { $0?.name ?? "nil" })  (nil marks a leaf or a constant)")
  say("")
  e.y.backward()
  let hand = e.handGradients
  say("y.backward() runs the chain rule from y back to the leaves and fills .grad:")
  say("  x.grad = \(value(e.x.grad))   by hand ∂y/∂x = b     = \(formatted(hand.x))")
  say("  w.grad = \(value(e.w.grad))   by hand ∂y/∂w = b + a = \(formatted(hand.w))")
  say("  a.grad = \(value(e.a.grad))   (a is not a leaf: its gradient is used on the way, then dropped)")
}
