import Testing
@testable import TorchlightNN

/// The four recurrences, as module factories.
enum RecurrentKind: String, CaseIterable, Sendable {
  case rnnTanh, rnnRelu, gru, lstm

  var mode: RecurrentMode {
    switch self {
    case .rnnTanh: .rnnTanh
    case .rnnRelu: .rnnRelu
    case .gru: .gru
    case .lstm: .lstm
    }
  }

  func make(inputSize: Int, hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
            dropout: Double = 0, bidirectional: Bool = false, dtype: DType = .float64, seed: UInt64 = 0) -> RNNBase {
    let g = Generator(seed: seed)
    switch self {
    case .rnnTanh, .rnnRelu:
      return RNN(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, nonlinearity: self == .rnnTanh ? .tanh : .relu,
                 bias: bias, batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: g)
    case .gru:
      return GRU(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                 dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: g)
    case .lstm:
      return LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias, batchFirst: batchFirst,
                  dropout: dropout, bidirectional: bidirectional, dtype: dtype, generator: g)
    }
  }
}

/// Calls a recurrent module through its public API: (output, h_n, c_n).
func callRecurrent(_ m: RNNBase, _ x: Tensor, h0: Tensor? = nil, c0: Tensor? = nil) -> (output: Tensor, hN: Tensor, cN: Tensor?) {
  switch m {
  case let lstm as LSTM:
    let r = lstm(x, state: h0.map { ($0, c0!) })
    return (r.output, r.state.hN, r.state.cN)
  case let gru as GRU:
    let r = gru(x, h0: h0)
    return (r.output, r.hN, nil)
  case let rnn as RNN:
    let r = rnn(x, h0: h0)
    return (r.output, r.hN, nil)
  default:
    fatalError("not a recurrent module")
  }
}

/// One module configuration of the tests.
struct RecurrentConfig: CustomTestStringConvertible, Sendable {
  let kind: RecurrentKind
  var numLayers = 1, bidirectional = false, batchFirst = false, state = false, bias = true, dropout = 0.0

  var testDescription: String {
    var parts = [kind.rawValue]
    if numLayers > 1 { parts.append("\(numLayers) layers") }
    if bidirectional { parts.append("bidirectional") }
    if batchFirst { parts.append("batchFirst") }
    if state { parts.append("initial state") }
    if !bias { parts.append("no bias") }
    if dropout > 0 { parts.append("dropout \(dropout)") }
    return parts.joined(separator: ", ")
  }

  /// Each option alone, then all of them together, for every kind.
  static let all: [RecurrentConfig] = RecurrentKind.allCases.flatMap { k in [
    RecurrentConfig(kind: k, numLayers: 2),
    RecurrentConfig(kind: k, bidirectional: true),
    RecurrentConfig(kind: k, batchFirst: true),
    RecurrentConfig(kind: k, state: true, bias: false),
    RecurrentConfig(kind: k, numLayers: 2, bidirectional: true, batchFirst: true, state: true),
  ] }

  /// Everything at once, one per kind.
  static let combined: [RecurrentConfig] = RecurrentKind.allCases.map {
    RecurrentConfig(kind: $0, numLayers: 2, bidirectional: true, batchFirst: true, state: true)
  }
}

/// A module of `config` and seeded leaves for it: a non-contiguous input (a transposed view) and,
/// when asked, initial states.
struct RecurrentSetup {
  let module: RNNBase
  let x: Tensor, h0: Tensor?, c0: Tensor?

  init(_ config: RecurrentConfig, steps: Int = 3, batch: Int = 2, inputSize: Int = 3, hiddenSize: Int = 2,
       dtype: DType = .float64, seed: UInt64 = 1) {
    module = config.kind.make(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: config.numLayers, bias: config.bias,
                              batchFirst: config.batchFirst, dropout: config.dropout, bidirectional: config.bidirectional,
                              dtype: dtype, seed: seed)
    let g = Generator(seed: seed + 100)
    // Stored with the other leading axis first, then transposed into the layer's layout.
    let stored = config.batchFirst ? [steps, batch, inputSize] : [batch, steps, inputSize]
    x = Tensor.uniform(stored, low: -1, high: 1, dtype: dtype, generator: g).transposed(0, 1).detached().requiringGrad()
    let layers = config.numLayers * (config.bidirectional ? 2 : 1)
    h0 = config.state ? Tensor.uniform([layers, batch, hiddenSize], low: -1, high: 1, dtype: dtype, generator: g).requiringGrad() : nil
    c0 = config.state && config.kind == .lstm
      ? Tensor.uniform([layers, batch, hiddenSize], low: -1, high: 1, dtype: dtype, generator: g).requiringGrad() : nil
  }

  /// Everything a gradient can reach: input, states, every parameter.
  var leaves: [Tensor] { [x] + [h0, c0].compactMap { $0 } + module.parameters() }

  func run() -> (output: Tensor, hN: Tensor, cN: Tensor?) { callRecurrent(module, x, h0: h0, c0: c0) }

  /// A scalar weighing every output and final state differently.
  func loss(_ r: (output: Tensor, hN: Tensor, cN: Tensor?)) -> Tensor {
    let g = Generator(seed: 77)
    func weights(_ t: Tensor) -> Tensor { Tensor.uniform(t.shape, low: -1, high: 1, dtype: t.dtype, generator: g) }
    var l = (r.output * weights(r.output)).sum() + (r.hN * weights(r.hN)).sum()
    if let c = r.cN { l = l + (c * weights(c)).sum() }
    return l
  }
}

/// Largest |a − b| over two lists of tensors (∞ when one is missing).
func largestDifference(_ a: [Tensor?], _ b: [Tensor?]) -> Double {
  zip(a, b).map { x, y in
    guard let x, let y else { return x == nil && y == nil ? 0 : .infinity }
    return (x.to(.float64) - y.to(.float64)).abs().max().item()
  }.max() ?? 0
}

/// Largest |x| over a list of tensors.
func largestMagnitude(_ a: [Tensor?]) -> Double { a.compactMap { $0?.to(.float64).abs().max().item() }.max() ?? 0 }
