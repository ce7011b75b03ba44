/// The recorded graph behind a tensor as Graphviz DOT text: one box per backward node (named and
/// with its output shape), one ellipse per leaf that requires grad, a dashed grey ellipse per
/// input that needs no gradient (data, targets: the graph keeps only their shape), arrows in the
/// direction the forward computation ran. `dot -Tpng graph.dot -o graph.png` draws it.
///
/// - Parameter names: labels for leaves, e.g. `[x: "x", w: "w"]` by identity.
public func graphDOT(of output: Tensor, names: [ObjectIdentifier: String] = [:]) -> String {
  var lines = ["digraph autograd {", "  rankdir=BT;", "  node [fontname=\"Helvetica\", fontsize=11];"]
  guard let root = output.gradFn else {
    return (lines + ["  leaf [label=\"tensor \(output.shape) (no graph)\"];", "}"]).joined(separator: "\n")
  }
  var ids: [ObjectIdentifier: String] = [:]
  func id(_ object: AnyObject, prefix: String) -> String {
    let key = ObjectIdentifier(object)
    if let existing = ids[key] { return existing }
    let new = "\(prefix)\(ids.count)"
    ids[key] = new
    return new
  }
  let order = Engine.topologicalOrder(from: [root])
  for node in order {
    let n = id(node, prefix: "op")
    lines.append("  \(n) [shape=box, style=filled, fillcolor=\"#dfe9f7\", label=\"\(node.name)\\n\(node.outputShape)\"];")
  }
  var drawnLeaves = Set<ObjectIdentifier>(), constants = 0
  for node in order {
    let n = id(node, prefix: "op")
    for (i, edge) in node.next.enumerated() {
      switch edge {
      case .node(let child):
        lines.append("  \(id(child, prefix: "op")) -> \(n);")
      case .leaf(let leaf):
        let l = id(leaf, prefix: "leaf")
        if drawnLeaves.insert(ObjectIdentifier(leaf)).inserted {
          let name = names[ObjectIdentifier(leaf)].map { "\($0)\\n" } ?? ""
          lines.append("  \(l) [shape=ellipse, style=filled, fillcolor=\"#f7e7c6\", label=\"\(name)leaf \(leaf.shape)\"];")
        }
        lines.append("  \(l) -> \(n);")
      case .none:
        // An input that needs no gradient: nothing flows back to it, but it is part of the sum.
        let c = "const\(constants)"
        constants += 1
        let shape = i < node.inputShapes.count ? "\(node.inputShapes[i])" : ""
        lines.append("  \(c) [shape=ellipse, style=dashed, color=\"#888888\", fontcolor=\"#555555\", label=\"no grad\\n\(shape)\"];")
        lines.append("  \(c) -> \(n) [style=dashed, color=\"#888888\"];")
      }
    }
  }
  let out = "output"
  lines.append("  \(out) [shape=plaintext, label=\"output \(output.shape)\"];")
  lines.append("  \(id(root, prefix: "op")) -> \(out);")
  lines.append("}")
  return lines.joined(separator: "\n")
}
