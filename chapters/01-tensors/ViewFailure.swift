import Torchlight

/// `view` must not copy, so it fails when no strides can describe the new shape.
func sectionViewFailure() {
  let a = Tensor.arange(6).float().view(2, 3)
  let t = a.t()
  say("view(6) on a contiguous tensor just sets shape [6], strides [1]:")
  show("a.view(6).layoutDescription", a.view(6).layoutDescription)
  say("On t = a.t() the six elements are at slots 0, 3, 1, 4, 2, 5 of storage: no single stride walks")
  say("them in that order, so t.view(6) cannot exist. The engine's check says so:")
  let strides = Layout.viewStrides(shape: t.shape, strides: t.strides, newShape: [6])
  say("    Layout.viewStrides(shape: \(t.shape), strides: \(t.strides), newShape: [6]) = \(strides.map { "\($0)" } ?? "nil")")
  say("(calling t.view(6) stops the program with a message suggesting the fixes below)")
  let reshaped = t.reshaped(6)
  show("t.reshaped(6): copies when it must", reshaped)
  say("    shares t's storage? \(reshaped.storage === t.storage)")
  let viewed = t.contiguous().view(6)
  show("t.contiguous().view(6): copy first, then view", viewed)
  let flatOfA = a.reshaped(3, 2)
  say("a.reshaped(3, 2) on the contiguous a is a view: shares a's storage? \(flatOfA.storage === a.storage)")
}
