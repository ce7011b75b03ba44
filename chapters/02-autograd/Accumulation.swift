import Torchlight

/// Two backward passes through one retained graph: the leaves' `.grad` values after each pass
/// and after `zeroGrad()`.
func accumulatedGradients() -> (first: Double, second: Double, cleared: Bool) {
  let e = Example()
  e.y.backward(retainGraph: true)
  let first = e.w.grad!.item()
  e.y.backward()
  let second = e.w.grad!.item()
  e.w.zeroGrad()
  return (first, second, e.w.grad == nil)
}

func sectionAccumulation() {
  say("backward() adds to .grad; it does not overwrite it. That is what lets a parameter used in")
  say("several places, or several losses, collect the sum of all contributions.")
  let e = Example()
  e.y.backward(retainGraph: true)
  say("  after the 1st y.backward(retainGraph: true): w.grad = \(value(e.w.grad)), x.grad = \(value(e.x.grad))")
  e.y.backward()
  say("  after the 2nd y.backward():                  w.grad = \(value(e.w.grad)), x.grad = \(value(e.x.grad))  (doubled)")
  e.w.zeroGrad()
  e.x.zeroGrad()
  say("  after w.zeroGrad(), x.zeroGrad():            w.grad = \(value(e.w.grad)), x.grad = \(value(e.x.grad))")
  say("A training loop therefore clears the gradients once per step (optimizer.zeroGrad()).")
}
