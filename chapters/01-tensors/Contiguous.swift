import Torchlight

/// `contiguous()` returns the tensor itself when it is already laid out row by row.
func sectionContiguous() {
  let a = Tensor.arange(6).float().view(2, 3)
  let same = a.contiguous()
  say("a is contiguous: a.contiguous() === a? \(same === a) (nothing copied)")
  let t = a.t()
  let copied = t.contiguous()
  say("a.t() is not: a.t().contiguous() shares a's storage? \(copied.storage === a.storage) (a fresh row-major copy)")
  show("a.t().contiguous().layoutDescription", copied.layoutDescription)
}
