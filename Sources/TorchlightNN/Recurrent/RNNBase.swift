/// Which code runs each layer of a recurrent module.
public enum RecurrentImplementation: String, Sendable, CaseIterable {
  /// One fused op per layer and direction (`recurrentLayer`): GEMMs over whole sequences and a
  /// closed-form backward. The default.
  case fused
  /// The op-by-op loop over time (`recurrentLayerReference`): slower, easy to read and to step
  /// through. Same numbers.
  case reference
}

/// The weights of one layer in one direction, as PyTorch stores them: W_ih [G·H, in],
/// W_hh [G·H, H], biases [G·H], with the G gates stacked in rows.
public struct RecurrentWeights {
  public let weightIH: Tensor, weightHH: Tensor
  public let biasIH: Tensor?, biasHH: Tensor?

  /// The tensors in PyTorch's order: weight_ih, weight_hh, bias_ih, bias_hh.
  public var all: [Tensor] { [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 } }
}

/// The multi-layer recurrent network behind `RNN`, `LSTM` and `GRU` (`nn.RNNBase`).
///
/// Layer 0 reads the input sequence; layer l > 0 reads the hidden states of layer l − 1 (after
/// dropout, in training, when `dropout` > 0). A bidirectional layer runs a second copy of itself
/// from the end of the sequence to the start and concatenates the two hidden states at every
/// step, so each output sees the whole sequence.
///
/// Shapes, with D = 2 when bidirectional and 1 otherwise:
/// - input [T, B, inputSize], or [B, T, inputSize] with `batchFirst`, or [T, inputSize] unbatched;
/// - output [T, B, D·hiddenSize] (batch-first or unbatched like the input);
/// - initial and final states [numLayers·D, B, hiddenSize] ([numLayers·D, hiddenSize] unbatched),
///   ordered layer by layer, forward direction first. A missing initial state is zeros.
///
/// Parameters are named as in PyTorch (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, then `…_l0_reverse` for the backward direction, then layer 1, …), so state
/// dicts move between the two, and every one starts uniform on ±1/√hiddenSize.
public class RNNBase: Module {
  public let mode: RecurrentMode
  public let inputSize: Int, hiddenSize: Int, numLayers: Int
  public let bias: Bool, batchFirst: Bool, bidirectional: Bool
  /// Probability of zeroing each output of every layer but the last, in training.
  public let dropout: Double
  /// `weights[layer][direction]`, direction 1 being the reverse one.
  public let weights: [[RecurrentWeights]]
  /// Fused (the default) or op by op; both give the same numbers.
  public var implementation: RecurrentImplementation = .fused
  let generator: Generator?

  init(mode: RecurrentMode, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
       dropout: Double, bidirectional: Bool, dtype: DType, generator: Generator?) {
    let name = mode.layerName
    precondition(inputSize > 0 && hiddenSize > 0 && numLayers > 0,
                 "\(name): inputSize \(inputSize), hiddenSize \(hiddenSize) and numLayers \(numLayers) must be positive")
    precondition(dropout >= 0 && dropout <= 1, "\(name): dropout must lie in [0, 1], got \(dropout)")
    precondition(dtype.isFloatingPoint, "\(name): parameters must be float32 or float64, got \(dtype)")
    self.mode = mode
    self.inputSize = inputSize; self.hiddenSize = hiddenSize; self.numLayers = numLayers
    self.bias = bias; self.batchFirst = batchFirst; self.bidirectional = bidirectional; self.dropout = dropout
    self.generator = generator
    let rows = mode.gateCount * hiddenSize, directions = bidirectional ? 2 : 1
    let bound = 1 / Double(hiddenSize).squareRoot()
    func uniform(_ shape: [Int]) -> Tensor {
      Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator).requiringGrad()
    }
    // Drawn in PyTorch's parameter order, so one seed fills them in a fixed sequence.
    weights = (0..<numLayers).map { layer in
      (0..<directions).map { _ in
        let input = layer == 0 ? inputSize : hiddenSize * directions
        let wih = uniform([rows, input]), whh = uniform([rows, hiddenSize])
        let bih = bias ? uniform([rows]) : nil, bhh = bias ? uniform([rows]) : nil
        return RecurrentWeights(weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
      }
    }
  }

