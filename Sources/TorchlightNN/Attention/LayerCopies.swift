/// Deep copies of layers, for the Transformer stacks, which (as PyTorch's `_get_clones`) start
/// from N copies of one layer.
extension Module {
  /// Copies every parameter and buffer of `other`, a module of the same structure, into this
  /// one, and takes its training mode: a deep copy, as PyTorch's `copy.deepcopy` of a layer.
  func copyValues(from other: Module) {
    let mine = namedTensors(), theirs = other.namedTensors()
    precondition(mine.map(\.0) == theirs.map(\.0) && zip(mine, theirs).allSatisfy { $0.1.shape == $1.1.shape },
                 "copyValues: \(type(of: self)) and \(type(of: other)) differ in their parameters")
    withNoGrad { for ((_, mine), (_, theirs)) in zip(mine, theirs) { mine.copy(from: theirs) } }
    train(other.isTraining)
  }
}
