import Foundation
import Testing
@testable import TorchlightOptim

/// The small problem every optimizer test runs on: f(w) = ½‖Aw − b‖², ∇f(w) = Aᵀ(Aw − b),
/// computed here in plain Double arithmetic.
enum Quadratic {
  static let a: [[Double]] = [[1, 2, 0], [0, 1, -1], [3, 0, 1], [1, 1, 1]]
  static let b: [Double] = [1, -2, 0.5, 3]
  static let w0: [Double] = [0.5, -1, 2]

  static func gradient(_ w: [Double]) -> [Double] {
    let residual = a.indices.map { i in zip(a[i], w).reduce(0) { $0 + $1.0 * $1.1 } - b[i] }
    return w.indices.map { j in a.indices.reduce(0) { $0 + a[$1][j] * residual[$1] } }
  }

  /// Runs `steps` steps of the optimizer that `make` builds on a float64 parameter starting at
  /// w0, with the gradient set by hand each step, and returns the iterates.
  static func run(steps: Int = 3, _ make: (Tensor) -> any Optimizer) -> [[Double]] {
    let w = Tensor(w0, shape: [3], dtype: .float64).requiringGrad()
    let optimizer = make(w)
    var iterates: [[Double]] = []
    for _ in 0..<steps {
      w.setGrad(Tensor(gradient(w.toDoubles()), shape: [3], dtype: .float64))
      optimizer.step()
      iterates.append(w.toDoubles())
    }
    return iterates
  }
}

/// Expects two lists of vectors to agree to `tolerance` (relative to the size of the values).
func expectClose(_ got: [[Double]], _ want: [[Double]], tolerance: Double = 1e-12,
                 sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(got.count == want.count, sourceLocation: sourceLocation)
  for (t, (x, y)) in zip(got, want).enumerated() {
    let close = x.count == y.count && zip(x, y).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
    #expect(close, "step \(t + 1): got \(x), expected \(y)", sourceLocation: sourceLocation)
  }
}

func expectClose(_ got: [Double], _ want: [Double], tolerance: Double = 1e-12,
                 sourceLocation: SourceLocation = #_sourceLocation) {
  expectClose(got.map { [$0] }, want.map { [$0] }, tolerance: tolerance, sourceLocation: sourceLocation)
}
