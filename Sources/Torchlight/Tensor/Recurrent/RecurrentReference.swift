/// One recurrent layer in one direction over a whole sequence, op by op: the readable
/// definition. A loop over time that calls the cell of `mode` at each step and collects the
/// hidden states; the reverse direction walks the sequence from its end, and its outputs are put
/// back in time order. Autograd differentiates this through every step (backpropagation through
/// time) with no code of its own.
///
/// This is the reference that `recurrentLayer`, the fused version used for training, is tested
/// against; the fused layer also falls back to it when its backward pass is itself recorded
/// (`createGraph`). Arguments and results are those of `recurrentLayer`.
public func recurrentLayerReference(_ mode: RecurrentMode, _ input: Tensor, hidden h0: Tensor? = nil, cell c0: Tensor? = nil,
                                    weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil, biasHH: Tensor? = nil,
                                    reverse: Bool = false) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
  let size = RecurrentLayerShapes.check(mode, "recurrentLayerReference", input, h0, c0, weightIH, weightHH, biasIH, biasHH)
  var h = h0 ?? Tensor.zeros([size.batch, size.hidden], dtype: input.dtype)
  var c = mode == .lstm ? (c0 ?? Tensor.zeros([size.batch, size.hidden], dtype: input.dtype)) : nil
  var outputs: [Tensor] = []
  let times = reverse ? Array((0..<size.steps).reversed()) : Array(0..<size.steps)
  for t in times {
    let x = input.select(axis: 0, index: t)
    switch mode {
    case .rnnTanh, .rnnRelu:
      h = rnnCell(x, hidden: h, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
                  nonlinearity: mode == .rnnTanh ? .tanh : .relu)
    case .lstm:
      (h, c) = lstmCell(x, hidden: h, cell: c!, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    case .gru:
      h = gruCell(x, hidden: h, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }
    outputs.append(h)
  }
  if reverse { outputs.reverse() }
  return (Tensor.stack(outputs), h, c)
}

/// The shapes one layer-direction needs, checked once for both implementations.
enum RecurrentLayerShapes {
  struct Size { let steps: Int, batch: Int, input: Int, hidden: Int }

  /// Stops with a message naming `op`, the offending tensor and the shape it should have.
  static func check(_ mode: RecurrentMode, _ op: String, _ input: Tensor, _ h0: Tensor?, _ c0: Tensor?, _ weightIH: Tensor,
                    _ weightHH: Tensor, _ biasIH: Tensor?, _ biasHH: Tensor?) -> Size {
    let name = "\(op)(\(mode.rawValue))"
    guard input.rank == 3 else {
      fatalError("\(name): expected input [T, B, F] (time, batch, features), got shape \(input.shape)")
    }
    guard input.dtype == .float32 || input.dtype == .float64 else {
      fatalError("\(name): expected a float32 or float64 input, got \(input.dtype) with shape \(input.shape); convert with .float()")
    }
    let (steps, batch, features) = (input.shape[0], input.shape[1], input.shape[2])
    guard steps > 0 else { fatalError("\(name): the input sequence \(input.shape) has no time steps") }
    guard weightHH.rank == 2 else { fatalError("\(name): weightHH must be [G·H, H], got shape \(weightHH.shape)") }
    let hidden = weightHH.shape[1], rows = mode.gateCount * hidden
    var expected: [(String, Tensor?, [Int])] = [
      ("weightHH", weightHH, [rows, hidden]), ("weightIH", weightIH, [rows, features]),
      ("biasIH", biasIH, [rows]), ("biasHH", biasHH, [rows]), ("hidden", h0, [batch, hidden]),
    ]
    if mode == .lstm { expected.append(("cell", c0, [batch, hidden])) }
    for (label, tensor, shape) in expected {
      guard let tensor else { continue }
      guard tensor.shape == shape else {
        fatalError("\(name): \(label) must have shape \(shape) for input \(input.shape) and hidden size \(hidden), got \(tensor.shape)")
      }
      guard tensor.dtype == input.dtype else {
        fatalError("\(name): \(label) is \(tensor.dtype) but the input is \(input.dtype); convert one with .to(.\(input.dtype))")
      }
    }
    if mode != .lstm, let c0 {
      fatalError("\(name): only an LSTM has a cell state, got one of shape \(c0.shape)")
    }
    return Size(steps: steps, batch: batch, input: features, hidden: hidden)
  }
}
