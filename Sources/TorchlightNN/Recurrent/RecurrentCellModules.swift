/// One step of a recurrent network as a layer (`nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`), for
/// loops written by hand (a decoder feeding back its own output, say). The maths is in
/// `rnnCell`, `lstmCell` and `gruCell`. Input [B, inputSize] or [inputSize]; state of the same
/// batch, [B, hiddenSize] (zeros when omitted). Parameters `weight_ih` [G·H, inputSize],
/// `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H], all uniform on ±1/√hiddenSize.
public class RNNCellBase: Module {
  public let inputSize: Int, hiddenSize: Int
  public let weightIH: Tensor, weightHH: Tensor
  public let biasIH: Tensor?, biasHH: Tensor?
  let name: String

  init(name: String, gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, dtype: DType, generator: Generator?) {
    precondition(inputSize > 0 && hiddenSize > 0, "\(name): inputSize \(inputSize) and hiddenSize \(hiddenSize) must be positive")
    self.name = name
    self.inputSize = inputSize; self.hiddenSize = hiddenSize
    let bound = 1 / Double(hiddenSize).squareRoot()
    func uniform(_ shape: [Int]) -> Tensor {
      Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator).requiringGrad()
    }
    weightIH = uniform([gates * hiddenSize, inputSize])
    weightHH = uniform([gates * hiddenSize, hiddenSize])
    biasIH = bias ? uniform([gates * hiddenSize]) : nil
    biasHH = bias ? uniform([gates * hiddenSize]) : nil
  }

  public var bias: Bool { biasIH != nil }

  /// `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`, as PyTorch names them.
  public override func namedLocalParameters() -> [(String, Tensor)] {
    [("weight_ih", weightIH), ("weight_hh", weightHH)] + [("bias_ih", biasIH), ("bias_hh", biasHH)].compactMap { n, t in t.map { (n, $0) } }
  }

  /// E.g. `LSTMCell(10, 20)`.
  public var cellDescription: String { "\(name)(\(inputSize), \(hiddenSize)\(bias ? "" : ", bias: false"))" }

  /// Checks the shapes, then gives the state to use (zeros when none was passed).
  func state(for input: Tensor, _ given: Tensor?) -> Tensor {
    if let problem = shapeProblem(input: input.shape, hidden: given?.shape) { fatalError(problem) }
    return given ?? Tensor.zeros(Array(input.shape.dropLast()) + [hiddenSize], dtype: input.dtype)
  }
}

/// An Elman RNN step, h' = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (`nn.RNNCell`).
public final class RNNCell: RNNCellBase {
  public let nonlinearity: RNNNonlinearity

  public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, nonlinearity: RNNNonlinearity = .tanh,
              dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    self.nonlinearity = nonlinearity
    super.init(name: "RNNCell", gates: 1, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype, generator: generator)
  }

  /// The next hidden state.
  public func callAsFunction(_ input: Tensor, hidden: Tensor?) -> Tensor {
    rnnCell(input, hidden: state(for: input, hidden), weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH,
            nonlinearity: nonlinearity)
  }

  public override func forward(_ input: Tensor) -> Tensor { self(input, hidden: nil) }
}

/// A GRU step (`nn.GRUCell`); see `gruCell`.
public final class GRUCell: RNNCellBase {
  public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    super.init(name: "GRUCell", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype, generator: generator)
  }

  /// The next hidden state.
  public func callAsFunction(_ input: Tensor, hidden: Tensor?) -> Tensor {
    gruCell(input, hidden: state(for: input, hidden), weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
  }

  public override func forward(_ input: Tensor) -> Tensor { self(input, hidden: nil) }
}

/// An LSTM step (`nn.LSTMCell`); see `lstmCell`. The state is the pair (h, c).
public final class LSTMCell: RNNCellBase {
  public init(inputSize: Int, hiddenSize: Int, bias: Bool = true, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    super.init(name: "LSTMCell", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias, dtype: dtype, generator: generator)
  }

  /// The next (h, c).
  public func callAsFunction(_ input: Tensor, state: (h: Tensor, c: Tensor)?) -> (h: Tensor, c: Tensor) {
    let h = self.state(for: input, state?.h), c = self.state(for: input, state?.c)
    let r = lstmCell(input, hidden: h, cell: c, weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    return (r.hidden, r.cell)
  }

  /// The next hidden state from a zero state.
  public override func forward(_ input: Tensor) -> Tensor { self(input, state: nil).h }
}
