import Torchlight

func sectionNoGrad() {
  let x = Tensor([1.0, 2.0, 3.0]).requiringGrad()
  say("Inside withNoGrad { } no op records itself, even on tensors that require grad: this is how")
  say("evaluation and parameter updates run without building graphs nobody will use.")
  let recorded = x * 2
  let unrecorded = withNoGrad { x * 2 }
  say("  x * 2                             → gradFn \(recorded.gradFn?.name ?? "nil"), requiresGrad \(recorded.requiresGrad)")
  say("  withNoGrad { x * 2 }              → gradFn \(unrecorded.gradFn?.name ?? "nil"), requiresGrad \(unrecorded.requiresGrad)")
  let inner = withNoGrad { withGrad { x * 2 } }
  say("  withNoGrad { withGrad { x * 2 } } → gradFn \(inner.gradFn?.name ?? "nil")   (withGrad switches it back on)")
  say("")
  say("detached() gives a tensor cut from the graph, on the same storage: no copy is made.")
  let y = x * 2
  let d = y.detached()
  say("  y = x * 2:        gradFn \(y.gradFn?.name ?? "nil"), storage \(y.storageID), values \(value(y))")
  say("  d = y.detached(): gradFn \(d.gradFn?.name ?? "nil"), isLeaf \(d.isLeaf), requiresGrad \(d.requiresGrad), storage \(d.storageID)")
  d.setElement(at: [0], 100)
  say("  d.setElement(at: [0], 100) → y = \(value(y))   (the write shows through y: shared storage)")
  say("Use detached() to log or plot a value, or to treat it as a constant in a further computation;")
  say("use clone() as well if you mean to change it.")
}
