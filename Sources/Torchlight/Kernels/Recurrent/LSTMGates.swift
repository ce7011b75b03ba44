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
      // One pointer per gate, so each loop is plain and vectorises.
      let i = a, f = a + n, g = a + 2 * n, o = a + 3 * n
      for j in 0..<n { cr[j] = f[j] * cp[j] + i[j] * g[j] }
      GateActivations.tanh(cr, tr, n)
      for j in 0..<n { hr[j] = o[j] * tr[j] }
    }
  }

  /// Given ∂L/∂h' = `dOutput` + `dh` (from the output at this step and from the next step) and
  /// ∂L/∂c' = `dc`, writes ∂L/∂a to `dGates` and replaces `dc` by ∂L/∂c (`dh` is overwritten
  /// with ∂L/∂h'):
  ///
  ///     ∂c' += ∂h'·o·(1 − tanh²c')          ∂a_o = ∂h'·tanh c'·o(1 − o)
  ///     ∂aᵢ = ∂c'·g·i(1 − i)   ∂a_g = ∂c'·i·(1 − g²)   ∂a_f = ∂c'·c·f(1 − f)   ∂c = ∂c'·f
  ///
  /// Several short loops rather than one: each touches few enough arrays for the compiler to
  /// prove they do not overlap at run time, so each runs 8 values at a time.
  static func backward<T: FloatElement>(gates: UnsafePointer<T>, cPrev: UnsafePointer<T>, tanhC: UnsafePointer<T>,
                                        dOutput: UnsafePointer<T>, dh: UnsafeMutablePointer<T>, dc: UnsafeMutablePointer<T>,
                                        dGates: UnsafeMutablePointer<T>, batch: Int, hidden n: Int) {
    for b in 0..<batch {
      let a = gates + b * 4 * n, da = dGates + b * 4 * n
      let cp = cPrev + b * n, tr = tanhC + b * n, gy = dOutput + b * n, gh = dh + b * n, gc = dc + b * n
      let i = a, f = a + n, g = a + 2 * n, o = a + 3 * n
      let di = da, df = da + n, dg = da + 2 * n, dout = da + 3 * n
      for j in 0..<n { gh[j] += gy[j] }
      for j in 0..<n {
        let tc = tr[j], oj = o[j], dhj = gh[j]
        gc[j] += dhj * oj * (1 - tc * tc)
        dout[j] = dhj * tc * (oj - oj * oj)
      }
      for j in 0..<n {
        let ij = i[j], gj = g[j], dcj = gc[j]
        di[j] = dcj * gj * (ij - ij * ij)
        dg[j] = dcj * ij * (1 - gj * gj)
      }
      for j in 0..<n {
        let fj = f[j], dcj = gc[j]
        df[j] = dcj * cp[j] * (fj - fj * fj)
        gc[j] = dcj * fj
      }
    }
  }
}
