import Testing
@testable import TorchlightBoard

@Suite("Histograms") struct HistogramTests {
  @Test func bucketsHoldTheValuesUpToTheirUpperEdge() {
    // Range 0...4 in 4 buckets of width 1: (…,1], (1,2], (2,3], (3,4]; edges fall to the bucket below.
    let h = HistogramData([0, 1, 1.5, 2, 3.5, 4, 4] as [Double], bins: 4)
    #expect(h.bucketLimits == [1, 2, 3, 4])
    #expect(h.bucketCounts == [2, 2, 0, 3])
    #expect(h.min == 0 && h.max == 4 && h.count == 7)
    #expect(h.sum == 16 && h.sumSquares == 0 + 1 + 2.25 + 4 + 12.25 + 16 + 16)
  }

  @Test func equalValuesMakeOneBucketAndNonFiniteOnesAreLeftOut() {
    let h = HistogramData([0, 0, Float.nan, 0, Float.infinity] as [Float])
    #expect(h.bucketLimits == [0] && h.bucketCounts == [3] && h.count == 3)
    let empty = HistogramData([Double]())
    #expect(empty.count == 0 && empty.bucketCounts.isEmpty)
  }
}
