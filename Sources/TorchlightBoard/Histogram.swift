/// A histogram as TensorBoard stores it (histogram.proto's `HistogramProto`): the count, range,
/// sum and sum of squares of the values, and the counts of buckets given by their upper edges,
/// bucket i holding the values in (bucketLimits[i-1], bucketLimits[i]] (the first from `min`).
public struct HistogramData: Equatable, Sendable {
  public var min = 0.0, max = 0.0, count = 0.0, sum = 0.0, sumSquares = 0.0
  public var bucketLimits: [Double] = [], bucketCounts: [Double] = []

  /// `bins` equal-width buckets from the smallest value to the largest (one bucket when they are
  /// equal). Non-finite values are left out of the buckets and of the sums. (Inlinable, so that
  /// it is compiled for the caller's element type: a generic loop left unspecialised is many
  /// times slower.)
  @inlinable
  public init<Values: Collection>(_ values: Values, bins: Int = 30) where Values.Element: BinaryFloatingPoint {
    precondition(bins > 0, "HistogramData: bins must be positive, got \(bins)")
    var lo = Double.infinity, hi = -Double.infinity
    for v in values where v.isFinite {
      let x = Double(v)
      count += 1; sum += x; sumSquares += x * x
      lo = Swift.min(lo, x); hi = Swift.max(hi, x)
    }
    guard count > 0 else { return }
    (min, max) = (lo, hi)
    let n = hi > lo ? bins : 1, width = (hi - lo) / Double(n)
    bucketLimits = (1...n).map { $0 == n ? hi : lo + Double($0) * width }
    bucketCounts = [Double](repeating: 0, count: n)
    for v in values where v.isFinite {
      // Upper edges are inclusive: a value on an edge belongs to the bucket below it.
      let x = Double(v)
      var i = width > 0 ? Int(((x - lo) / width).rounded(.up)) - 1 : 0
      i = Swift.min(Swift.max(i, 0), n - 1)
      bucketCounts[i] += 1
    }
  }

  /// The `HistogramProto` message: min 1, max 2, num 3, sum 4, sum_squares 5 (doubles), then
  /// bucket_limit 6 and bucket 7 (packed repeated doubles).
  public var encoded: ProtobufEncoder {
    var m = ProtobufEncoder()
    m.double(1, min); m.double(2, max); m.double(3, count); m.double(4, sum); m.double(5, sumSquares)
    m.packedDoubles(6, bucketLimits)
    m.packedDoubles(7, bucketCounts)
    return m
  }
}
