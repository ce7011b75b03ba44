/// The pointwise part of one Elman RNN step over raw buffers, forward and backward:
/// h' = φ(a) with a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh and φ = tanh or ReLU.
enum RNNGates {
  /// `pre` [B, H] holds a without its bias (`bias` = b_ih + b_hh, or nil); writes h'.
  static func forward<T: FloatElement>(pre: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?, relu: Bool,
                                       h: UnsafeMutablePointer<T>, batch: Int, hidden n: Int) {
    for b in 0..<batch {
      let a = pre + b * n, hr = h + b * n
      if let bias { GateActivations.add(bias, into: a, n) }
      if relu { GateActivations.relu(a, hr, n) } else { GateActivations.tanh(a, hr, n) }
    }
  }

  /// ∂L/∂a = (∂out + ∂h)·φ'(a), with φ' read off the output: 1 − h'² for tanh, [h' > 0] for ReLU.
  static func backward<T: FloatElement>(h: UnsafePointer<T>, dOutput: UnsafePointer<T>, dh: UnsafePointer<T>,
                                        dPre: UnsafeMutablePointer<T>, relu: Bool, count: Int) {
    if relu {
      for i in 0..<count { dPre[i] = h[i] > 0 ? dOutput[i] + dh[i] : 0 }
    } else {
      for i in 0..<count { let y = h[i]; dPre[i] = (dOutput[i] + dh[i]) * (1 - y * y) }
    }
  }
}
