import Foundation
import Testing
@testable import TorchlightOptim
import TorchlightNN

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

@Suite("Model EMA: timm's warm-up, buffers, state dict") struct ModelEMATests {
  /// d_0 = 0 (the first update copies the weights), then d_n = min(d, 1 − (1 + n)^(−2/3)).
  @Test func warmsUpAsTimmDoes() {
    let w = Tensor([0.0, 0], shape: [2], dtype: .float64)
    let average = ExponentialMovingAverage(namedTensors: [("w", w)], decay: 0.9)
    var expected = [0.0, 0]
    for n in 0..<40 {
      let values = [Double(n), -2 * Double(n)]
      w.copy(from: Tensor(values, shape: [2], dtype: .float64))
      let d = n == 0 ? 0 : min(0.9, 1 - pow(1 + Double(n), -2.0 / 3))
      #expect(Swift.abs(average.currentDecay - d) < 1e-15, "update \(n)")
      average.update()
      expected = zip(expected, values).map { d * $0 + (1 - d) * $1 }
      #expect(zip(average.shadows[0].toDoubles(), expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
    }
    #expect(average.currentDecay == 0.9)   // 1 − 41^(−2/3) ≈ 0.916 is past the cap
  }

  /// Running statistics are averaged with the weights; an integer tensor (a step counter) is not.
  @Test func averagesFloatBuffersAndSkipsIntegerOnes() {
    let norm = BatchNorm1d(3, dtype: .float64)
    let average = ExponentialMovingAverage(namedTensors: norm.namedTensors() + [("steps", Tensor.full([], 7, dtype: .int64))], decay: 0.99)
    #expect(average.names == ["weight", "bias", "runningMean", "runningVar"], "\(average.names)")
  }

  /// Saved and loaded into a fresh average, the shadows and the warm-up's place come back, so the
  /// next update is the same; a state dict of another shape is refused and changes nothing.
  @Test func stateDictRoundTrip() throws {
    let w = Tensor([1.0, 2, 3], shape: [3], dtype: .float64)
    let first = ExponentialMovingAverage(namedTensors: [("w", w)], decay: 0.999)
    for n in 0..<5 { w.copy(from: Tensor([Double(n), 1, -1], shape: [3], dtype: .float64)); first.update() }
    let second = ExponentialMovingAverage(namedTensors: [("w", w)], decay: 0.999)
    try second.load(stateDict: first.stateDict())
    #expect(second.updates == 5 && second.shadows[0].toDoubles() == first.shadows[0].toDoubles())
    first.update(); second.update()
    #expect(second.shadows[0].toDoubles() == first.shadows[0].toDoubles())
    let before = second.shadows[0].toDoubles()
    #expect(throws: OptimizerStateError.self) {
      try second.load(stateDict: [("shadow.w", Tensor([1.0, 2], shape: [2], dtype: .float64)), ("updates", Tensor.full([], 3, dtype: .int64))])
    }
    #expect(second.shadows[0].toDoubles() == before && second.updates == 6)
  }
}
