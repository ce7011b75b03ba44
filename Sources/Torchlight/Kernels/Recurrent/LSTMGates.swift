/// The pointwise part of one LSTM time step over raw buffers, forward and backward; the matrix
/// products around it are done by `RecurrentSequence`. Rows are batch elements, H values per
/// gate, gates in PyTorch's order i, f, g, o.
///
///     i = σ(aᵢ), f = σ(a_f), g = tanh(a_g), o = σ(a_o)     a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
///     c' = f·c + i·g,  h' = o·tanh(c')
enum LSTMGates {
  /// `gates` [B, 4H] holds a without its bias on entry (`bias` is b_ih + b_hh, or nil) and
  /// i, f, g, o on exit. Writes c' and tanh c' (kept for backward) and h'.
  static func forward<T: FloatElement>(gates: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?, cPrev: UnsafePointer<T>,
                                       c: UnsafeMutablePointer<T>, tanhC: UnsafeMutablePointer<T>, h: UnsafeMutablePointer<T>,
                                       batch: Int, hidden n: Int) {
    for b in 0..<batch {
      let a = gates + b * 4 * n, cp = cPrev + b * n, cr = c + b * n, tr = tanhC + b * n, hr = h + b * n
      if let bias { GateActivations.add(bias, into: a, 4 * n) }
      GateActivations.sigmoid(a, a, 2 * n)                  // i, f
      GateActivations.tanh(a + 2 * n, a + 2 * n, n)         // g
      GateActivations.sigmoid(a + 3 * n, a + 3 * n, n)      // o
      for j in 0..<n { cr[j] = a[n + j] * cp[j] + a[j] * a[2 * n + j] }
      GateActivations.tanh(cr, tr, n)
      for j in 0..<n { hr[j] = a[3 * n + j] * tr[j] }
    }
  }

  /// Given ∂L/∂h' = `dOutput` + `dh` (from the output at this step and from the next step) and
  /// ∂L/∂c' = `dc`, writes ∂L/∂a to `dGates` and replaces `dc` by ∂L/∂c:
  ///
  ///     ∂c' += ∂h'·o·(1 − tanh²c')          ∂a_o = ∂h'·tanh c'·o(1 − o)
  ///     ∂aᵢ = ∂c'·g·i(1 − i)   ∂a_g = ∂c'·i·(1 − g²)   ∂a_f = ∂c'·c·f(1 − f)   ∂c = ∂c'·f
  static func backward<T: FloatElement>(gates: UnsafePointer<T>, cPrev: UnsafePointer<T>, tanhC: UnsafePointer<T>,
                                        dOutput: UnsafePointer<T>, dh: UnsafePointer<T>, dc: UnsafeMutablePointer<T>,
                                        dGates: UnsafeMutablePointer<T>, batch: Int, hidden n: Int) {
    for b in 0..<batch {
      let a = gates + b * 4 * n, da = dGates + b * 4 * n
      let cp = cPrev + b * n, tr = tanhC + b * n, gy = dOutput + b * n, gh = dh + b * n, gc = dc + b * n
      for j in 0..<n {
        let i = a[j], f = a[n + j], g = a[2 * n + j], o = a[3 * n + j], tc = tr[j]
        let dhj = gy[j] + gh[j]
        let dcj = gc[j] + dhj * o * (1 - tc * tc)
        da[j] = dcj * g * (i - i * i)
        da[n + j] = dcj * cp[j] * (f - f * f)
        da[2 * n + j] = dcj * i * (1 - g * g)
        da[3 * n + j] = dhj * tc * (o - o * o)
        gc[j] = dcj * f
      }
    }
  }
}
