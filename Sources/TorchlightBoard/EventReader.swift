import Foundation

/// One event read back from an event file: the inverse of `EventEncoding`, for tests and for
/// looking into a run without TensorBoard.
public struct LoggedEvent {
  public var wallTime = 0.0, step = 0
  /// Set on a file's first event only.
  public var fileVersion: String?
  public var values: [LoggedValue] = []

  /// Every event of an event file, in order; throws on a bad checksum or a malformed message.
  public static func read(atPath path: String) throws -> [LoggedEvent] {
    try TFRecord.records(atPath: path).map { try LoggedEvent(encoded: $0) }
  }

  /// Every event of every `*tfevents*` file directly in `folder` (one run), files in name order.
  public static func read(run folder: String) throws -> [LoggedEvent] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return try names.filter { $0.contains("tfevents") }.sorted()
      .flatMap { try read(atPath: (folder as NSString).appendingPathComponent($0)) }
  }

  init(encoded: [UInt8]) throws {
    let fields = try ProtobufField.decode(encoded)
    wallTime = fields[field: 1]?.double ?? 0
    step = Int(fields[field: 2]?.int ?? 0)
    fileVersion = fields[field: 3]?.string
    let summary = fields[field: 5]?.fields ?? []
    values = summary.all(1).compactMap { $0.fields.map(LoggedValue.init) }
  }
}

/// One `Summary.Value` read back: its tag and whichever kind of value it holds.
public struct LoggedValue {
  public var tag = ""
  public var scalar: Float?
  public var histogram: HistogramData?
  public var image: (width: Int, height: Int, png: [UInt8])?
  public var text: String?
  /// The plugin named in the value's metadata ("text" for a text summary).
  public var plugin: String?

  init(_ fields: [ProtobufField]) {
    tag = fields[field: 1]?.string ?? ""
    scalar = fields[field: 2]?.float
    if let h = fields[field: 5]?.fields {
      var histogram = HistogramData([Double]())
      histogram.min = h[field: 1]?.double ?? 0; histogram.max = h[field: 2]?.double ?? 0
      histogram.count = h[field: 3]?.double ?? 0; histogram.sum = h[field: 4]?.double ?? 0
      histogram.sumSquares = h[field: 5]?.double ?? 0
      histogram.bucketLimits = h[field: 6]?.doubles ?? []; histogram.bucketCounts = h[field: 7]?.doubles ?? []
      self.histogram = histogram
    }
    if let i = fields[field: 4]?.fields {
      image = (Int(i[field: 2]?.int ?? 0), Int(i[field: 1]?.int ?? 0), i[field: 4]?.data ?? [])
    }
    plugin = fields[field: 9]?.fields?[field: 1]?.fields?[field: 1]?.string
    text = fields[field: 8]?.fields?[field: 8]?.string
  }
}
