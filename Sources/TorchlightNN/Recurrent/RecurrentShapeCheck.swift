/// The shape checks of the recurrent modules, as functions that return the message (or nil when
/// the shapes fit), so tests can read the exact text; `forward` stops with it.
extension RNNBase {
  /// What is wrong with an input (and initial states) of these shapes, or nil when they fit.
  /// The message names the layer and both shapes involved.
  public func shapeProblem(input: [Int], hidden: [Int]? = nil, cell: [Int]? = nil) -> String? {
    let name = layerDescription
    let timeAxis = batchFirst ? "[B, T, \(inputSize)]" : "[T, B, \(inputSize)]"
    guard input.count == 3 || input.count == 2 else {
      return "\(name): expected input \(timeAxis) (or [T, \(inputSize)] unbatched), got shape \(input)"
    }
    guard input.last == inputSize else {
      return "\(name): input of shape \(input) has \(input.last!) features in its last axis, expected inputSize \(inputSize)"
    }
    let unbatched = input.count == 2
    let steps = unbatched ? input[0] : input[batchFirst ? 1 : 0]
    guard steps > 0 else { return "\(name): input of shape \(input) has no time steps" }
    if mode != .lstm, let cell {
      return "\(name): only an LSTM has a cell state, got one of shape \(cell) for input \(input)"
    }
    let layers = numLayers * numDirections
    let batch = unbatched ? nil : input[batchFirst ? 0 : 1]
    let expected = batch.map { [layers, $0, hiddenSize] } ?? [layers, hiddenSize]
    for (label, shape) in [("h0", hidden), ("c0", cell)] {
      guard let shape, shape != expected else { continue }
      if let batch, shape.count == 3, shape[0] == layers, shape[2] == hiddenSize {
        // Only the batch differs: most often the input's time and batch axes are swapped.
        let axis = batchFirst ? 0 : 1
        let hint = batchFirst
          ? "if the input is time-major [T, B, F], create the layer with batchFirst: false"
          : "if the input is batch-first [B, T, F], create the layer with batchFirst: true"
        return "\(name): input of shape \(input) has batch \(batch) on axis \(axis) (batchFirst: \(batchFirst)), but \(label) of shape \(shape) has batch \(shape[1]); \(hint)"
      }
      let what = unbatched ? "[numLayers·directions, hiddenSize]" : "[numLayers·directions, B, hiddenSize]"
      return "\(name): \(label) must have shape \(expected) = \(what) for input of shape \(input), got \(shape)"
    }
    return nil
  }
}

extension RNNCellBase {
  /// What is wrong with an input and state of these shapes for this cell, or nil when they fit.
  public func shapeProblem(input: [Int], hidden: [Int]? = nil) -> String? {
    let name = cellDescription
    guard (input.count == 1 || input.count == 2), input.last == inputSize else {
      return "\(name): expected input [B, \(inputSize)] or [\(inputSize)], got shape \(input)"
    }
    guard let hidden else { return nil }
    let expected = input.count == 2 ? [input[0], hiddenSize] : [hiddenSize]
    guard hidden == expected else {
      return "\(name): the state must have shape \(expected) for input of shape \(input), got \(hidden)"
    }
    return nil
  }
}
