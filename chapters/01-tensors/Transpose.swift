import Torchlight

/// A transpose swaps two strides and copies nothing.
func sectionTranspose() {
  let a = Tensor.arange(6).float().view(2, 3)
  let t = a.t()
  show("a", a)
  show("a.layoutDescription", a.layoutDescription)
  show("a.t()", t)
  show("a.t().layoutDescription", t.layoutDescription)
  say("Same storage (\(t.storage === a.storage)), strides swapped \(a.strides) → \(t.strides). Reading t row by row")
  say("visits storage slots 0, 3, 1, 4, 2, 5: the elements are no longer in order, so t.isContiguous = \(t.isContiguous).")
}
