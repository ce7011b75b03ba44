/// One entry of a TensorBoard `Summary` (summary.proto's `Summary.Value`): a tag, and a scalar,
/// a histogram, a PNG image or a text. Tags with a `/` are grouped by their first part.
public enum SummaryValue {
  case scalar(tag: String, value: Float)
  case histogram(tag: String, HistogramData)
  case image(tag: String, PNGImage)
  case text(tag: String, String)

  public var tag: String {
    switch self {
    case .scalar(let tag, _), .histogram(let tag, _), .image(let tag, _), .text(let tag, _): tag
    }
  }

  /// The `Summary.Value` message: tag 1, then one of simple_value 2 (float), image 4
  /// (`Summary.Image`), histo 5 (`HistogramProto`), or, for text, metadata 9 naming the "text"
  /// plugin and tensor 8 (a `TensorProto` of one string), which is how TensorBoard's text
  /// dashboard recognises it.
  public var encoded: ProtobufEncoder {
    var m = ProtobufEncoder()
    m.string(1, tag)
    switch self {
    case .scalar(_, let value):
      m.float(2, value)
    case .histogram(_, let histogram):
      m.message(5, histogram.encoded)
    case .image(_, let png):
      var image = ProtobufEncoder()       // Summary.Image: height 1, width 2, colorspace 3, encoded_image_string 4
      image.int(1, Int64(png.height)); image.int(2, Int64(png.width)); image.int(3, Int64(png.colorspace))
      image.bytes(4, png.bytes)
      m.message(4, image)
    case .text(_, let text):
      var plugin = ProtobufEncoder()      // SummaryMetadata.PluginData: plugin_name 1 (content 2 stays empty: version 0)
      plugin.string(1, "text")
      var metadata = ProtobufEncoder()    // SummaryMetadata: plugin_data 1
      metadata.message(1, plugin)
      m.message(9, metadata)
      var dim = ProtobufEncoder()         // TensorShapeProto.Dim: size 1
      dim.int(1, 1)
      var shape = ProtobufEncoder()       // TensorShapeProto: dim 2
      shape.message(2, dim)
      var tensor = ProtobufEncoder()      // TensorProto: dtype 1 (DT_STRING = 7), tensor_shape 2, string_val 8
      tensor.int(1, 7); tensor.message(2, shape); tensor.string(8, text)
      m.message(8, tensor)
    }
    return m
  }
}

/// TensorFlow's `Event` (event.proto): wall_time 1 (double, seconds since 1970), step 2 (int64),
/// and one of file_version 3 (the first record of every file) or summary 5 (`Summary`, whose
/// field 1 repeats `Summary.Value`).
public enum EventEncoding {
  /// What the first event of a file says: version 2 of the format, under which TensorBoard takes
  /// a step that goes back (a per-epoch tag after a per-batch one) as data, not as a restart.
  public static let fileVersion = "brain.Event:2"

  public static func fileVersionEvent(wallTime: Double) -> [UInt8] {
    var event = ProtobufEncoder()
    event.double(1, wallTime)
    event.string(3, fileVersion)
    return event.bytes
  }

  public static func summaryEvent(_ values: [SummaryValue], step: Int, wallTime: Double) -> [UInt8] {
    var summary = ProtobufEncoder()
    for value in values { summary.message(1, value.encoded) }
    var event = ProtobufEncoder()
    event.double(1, wallTime)
    event.int(2, Int64(step))
    event.message(5, summary)
    return event.bytes
  }
}
