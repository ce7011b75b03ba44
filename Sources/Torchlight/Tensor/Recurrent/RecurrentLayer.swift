// One recurrent layer-direction as a single fused op, for speed. Op by op, an LSTM step is about
// fifteen small tensor ops and as many graph nodes, each allocating its result; over 35 steps
// that is hundreds of nodes per layer. Here the whole sequence is one node: the forward pass is
// one large GEMM plus one small GEMM and one gate kernel per step (`RecurrentSequence`), and the
// backward pass is backpropagation through time in closed form.

/// One recurrent layer running over a whole sequence in one direction (what PyTorch's `nn.LSTM`
/// does per layer and direction), as a single differentiable op.
///
/// - `input`: [T, B, F] (time, batch, features), any layout.
/// - `hidden`, `cell`: the initial state h₀ (and c₀ for an LSTM), [B, H]; nil means zeros.
/// - weights as PyTorch stores them: W_ih [G·H, F], W_hh [G·H, H], biases [G·H], with the G gates
///   of `mode` stacked in rows (LSTM i, f, g, o; GRU r, z, n).
/// - `reverse`: run from the last step to the first (the backward direction of a bidirectional
///   layer); the outputs are still returned in time order.
///
/// Returns the hidden state at every step, [T, B, H], and the final state h_n (and c_n) [B, H]:
/// the state after the last step processed, which is step 0 when `reverse`. All are
/// differentiable in every input. The maths of each cell is in `rnnCell`, `lstmCell` and
/// `gruCell`; `recurrentLayerReference` is the same computation op by op, and gives the same
/// numbers. When backward is itself being recorded (`createGraph`, for second derivatives) the
/// gradient is taken through that reference instead, so double backward works too.
public func recurrentLayer(_ mode: RecurrentMode, _ input: Tensor, hidden h0: Tensor? = nil, cell c0: Tensor? = nil,
                           weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil, biasHH: Tensor? = nil,
                           reverse: Bool = false) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
  let size = RecurrentLayerShapes.check(mode, "recurrentLayer", input, h0, c0, weightIH, weightHH, biasIH, biasHH)
  guard size.batch > 0 else {
    return recurrentLayerReference(mode, input, hidden: h0, cell: c0, weightIH: weightIH, weightHH: weightHH,
                                   biasIH: biasIH, biasHH: biasHH, reverse: reverse)
  }
  let dims = RecurrentSequence.Dims(mode: mode, steps: size.steps, batch: size.batch, input: size.input,
                                    hidden: size.hidden, reverse: reverse)
  let fused = FusedRecurrentLayer(dims, input: input, h0: h0, c0: c0, weightIH: weightIH, weightHH: weightHH,
                                  biasIH: biasIH, biasHH: biasHH)
  let packed = fused.run()
  let steps = size.steps
  let output = mode == .lstm ? packed.narrow(axis: 0, start: 0, length: steps) : packed
  let hN = packed.select(axis: 0, index: reverse ? 0 : steps - 1)
  return (output, hN, mode == .lstm ? packed.select(axis: 0, index: steps) : nil)
}

/// The fused op: contiguous copies of the inputs, the buffers the forward pass keeps, and the
/// backward node. Its one output packs the hidden states [T, B, H] and, for an LSTM, c_n as one
/// more row, so that a single node covers all of them.
final class FusedRecurrentLayer {
  let dims: RecurrentSequence.Dims
  /// The op's inputs as given (gradients are returned for these, in this order) and as read.
  let inputs: [Tensor]
  let x: Tensor, h0: Tensor?, c0: Tensor?, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?
  let original: (input: Tensor, h0: Tensor?, c0: Tensor?, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?)
  /// Kept from the forward pass for BPTT.
  let output: Tensor, gates: Tensor, cells: Tensor?, tanhCells: Tensor?, newGate: Tensor?

  init(_ dims: RecurrentSequence.Dims, input: Tensor, h0: Tensor?, c0: Tensor?, weightIH: Tensor, weightHH: Tensor,
       biasIH: Tensor?, biasHH: Tensor?) {
    self.dims = dims
    original = (input, h0, c0, weightIH, weightHH, biasIH, biasHH)
    inputs = [input] + [h0, c0, weightIH, weightHH, biasIH, biasHH].compactMap { $0 }
    x = input.contiguous(); self.h0 = h0?.contiguous(); self.c0 = c0?.contiguous()
    self.weightIH = weightIH.contiguous(); self.weightHH = weightHH.contiguous()
    self.biasIH = biasIH?.contiguous(); self.biasHH = biasHH?.contiguous()
    let (t, b, h, dtype) = (dims.steps, dims.batch, dims.hidden, input.dtype)
    output = Tensor(uninitialized: [dims.rows, b, h], dtype: dtype)
    gates = Tensor(uninitialized: [t, b, dims.gateWidth], dtype: dtype)
    cells = dims.mode == .lstm ? Tensor(uninitialized: [t, b, h], dtype: dtype) : nil
    tanhCells = dims.mode == .lstm ? Tensor(uninitialized: [t, b, h], dtype: dtype) : nil
    newGate = dims.mode == .gru ? Tensor(uninitialized: [t, b, h], dtype: dtype) : nil
  }

