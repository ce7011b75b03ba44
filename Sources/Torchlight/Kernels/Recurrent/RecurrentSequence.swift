/// One recurrent layer in one direction over a whole sequence, on raw buffers: the forward pass
/// and backpropagation through time (BPTT), in as few and as large matrix products as the
/// recurrence allows.
///
/// Forward: the input projection of every step is one GEMM, X[T·B, F]·W_ihᵀ; then each step is
/// one matrix product, h·W_hhᵀ (added onto that step's projection; see `RecurrentProduct`), and
/// one pass of the gate kernel. Backward, from the last step to the first: the gate kernel's
/// backward gives ∂L/∂a for the step and one product carries ∂L/∂h = ∂a·W_hh to the step before. Everything that does not feed the
/// recurrence waits until after the loop, where it is one GEMM over all steps at once:
/// ∂W_hh = Σₜ ∂aₜᵀ·hₜ₋₁, ∂W_ih = ∂Aᵀ·X, ∂X = ∂A·W_ih, and the biases are column sums of ∂A.
enum RecurrentSequence {
  /// Sizes of one run. `gates·hidden` values per row of the projections.
  struct Dims {
    let mode: RecurrentMode
    let steps: Int, batch: Int, input: Int, hidden: Int
    let reverse: Bool
    var gateWidth: Int { mode.gateCount * hidden }
    var rows: Int { mode == .lstm ? steps + 1 : steps }
    /// The time index of processing step s: the reverse direction reads the sequence backwards.
    func time(_ s: Int) -> Int { reverse ? steps - 1 - s : s }
    /// The time index whose state feeds step s (s ≥ 1).
    func previousTime(_ s: Int) -> Int { reverse ? steps - s : s - 1 }
  }

  /// The inputs of a run and what its forward pass keeps for backward. `output` is
  /// [T, B, H] of hidden states in time order, with c_n appended as row T for an LSTM.
  struct Buffers<T: FloatElement> {
    let x: UnsafePointer<T>                               // [T, B, F]
    let h0: UnsafePointer<T>?, c0: UnsafePointer<T>?      // [B, H]; nil is zeros
    let weightIH: UnsafePointer<T>, weightHH: UnsafePointer<T>
    let biasIH: UnsafePointer<T>?, biasHH: UnsafePointer<T>?
    let output: UnsafeMutablePointer<T>                   // [T (+1), B, H]
    let gates: UnsafeMutablePointer<T>                    // [T, B, G·H], after the activations
    let cells: UnsafeMutablePointer<T>?                   // LSTM: c [T, B, H]
    let tanhCells: UnsafeMutablePointer<T>?               // LSTM: tanh c [T, B, H]
    let newGate: UnsafeMutablePointer<T>?                 // GRU: W_hn·h + b_hn [T, B, H]
  }

  /// Gradients to write; nil where none is needed.
  struct Gradients<T: FloatElement> {
    let x: UnsafeMutablePointer<T>?, h0: UnsafeMutablePointer<T>?, c0: UnsafeMutablePointer<T>?
    let weightIH: UnsafeMutablePointer<T>?, weightHH: UnsafeMutablePointer<T>?
    let biasIH: UnsafeMutablePointer<T>?, biasHH: UnsafeMutablePointer<T>?
  }

  // MARK: Forward

