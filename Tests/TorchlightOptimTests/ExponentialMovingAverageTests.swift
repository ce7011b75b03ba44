import Foundation
import Testing
@testable import TorchlightOptim

@Suite("Exponential moving average of parameters") struct ExponentialMovingAverageTests {
  /// The shadow follows θ̄ ← d_n θ̄ + (1 − d_n) θ with the warm-up decay d_n = min(d, (1 + n)/(10 + n)),
  /// computed here by hand; sampling with the average puts the trained values back afterwards.
  @Test func followsTheRecurrenceAndRestores() {
    let w = Tensor([1.0, -2], shape: [2], dtype: .float64).requiringGrad()
    let average = ExponentialMovingAverage(parameters: [w], decay: 0.9)
    var expected = [1.0, -2]
    let path: [[Double]] = [[2, 0], [4, 4], [0, 1], [3, -1], [5, 5]]
    for (n, values) in path.enumerated() {
      withNoGrad { w.copy(from: Tensor(values, shape: [2], dtype: .float64)) }
      let d = min(0.9, Double(1 + n) / Double(10 + n))
      #expect(Swift.abs(average.currentDecay - d) < 1e-15)
      average.update()
      expected = zip(expected, values).map { d * $0 + (1 - d) * $1 }
      let shadow = average.shadows[0].toDoubles()
      #expect(zip(shadow, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 }, "step \(n): \(shadow) vs \(expected)")
    }
    let inside = average.withAveragedParameters { w.toDoubles() }
    #expect(zip(inside, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
    #expect(w.toDoubles() == [5, 5])
    average.copyToParameters()
    #expect(zip(w.toDoubles(), expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
  }
}
