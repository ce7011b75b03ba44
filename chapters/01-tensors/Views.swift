import Torchlight

/// One storage, many views: a row, a column, a strided slice and a transpose of one 3×4 tensor.
func sectionViews() {
  let a = Tensor.arange(12).float().view(3, 4)
  say("a = arange(12).view(3, 4). Its elements live in one flat storage; shape and strides say how to read it.")
  show("a", a)
  show("a.layoutDescription", a.layoutDescription)
  let row = a[1], column = a[.all, 2], strided = a[.all, stride(from: 0, to: 4, by: 2)]
  for (name, v) in [("a[1] (a row)", row), ("a[.all, 2] (a column)", column), ("a[.all, stride(from: 0, to: 4, by: 2)] (every other column)", strided)] {
    show(name, v)
    say("    layout: shape \(v.shape), strides \(v.strides), offset \(v.offset); same storage as a? \(v.storage === a.storage) (id \(v.storageID))")
  }
  say("\nElement (i, j) of a view is storage[offset + i·strides[0] + j·strides[1]]. Check it for the column view, i = 2:")
  let position = column.offset + 2 * column.strides[0]
  let fromStorage = Tensor(storage: a.storage, shape: [a.storage.count], strides: [1])[position].item()
  say("    offset \(column.offset) + 2·\(column.strides[0]) = \(position); storage[\(position)] = \(fromStorage); column[2] = \(column[2].item())")
}