  static func forward<T: FloatElement>(_ d: Dims, _ p: Buffers<T>) {
    let (b, n, gw) = (d.batch, d.hidden, d.gateWidth)
    let state = b * n
    // Every step's input projection at once: gates[T·B, G·H] = X·W_ihᵀ.
    let input = RecurrentProduct(p.weightIH, k: d.input, n: gw, transposed: true)
    input.apply(p.x, lda: d.input, m: d.steps * b, p.gates, ldc: gw, accumulate: false)
    input.deallocate()
    let zeros = scratch(T.self, state, zeroed: true)
    defer { zeros.deallocate() }
    // LSTM and RNN add both biases at the same place: add their sum once per row.
    let biasSum: UnsafeMutablePointer<T>? = d.mode == .gru ? nil : summedBias(p.biasIH, p.biasHH, gw)
    defer { biasSum?.deallocate() }
    let hg = d.mode == .gru ? scratch(T.self, b * gw, zeroed: true) : nil
    defer { hg?.deallocate() }
    let recurrent = RecurrentProduct(p.weightHH, k: n, n: gw, transposed: true)   // h·W_hhᵀ
    defer { recurrent.deallocate() }

    for s in 0..<d.steps {
      let t = d.time(s)
      let hPrev: UnsafePointer<T>? = s == 0 ? p.h0 : UnsafePointer(p.output + d.previousTime(s) * state)
      let g = p.gates + t * b * gw
      switch d.mode {
      case .lstm:
        if let hPrev { recurrent.apply(hPrev, lda: n, m: b, g, ldc: gw, accumulate: true) }
        let cPrev = s == 0 ? (p.c0 ?? UnsafePointer(zeros)) : UnsafePointer(p.cells! + d.previousTime(s) * state)
        LSTMGates.forward(gates: g, bias: biasSum.map { UnsafePointer($0) }, cPrev: cPrev, c: p.cells! + t * state,
                          tanhC: p.tanhCells! + t * state, h: p.output + t * state, batch: b, hidden: n)
      case .gru:
        if let hPrev { recurrent.apply(hPrev, lda: n, m: b, hg!, ldc: gw, accumulate: false) }
        GRUGates.forward(xg: g, hg: hg!, biasIH: p.biasIH, biasHH: p.biasHH, hPrev: hPrev ?? UnsafePointer(zeros),
                         newGate: p.newGate! + t * state, h: p.output + t * state, batch: b, hidden: n)
      case .rnnTanh, .rnnRelu:
        if let hPrev { recurrent.apply(hPrev, lda: n, m: b, g, ldc: gw, accumulate: true) }
        RNNGates.forward(pre: g, bias: biasSum.map { UnsafePointer($0) }, relu: d.mode == .rnnRelu,
                         h: p.output + t * state, batch: b, hidden: n)
      }
    }
    if d.mode == .lstm {   // c_n goes in the row after the outputs
      (p.output + d.steps * state).update(from: p.cells! + d.time(d.steps - 1) * state, count: state)
    }
  }

  // MARK: Backward

