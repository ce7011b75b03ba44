import Torchlight

/// Broadcasting: align shapes on the right; sizes must match or be 1; size-1 axes repeat.
func sectionBroadcasting() {
  let column = Tensor([[0.0], [10.0], [20.0]])     // [3, 1]
  let row = Tensor([[1.0, 2.0, 3.0, 4.0]])         // [1, 4]
  say("Shapes \(column.shape) and \(row.shape): aligned from the right, each pair is equal or has a 1,")
  say("so both stretch to [3, 4]:")
  show("column + row", column + row)
  let stretched = column.expanded(3, 4)
  say("The stretch copies nothing: column.expanded(3, 4) reads each value four times through stride 0.")
  show("column.expanded(3, 4).layoutDescription", stretched.layoutDescription)
  say("Shapes [2, 3] and [4] cannot broadcast: the last sizes are 3 and 4 and neither is 1.")
  say("Adding them stops with: add: shapes [2, 3] and [4] cannot be broadcast together (axis -1 has sizes 3 and 4; ...)")
}
