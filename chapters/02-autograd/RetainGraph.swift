import Torchlight

/// Whether every node of `output`'s graph has had its saved tensors freed.
func allNodesReleased(_ output: Tensor) -> Bool {
  var stack = output.gradFn.map { [$0] } ?? []
  while let node = stack.popLast() {
    if !node.isReleased { return false }
    stack += node.nextFunctions.compactMap { $0 }
  }
  return true
}

func sectionRetainGraph() {
  say("Each node keeps the tensors its backward needs (MulBackward keeps a and b). A plain")
  say("backward() frees them as soon as they are used, so memory does not grow with every step.")
  let e = Example()
  say("  before backward: y.gradFn.isReleased = \(e.y.gradFn!.isReleased)")
  e.y.backward()
  say("  after  backward: y.gradFn.isReleased = \(e.y.gradFn!.isReleased), every node released: \(allNodesReleased(e.y))")
  say("A second y.backward() now would stop the program with")
  say("  \"backward: trying to go through the graph a second time at MulBackward: its saved tensors")
  say("   were freed after the first backward. Pass retainGraph: true to the first call ...\"")
  say("so this chapter does not call it. Two ways out: pass retainGraph: true to the first call")
  say("(section 2), or, as every training loop does, run the forward pass again for a fresh graph:")
  let again = Example()
  again.y.backward()
  say("  fresh forward, backward: w.grad = \(value(again.w.grad)), isReleased = \(again.y.gradFn!.isReleased)")
}
