import Torchlight

/// Elementwise ops and a sum over 10M floats, in ns per element, for a contiguous tensor and for
/// a transposed view of the same size. The reference is a plain loop over raw pointers measured
/// in the same run: `ratio` = our time / the loop's (1.0 means no overhead).
func benchElementwise(threads: Int) {
  let side = 3162  // 3162² ≈ 10M
  let n = side * side
  let x = Tensor.randn([side, side], generator: Generator(seed: 3))
  let y = Tensor.randn([side, side], generator: Generator(seed: 4))
  let xt = x.t(), yt = y.t()
  let xs = x.toArray(Float.self), ys = y.toArray(Float.self)
  var out = [Float](repeating: 0, count: n)
  let repeats = 5

  func loop(_ f: (Float, Float) -> Float) -> Double {
    bestTime(repeats: repeats) {
      xs.withUnsafeBufferPointer { px in ys.withUnsafeBufferPointer { py in out.withUnsafeMutableBufferPointer { po in
        for i in 0..<n { po[i] = f(px[i], py[i]) }
      } } }
      blackHole(out)
    }
  }
  let references: [String: Double] = [
    "add": loop { $0 + $1 }, "mul": loop { $0 * $1 },
    "exp": loop { a, _ in Float.exp(a) }, "relu": loop { a, _ in a < 0 ? 0 : a },
    "sum": bestTime(repeats: repeats) { blackHole(xs.withUnsafeBufferPointer(plainSum)) },
  ]
  let ops: [(String, (Tensor, Tensor) -> Tensor)] = [
    ("add", { $0 + $1 }), ("mul", { $0 * $1 }), ("exp", { a, _ in a.exp() }),
    ("relu", { a, _ in a.relu() }), ("sum", { a, _ in a.sum() }),
  ]
  for (name, op) in ops {
    for (layout, a, b) in [("contiguous", x, y), ("transposed", xt, yt)] {
      let t = bestTime(repeats: repeats) { blackHole(op(a, b)) }
      let ref = references[name]!
      report("elementwise", ["threads": Double(threads), "ns_per_element": t / Double(n) * 1e9,
                             "loop_ns_per_element": ref / Double(n) * 1e9, "ratio": t / ref],
             extra: ["op": name, "layout": layout])
    }
  }
}

/// The textbook loop: one accumulator, one element at a time.
@inline(never) func plainSum(_ p: UnsafeBufferPointer<Float>) -> Float {
  var s: Float = 0
  for v in p { s += v }
  return s
}
