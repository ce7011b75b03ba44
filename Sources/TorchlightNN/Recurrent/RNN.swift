/// The Elman recurrent network (`nn.RNN`): h_t = φ(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh) with
/// φ = tanh (or ReLU), stacked `numLayers` deep. See `RNNBase` for shapes and options.
public final class RNN: RNNBase {
  public let nonlinearity: RNNNonlinearity

  public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, nonlinearity: RNNNonlinearity = .tanh, bias: Bool = true,
              batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false, dtype: DType = Tensor.defaultDType,
              generator: Generator? = nil) {
    self.nonlinearity = nonlinearity
    super.init(mode: nonlinearity == .tanh ? .rnnTanh : .rnnRelu, inputSize: inputSize, hiddenSize: hiddenSize,
               numLayers: numLayers, bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional,
               dtype: dtype, generator: generator)
  }

  /// The hidden state at every step and the final state of every layer and direction
  /// (`output, h_n = rnn(x, h0)`).
  public func callAsFunction(_ input: Tensor, h0: Tensor? = nil) -> (output: Tensor, hN: Tensor) {
    let r = run(input, hidden: h0, cell: nil)
    return (r.output, r.hidden)
  }
}

/// The gated recurrent unit network (`nn.GRU`), one `gruCell` per step, stacked `numLayers`
/// deep. See `RNNBase` for shapes and options.
public final class GRU: RNNBase {
  public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
              dropout: Double = 0, bidirectional: Bool = false, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    super.init(mode: .gru, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
               batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
  }

  /// The hidden state at every step and the final state of every layer and direction
  /// (`output, h_n = gru(x, h0)`).
  public func callAsFunction(_ input: Tensor, h0: Tensor? = nil) -> (output: Tensor, hN: Tensor) {
    let r = run(input, hidden: h0, cell: nil)
    return (r.output, r.hidden)
  }
}

/// The long short-term memory network (`nn.LSTM`), one `lstmCell` per step, stacked `numLayers`
/// deep. See `RNNBase` for shapes and options; the state is a pair (h, c) of the same shape.
public final class LSTM: RNNBase {
  public init(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
              dropout: Double = 0, bidirectional: Bool = false, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    super.init(mode: .lstm, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
               batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: generator)
  }

  /// The hidden state at every step and the final (h, c) of every layer and direction
  /// (`output, (h_n, c_n) = lstm(x, (h0, c0))`).
  public func callAsFunction(_ input: Tensor, state: (h0: Tensor, c0: Tensor)? = nil)
    -> (output: Tensor, state: (hN: Tensor, cN: Tensor)) {
    let r = run(input, hidden: state?.h0, cell: state?.c0)
    return (r.output, (r.hidden, r.cell!))
  }
}
