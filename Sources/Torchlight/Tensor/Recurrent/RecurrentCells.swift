/// One time step of the three classic recurrent cells, written with ordinary tensor ops (so
/// autograd differentiates them, twice if asked). Shapes: input x [B, F] (or [F]), state h and c
/// [B, H] (or [H]); weights as PyTorch stores them, W_ih [G·H, F] and W_hh [G·H, H] with the G
/// gates stacked in rows, biases [G·H]. These are the definitions the fused layers are tested
/// against.

/// Which recurrence a layer runs (PyTorch's `mode`: `RNN_TANH`, `RNN_RELU`, `LSTM`, `GRU`).
public enum RecurrentMode: String, Sendable, CaseIterable {
  case rnnTanh, rnnRelu, lstm, gru

  /// Gates stacked in the weights: 1 for the plain RNN, 4 for the LSTM (i, f, g, o), 3 for the
  /// GRU (r, z, n).
  public var gateCount: Int {
    switch self {
    case .rnnTanh, .rnnRelu: 1
    case .lstm: 4
    case .gru: 3
    }
  }

  /// The name PyTorch's layer class has.
  public var layerName: String {
    switch self {
    case .rnnTanh, .rnnRelu: "RNN"
    case .lstm: "LSTM"
    case .gru: "GRU"
    }
  }
}

/// The nonlinearity of a plain RNN (`nonlinearity='tanh'` or `'relu'`).
public enum RNNNonlinearity: String, Sendable, CaseIterable {
  case tanh, relu
}

/// x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh: the pre-activations of every gate, side by side.
func gatePreactivations(_ x: Tensor, _ h: Tensor, _ weightIH: Tensor, _ weightHH: Tensor,
                        _ biasIH: Tensor?, _ biasHH: Tensor?) -> Tensor {
  var a = x.matmul(weightIH.t()) + h.matmul(weightHH.t())
  if let biasIH { a = a + biasIH }
  if let biasHH { a = a + biasHH }
  return a
}

/// The Elman RNN cell (`torch.rnn_tanh_cell`, `rnn_relu_cell`):
/// h' = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), φ = tanh or ReLU.
public func rnnCell(_ input: Tensor, hidden: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil,
                    biasHH: Tensor? = nil, nonlinearity: RNNNonlinearity = .tanh) -> Tensor {
  let a = gatePreactivations(input, hidden, weightIH, weightHH, biasIH, biasHH)
  return nonlinearity == .tanh ? a.tanh() : a.relu()
}

/// The LSTM cell (`torch.lstm_cell`; Hochreiter & Schmidhuber, 1997, with the forget gate of
/// Gers et al., 2000). Input, forget and output gates decide what enters the cell state c, what
/// of it is kept, and what is shown as h:
///
///     i = σ(aᵢ), f = σ(a_f), g = tanh(a_g), o = σ(a_o)     (a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)
///     c' = f·c + i·g,   h' = o·tanh(c')
///
/// Because c' depends on c through a product with f rather than a squashing function, a
/// gradient can flow back through many steps without vanishing when f stays near 1.
public func lstmCell(_ input: Tensor, hidden: Tensor, cell: Tensor, weightIH: Tensor, weightHH: Tensor,
                     biasIH: Tensor? = nil, biasHH: Tensor? = nil) -> (hidden: Tensor, cell: Tensor) {
  let gates = gatePreactivations(input, hidden, weightIH, weightHH, biasIH, biasHH).chunk(4, axis: -1)
  let i = gates[0].sigmoid(), f = gates[1].sigmoid(), g = gates[2].tanh(), o = gates[3].sigmoid()
  let c = f * cell + i * g
  return (o * c.tanh(), c)
}

/// The GRU cell (`torch.gru_cell`; Cho et al., 2014). A reset gate r decides how much of the old
/// state shapes the candidate n, an update gate z how much of the old state is kept:
///
///     r = σ(x_r + h_r),  z = σ(x_z + h_z),  n = tanh(x_n + r·h_n),  h' = (1 − z)·n + z·h
///
/// with x_• = (x·W_ihᵀ + b_ih)_• and h_• = (h·W_hhᵀ + b_hh)_•. As in PyTorch (and cuDNN), r
/// multiplies the hidden projection h_n including its bias, not h before the product.
public func gruCell(_ input: Tensor, hidden: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil,
                    biasHH: Tensor? = nil) -> Tensor {
  var xa = input.matmul(weightIH.t()), ha = hidden.matmul(weightHH.t())
  if let biasIH { xa = xa + biasIH }
  if let biasHH { ha = ha + biasHH }
  let x = xa.chunk(3, axis: -1), h = ha.chunk(3, axis: -1)
  let r = (x[0] + h[0]).sigmoid(), z = (x[1] + h[1]).sigmoid()
  let n = (x[2] + r * h[2]).tanh()
  return (1 - z) * n + z * hidden
}
