import TorchlightAVX512

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
    if T.self == Float.self && CPUFeatures.avx512 {   // the same passes, 16 lanes wide
      return GatePasses.lstmForward(gates: rebound(gates), bias: bias.map { rebound($0) }, cPrev: rebound(cPrev), c: rebound(c),
                                    tanhC: rebound(tanhC), h: rebound(h), batch: batch, hidden: n)
    }
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
  /// ∂L/∂c' = `dc`, writes ∂L/∂a to `dGates` and replaces `dc` by ∂L/∂c (`dh` may be used as
  /// scratch):
  ///
  ///     ∂c' += ∂h'·o·(1 − tanh²c')          ∂a_o = ∂h'·tanh c'·o(1 − o)
  ///     ∂aᵢ = ∂c'·g·i(1 − i)   ∂a_g = ∂c'·i·(1 − g²)   ∂a_f = ∂c'·c·f(1 − f)   ∂c = ∂c'·f
  ///
  /// Several short loops rather than one: each touches few enough arrays for the compiler to
  /// prove they do not overlap at run time, so each runs 8 values at a time.
  static func backward<T: FloatElement>(gates: UnsafePointer<T>, cPrev: UnsafePointer<T>, tanhC: UnsafePointer<T>,
                                        dOutput: UnsafePointer<T>, dh: UnsafeMutablePointer<T>, dc: UnsafeMutablePointer<T>,
                                        dGates: UnsafeMutablePointer<T>, batch: Int, hidden n: Int) {
    if T.self == Float.self {
      return backwardLanes(gates: rebound(gates), cPrev: rebound(cPrev), tanhC: rebound(tanhC), dOutput: rebound(dOutput),
                           dh: rebound(dh), dc: rebound(dc), dGates: rebound(dGates), batch: batch, hidden: n)
    }
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

  // MARK: float32, 8 lanes at a time

  /// `backward` for float32, one pass over the step (arithmetic only, so a single loop on 8
  /// lanes beats the short loops above; forward stays in passes, which the compiler vectorises
  /// and interleaves better than one long chain of exp, divide and polynomial per lane).
  static func backwardLanes(gates: UnsafePointer<Float>, cPrev: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
                            dOutput: UnsafePointer<Float>, dh: UnsafeMutablePointer<Float>, dc: UnsafeMutablePointer<Float>,
                            dGates: UnsafeMutablePointer<Float>, batch: Int, hidden n: Int) {
    typealias L = Lanes8
    for b in 0..<batch {
      let a = gates + b * 4 * n, da = dGates + b * 4 * n
      let cp = cPrev + b * n, tr = tanhC + b * n, gy = dOutput + b * n, gh = dh + b * n, gc = dc + b * n
      for j in stride(from: 0, to: n, by: 8) {
        let w = Swift.min(8, n - j)
        let i = L.load(a, j, w), f = L.load(a + n, j, w), g = L.load(a + 2 * n, j, w), o = L.load(a + 3 * n, j, w)
        let tc = L.load(tr, j, w)
        let dhv = L.load(gy, j, w) + L.load(gh, j, w)
        let dcv = L.load(gc, j, w) + dhv * o * (1 - tc * tc)
        L.store(dcv * g * (i - i * i), da, j, w)
        L.store(dcv * L.load(cp, j, w) * (f - f * f), da + n, j, w)
        L.store(dcv * i * (1 - g * g), da + 2 * n, j, w)
        L.store(dhv * tc * (o - o * o), da + 3 * n, j, w)
        L.store(dcv * f, gc, j, w)
      }
    }
  }
}

/// The same memory seen as float32 (callers check `T.self == Float.self` first).
@inline(__always)
func rebound<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
  UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

@inline(__always)
func rebound<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> {
  UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}