  /// The packed output, carrying the backward node when recording.
  func run() -> Tensor {
    if x.dtype == .float32 { RecurrentSequence.forward(dims, buffers(Float.self)) } else { RecurrentSequence.forward(dims, buffers(Double.self)) }
    let name: String
    switch dims.mode {
    case .rnnTanh: name = "RNNTanhBackward"
    case .rnnRelu: name = "RNNReluBackward"
    case .lstm: name = "LSTMBackward"
    case .gru: name = "GRUBackward"
    }
    return output.recorded(name, inputs: inputs, saving: inputs + [output]) { [self] g in
      // A recorded backward needs gradients made of tensor ops: differentiate the reference.
      GradMode.enabled ? referenceGradients(g) : fusedGradients(g)
    }
  }

  func buffers<T: FloatElement>(_: T.Type) -> RecurrentSequence.Buffers<T> {
    RecurrentSequence.Buffers(
      x: x.base(T.self), h0: h0.map { UnsafePointer($0.base(T.self)) }, c0: c0.map { UnsafePointer($0.base(T.self)) },
      weightIH: weightIH.base(T.self), weightHH: weightHH.base(T.self),
      biasIH: biasIH.map { UnsafePointer($0.base(T.self)) }, biasHH: biasHH.map { UnsafePointer($0.base(T.self)) },
      output: output.base(T.self), gates: gates.base(T.self), cells: cells?.base(T.self),
      tanhCells: tanhCells?.base(T.self), newGate: newGate?.base(T.self))
  }

  /// BPTT by the kernels: one gradient per input that requires grad, nil for the others.
  func fusedGradients(_ g: Tensor) -> [Tensor?] {
    let o = original
    func wanted(_ t: Tensor?) -> Tensor? {
      guard let t, t.requiresGrad else { return nil }
      return Tensor(uninitialized: t.shape, dtype: t.dtype)
    }
    let grads = (x: wanted(o.input), h0: wanted(o.h0), c0: wanted(o.c0), weightIH: wanted(o.weightIH),
                 weightHH: wanted(o.weightHH), biasIH: wanted(o.biasIH), biasHH: wanted(o.biasHH))
    let gc = g.contiguous()
    let dGates = Tensor(uninitialized: gates.shape, dtype: gates.dtype)
    let dHidden = dims.mode == .gru ? Tensor(uninitialized: gates.shape, dtype: gates.dtype) : nil
    func run<T: FloatElement>(_: T.Type) {
      let out = RecurrentSequence.Gradients<T>(
        x: grads.x?.base(T.self), h0: grads.h0?.base(T.self), c0: grads.c0?.base(T.self),
        weightIH: grads.weightIH?.base(T.self), weightHH: grads.weightHH?.base(T.self),
        biasIH: grads.biasIH?.base(T.self), biasHH: grads.biasHH?.base(T.self))
      RecurrentSequence.backward(dims, buffers(T.self), dOutput: gc.base(T.self), dGates: dGates.base(T.self),
                                 dHidden: dHidden?.base(T.self), into: out)
    }
    if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    // In the order of `inputs`: the optional ones only where they were given.
    var result: [Tensor?] = [grads.x]
    if o.h0 != nil { result.append(grads.h0) }
    if o.c0 != nil { result.append(grads.c0) }
    result += [grads.weightIH, grads.weightHH]
    if o.biasIH != nil { result.append(grads.biasIH) }
    if o.biasHH != nil { result.append(grads.biasHH) }
    return result
  }

  /// The gradient as a differentiable function of the inputs and g: recompute the layer op by op
  /// from the original inputs, and backpropagate g through that graph only.
  func referenceGradients(_ g: Tensor) -> [Tensor?] {
    let o = original
    let ref = recurrentLayerReference(dims.mode, o.input, hidden: o.h0, cell: o.c0, weightIH: o.weightIH,
                                      weightHH: o.weightHH, biasIH: o.biasIH, biasHH: o.biasHH, reverse: dims.reverse)
    let packed = dims.mode == .lstm ? Tensor.cat([ref.output, ref.cell!.unsqueezed(axis: 0)]) : ref.output
    return Engine.localGradients(of: packed, gradient: g, at: inputs)
  }
}