  /// BPTT. `dOutput` is ∂L/∂output in the layout of `output` (row T is ∂L/∂c_n for an LSTM).
  /// `dGates` [T, B, G·H] receives ∂L/∂a (the gradient of the input projections); a GRU also
  /// needs `dHidden` [T, B, G·H] for the hidden projections, which differ from it in the n part.
  static func backward<T: FloatElement>(_ d: Dims, _ p: Buffers<T>, dOutput: UnsafePointer<T>,
                                        dGates: UnsafeMutablePointer<T>, dHidden: UnsafeMutablePointer<T>?,
                                        into out: Gradients<T>) {
    let (b, n, gw) = (d.batch, d.hidden, d.gateWidth)
    let state = b * n
    let zeros = scratch(T.self, state, zeroed: true), dh = scratch(T.self, state, zeroed: true)
    let dc = scratch(T.self, state, zeroed: true)
    defer { zeros.deallocate(); dh.deallocate(); dc.deallocate() }
    if d.mode == .lstm { dc.update(from: dOutput + d.steps * state, count: state) }
    let dRecurrent = d.mode == .gru ? dHidden! : dGates   // ∂L/∂(h·W_hhᵀ + b_hh)
    let needH0 = out.h0 != nil
    let recurrent = RecurrentProduct(p.weightHH, k: gw, n: n, transposed: false)   // ∂a·W_hh
    defer { recurrent.deallocate() }

    for s in stride(from: d.steps - 1, through: 0, by: -1) {
      let t = d.time(s)
      let hPrev = s == 0 ? (p.h0 ?? UnsafePointer(zeros)) : UnsafePointer(p.output + d.previousTime(s) * state)
      let dy = dOutput + t * state, da = dGates + t * b * gw
      let carry = s > 0 || needH0   // whether ∂L/∂h of the previous state is wanted
      switch d.mode {
      case .lstm:
        let cPrev = s == 0 ? (p.c0 ?? UnsafePointer(zeros)) : UnsafePointer(p.cells! + d.previousTime(s) * state)
        LSTMGates.backward(gates: p.gates + t * b * gw, cPrev: cPrev, tanhC: p.tanhCells! + t * state, dOutput: dy,
                           dh: dh, dc: dc, dGates: da, batch: b, hidden: n)
        if carry { recurrent.apply(da, lda: gw, m: b, dh, ldc: n, accumulate: false) }
      case .gru:
        let dq = dHidden! + t * b * gw
        GRUGates.backward(gates: p.gates + t * b * gw, newGate: p.newGate! + t * state, hPrev: hPrev, dOutput: dy,
                          dh: dh, dXg: da, dHg: dq, batch: b, hidden: n)
        if carry { recurrent.apply(dq, lda: gw, m: b, dh, ldc: n, accumulate: true) }
      case .rnnTanh, .rnnRelu:
        RNNGates.backward(h: p.output + t * state, dOutput: dy, dh: dh, dPre: da, relu: d.mode == .rnnRelu, count: state)
        if carry { recurrent.apply(da, lda: gw, m: b, dh, ldc: n, accumulate: false) }
      }
    }
    if let g = out.h0 { g.update(from: dh, count: state) }
    if let g = out.c0 { g.update(from: dc, count: state) }

    // ∂W_hh = Σₜ ∂aₜᵀ·hₜ₋₁: the states that fed steps 1… are output rows shifted by one, so all
    // but the first step are one GEMM; the first step's state is h0 (nothing when it is zero).
    if let dW = out.weightHH {
      let first = d.time(0), later = d.reverse ? 0 : 1, states = d.reverse ? p.output + state : p.output
      gemm(true, false, m: gw, n: n, k: (d.steps - 1) * b, dRecurrent + later * b * gw, lda: gw,
           states, ldb: n, beta: 0, dW, ldc: n)
      if let h0 = p.h0 {
        gemm(true, false, m: gw, n: n, k: b, dRecurrent + first * b * gw, lda: gw, h0, ldb: n, beta: 1, dW, ldc: n)
      }
    }
    let all = d.steps * b
    if let dW = out.weightIH {
      gemm(true, false, m: gw, n: d.input, k: all, dGates, lda: gw, p.x, ldb: d.input, beta: 0, dW, ldc: d.input)
    }
    if let dX = out.x {
      gemm(false, false, m: all, n: d.input, k: gw, dGates, lda: gw, p.weightIH, ldb: d.input, beta: 0, dX, ldc: d.input)
    }
    if let db = out.biasIH { columnSums(dGates, rows: all, cols: gw, into: db) }
    if let db = out.biasHH {
      if d.mode != .gru, let same = out.biasIH { db.update(from: same, count: gw) } else { columnSums(dRecurrent, rows: all, cols: gw, into: db) }
    }
  }

  // MARK: Helpers

  /// out[j] = Σᵢ m[i, j]: a bias gradient. Row by row, so the inner loop is contiguous.
  static func columnSums<T: FloatElement>(_ m: UnsafePointer<T>, rows: Int, cols: Int, into out: UnsafeMutablePointer<T>) {
    out.update(repeating: 0, count: cols)
    for i in 0..<rows {
      let row = m + i * cols
      for j in 0..<cols { out[j] += row[j] }
    }
  }

  /// b_ih + b_hh (either may be missing), or nil when there is no bias.
  static func summedBias<T: FloatElement>(_ a: UnsafePointer<T>?, _ b: UnsafePointer<T>?, _ count: Int) -> UnsafeMutablePointer<T>? {
    guard a != nil || b != nil else { return nil }
    let sum = scratch(T.self, count, zeroed: true)
    if let a { GateActivations.add(a, into: sum, count) }
    if let b { GateActivations.add(b, into: sum, count) }
    return sum
  }

  /// A small working buffer (a state or a row of gates); the caller deallocates it.
  static func scratch<T: FloatElement>(_: T.Type, _ count: Int, zeroed: Bool) -> UnsafeMutablePointer<T> {
    let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(count, 1))
    if zeroed { p.initialize(repeating: 0, count: Swift.max(count, 1)) }
    return p
  }
}
