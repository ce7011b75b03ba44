import TorchlightAVX512

/// The pointwise part of one GRU time step over raw buffers, forward and backward. Gates in
/// PyTorch's order r, z, n; the reset gate multiplies the whole hidden projection of n, bias
/// included:
///
///     r = σ(x_r + h_r),  z = σ(x_z + h_z),  n = tanh(x_n + r·h_n),  h' = (1 − z)·n + z·h
///     where x_• = (x·W_ihᵀ + b_ih)_•  and  h_• = (h·W_hhᵀ + b_hh)_•
enum GRUGates {
  /// `xg` [B, 3H] holds x·W_ihᵀ on entry and r, z, n on exit; `hg` [B, 3H] is h·W_hhᵀ. Biases
  /// are added here. Writes h_n (kept for backward: ∂L/∂r needs it) and h'.
  static func forward<T: FloatElement>(xg: UnsafeMutablePointer<T>, hg: UnsafePointer<T>, biasIH: UnsafePointer<T>?,
                                       biasHH: UnsafePointer<T>?, hPrev: UnsafePointer<T>, newGate: UnsafeMutablePointer<T>,
                                       h: UnsafeMutablePointer<T>, batch: Int, hidden n: Int) {
    if T.self == Float.self && CPUFeatures.avx512 {   // the same passes, 16 lanes wide
      return GatePasses.gruForward(xg: rebound(xg), hg: rebound(hg), biasIH: biasIH.map { rebound($0) },
                                   biasHH: biasHH.map { rebound($0) }, hPrev: rebound(hPrev), newGate: rebound(newGate),
                                   h: rebound(h), batch: batch, hidden: n)
    }
    for b in 0..<batch {
      let a = xg + b * 3 * n, q = hg + b * 3 * n, hn = newGate + b * n, hp = hPrev + b * n, hr = h + b * n
      if let biasIH { GateActivations.add(biasIH, into: a, 3 * n) }
      GateActivations.add(q, into: a, 2 * n)
      let r = a, z = a + n, nn = a + 2 * n, qn = q + 2 * n
      if let biasHH {
        GateActivations.add(biasHH, into: a, 2 * n)
        let bn = biasHH + 2 * n
        for j in 0..<n { hn[j] = qn[j] + bn[j] }
      } else {
        hn.update(from: qn, count: n)
      }
      GateActivations.sigmoid(a, a, 2 * n)                   // r, z
      for j in 0..<n { nn[j] += r[j] * hn[j] }
      GateActivations.tanh(nn, nn, n)                        // n
      for j in 0..<n { let nj = nn[j]; hr[j] = nj + z[j] * (hp[j] - nj) }
    }
  }

  /// Given ∂L/∂h' = `dOutput` + `dh`, writes ∂L/∂x_• to `dXg` and ∂L/∂h_• to `dHg`, and
  /// replaces `dh` by the direct part of ∂L/∂h, ∂h'·z (the caller adds dHg·W_hh):
  ///
  ///     ∂n = ∂h'·(1 − z)   ∂z = ∂h'·(h − n)   ∂x_n = ∂n·(1 − n²)   ∂h_n = ∂x_n·r
  ///     ∂r = ∂x_n·h_n      ∂x_r = ∂h_r = ∂r·r(1 − r)               ∂x_z = ∂h_z = ∂z·z(1 − z)
  ///
  /// Short loops over few arrays each, so that every one vectorises (see `LSTMGates.backward`).
  static func backward<T: FloatElement>(gates: UnsafePointer<T>, newGate: UnsafePointer<T>, hPrev: UnsafePointer<T>,
                                        dOutput: UnsafePointer<T>, dh: UnsafeMutablePointer<T>, dXg: UnsafeMutablePointer<T>,
                                        dHg: UnsafeMutablePointer<T>, batch: Int, hidden n: Int) {
    if T.self == Float.self {
      return backwardLanes(gates: rebound(gates), newGate: rebound(newGate), hPrev: rebound(hPrev), dOutput: rebound(dOutput),
                           dh: rebound(dh), dXg: rebound(dXg), dHg: rebound(dHg), batch: batch, hidden: n)
    }
    for b in 0..<batch {
      let a = gates + b * 3 * n, hn = newGate + b * n, hp = hPrev + b * n, gy = dOutput + b * n, gh = dh + b * n
      let r = a, z = a + n, nn = a + 2 * n
      let dx = dXg + b * 3 * n, dq = dHg + b * 3 * n
      let dxr = dx, dxz = dx + n, dxn = dx + 2 * n, dqn = dq + 2 * n
      for j in 0..<n { gh[j] += gy[j] }
      for j in 0..<n { let zj = z[j], nj = nn[j]; dxn[j] = gh[j] * (1 - zj) * (1 - nj * nj) }
      for j in 0..<n { let zj = z[j]; dxz[j] = gh[j] * (hp[j] - nn[j]) * (zj - zj * zj) }
      for j in 0..<n {
        let rj = r[j], dan = dxn[j]
        dxr[j] = dan * hn[j] * (rj - rj * rj)
        dqn[j] = dan * rj
      }
      for j in 0..<n { gh[j] *= z[j] }
      dq.update(from: dx, count: 2 * n)   // r and z: the same gradient on both sides
    }
  }

  // MARK: float32, 8 lanes at a time

  /// `backward` for float32, one pass over the step.
  static func backwardLanes(gates: UnsafePointer<Float>, newGate: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
                            dOutput: UnsafePointer<Float>, dh: UnsafeMutablePointer<Float>, dXg: UnsafeMutablePointer<Float>,
                            dHg: UnsafeMutablePointer<Float>, batch: Int, hidden n: Int) {
    typealias L = Lanes8
    for b in 0..<batch {
      let a = gates + b * 3 * n, hn = newGate + b * n, hp = hPrev + b * n, gy = dOutput + b * n, gh = dh + b * n
      let dx = dXg + b * 3 * n, dq = dHg + b * 3 * n
      for j in stride(from: 0, to: n, by: 8) {
        let w = Swift.min(8, n - j)
        let r = L.load(a, j, w), z = L.load(a + n, j, w), nv = L.load(a + 2 * n, j, w)
        let dhv = L.load(gy, j, w) + L.load(gh, j, w)
        let dan = dhv * (1 - z) * (1 - nv * nv)
        let daz = dhv * (L.load(hp, j, w) - nv) * (z - z * z)
        let dar = dan * L.load(hn, j, w) * (r - r * r)
        L.store(dar, dx, j, w); L.store(daz, dx + n, j, w); L.store(dan, dx + 2 * n, j, w)
        L.store(dar, dq, j, w); L.store(daz, dq + n, j, w); L.store(dan * r, dq + 2 * n, j, w)
        L.store(dhv * z, gh, j, w)
      }
    }
  }
}