  /// 2 when bidirectional, else 1.
  public var numDirections: Int { bidirectional ? 2 : 1 }

  /// Every weight, layer by layer and direction by direction (`all_weights`).
  public var allWeights: [[Tensor]] { weights.flatMap { $0.map(\.all) } }

  /// PyTorch's names: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `…_reverse`.
  public override func namedLocalParameters() -> [(String, Tensor)] {
    var result: [(String, Tensor)] = []
    for (layer, directions) in weights.enumerated() {
      for (direction, w) in directions.enumerated() {
        let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
        result += [("weight_ih" + suffix, w.weightIH), ("weight_hh" + suffix, w.weightHH)]
        if let b = w.biasIH { result.append(("bias_ih" + suffix, b)) }
        if let b = w.biasHH { result.append(("bias_hh" + suffix, b)) }
      }
    }
    return result
  }

  /// The layer as PyTorch prints it, e.g. `LSTM(28, 256, numLayers: 2, batchFirst: true)`.
  public var layerDescription: String {
    var parts = ["\(inputSize)", "\(hiddenSize)"]
    if numLayers != 1 { parts.append("numLayers: \(numLayers)") }
    if mode == .rnnRelu { parts.append("nonlinearity: relu") }
    if !bias { parts.append("bias: false") }
    if batchFirst { parts.append("batchFirst: true") }
    if dropout != 0 { parts.append("dropout: \(dropout)") }
    if bidirectional { parts.append("bidirectional: true") }
    return "\(mode.layerName)(\(parts.joined(separator: ", ")))"
  }

  /// Runs every layer and direction: the output sequence and the final states.
  func run(_ input: Tensor, hidden h0: Tensor?, cell c0: Tensor?) -> (output: Tensor, hidden: Tensor, cell: Tensor?) {
    if let problem = shapeProblem(input: input.shape, hidden: h0?.shape, cell: c0?.shape) { fatalError(problem) }
    let unbatched = input.rank == 2
    // Internally always [T, B, F] and states [L·D, B, H]; batch-first input is a transposed view.
    var x = unbatched ? input.unsqueezed(axis: 1) : (batchFirst ? input.transposed(0, 1) : input)
    let hidden0 = unbatched ? h0?.unsqueezed(axis: 1) : h0, cell0 = unbatched ? c0?.unsqueezed(axis: 1) : c0
    var hN: [Tensor] = [], cN: [Tensor] = []
    for (layer, directions) in weights.enumerated() {
      if layer > 0 && dropout > 0 && isTraining {
        x = TorchlightNN.dropout(x, p: dropout, training: true, generator: generator)
      }
      var outputs: [Tensor] = []
      for (direction, w) in directions.enumerated() {
        let k = layer * numDirections + direction
        let h = hidden0?.select(axis: 0, index: k), c = cell0?.select(axis: 0, index: k)
        let r = implementation == .fused
          ? recurrentLayer(mode, x, hidden: h, cell: c, weightIH: w.weightIH, weightHH: w.weightHH,
                           biasIH: w.biasIH, biasHH: w.biasHH, reverse: direction == 1)
          : recurrentLayerReference(mode, x, hidden: h, cell: c, weightIH: w.weightIH, weightHH: w.weightHH,
                                    biasIH: w.biasIH, biasHH: w.biasHH, reverse: direction == 1)
        outputs.append(r.output)
        hN.append(r.hidden)
        if let cell = r.cell { cN.append(cell) }
      }
      x = outputs.count == 1 ? outputs[0] : Tensor.cat(outputs, axis: 2)
    }
    var output = batchFirst && !unbatched ? x.transposed(0, 1) : x
    var hidden = Tensor.stack(hN), cell = cN.isEmpty ? nil : Tensor.stack(cN)
    if unbatched {
      output = output.squeezed(axis: 1)
      hidden = hidden.squeezed(axis: 1)
      cell = cell?.squeezed(axis: 1)
    }
    return (output, hidden, cell)
  }

  /// The output sequence alone, for use inside `Sequential`; call the layer with a state to get
  /// the final states too.
  public override func forward(_ input: Tensor) -> Tensor { run(input, hidden: nil, cell: nil).output }
}
