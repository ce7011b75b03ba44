import Torchlight

/// Writing through a view changes the shared storage, so every view sees it.
func sectionInPlace() {
  let a = Tensor.zeros([3, 4])
  let row = a[1], column = a[.all, 2], t = a.t()
  say("a = zeros([3, 4]); row = a[1]; column = a[.all, 2]; t = a.t(). Storage version: \(a.storage.version)")
  row += 1
  say("row += 1 → storage version \(a.storage.version)")
  column.fill(5)
  say("column.fill(5) → storage version \(a.storage.version)")
  t[0, 2] = Tensor(-1.0)
  say("t[0, 2] = Tensor(-1.0) (that is a[2, 0]) → storage version \(a.storage.version)")
  show("a now", a)
  show("and t, the transpose, agrees", t)
  say("Autograd uses this version counter to notice a tensor it saved being changed behind its back.")
}
