import Foundation

// Tensors go to disk as their raw bytes, and the format says little-endian. Every machine
// Swift runs on today is little-endian; on a big-endian one the bytes would need swapping.
#if !_endian(little)
#error("SafeTensors writes the host's byte order, which must be little-endian")
#endif

/// The safetensors checkpoint format, written and read by our own code: a file Python's
/// `safetensors` (or plain `numpy`) reads, and that we can read back from them.
///
/// ```
/// ┌──────────────┬──────────────────────────────────────────┬───────────────────────────┐
/// │ N: UInt64 LE │ N bytes of JSON, padded with spaces       │ the tensors' bytes, packed │
/// └──────────────┴──────────────────────────────────────────┴───────────────────────────┘
/// {"__metadata__":{"epoch":"3"},
///  "fc.weight":{"dtype":"F32","shape":[10,784],"data_offsets":[0,31360]},
///  "fc.bias":{"dtype":"F32","shape":[10],"data_offsets":[31360,31400]}}
/// ```
/// `data_offsets` count from the first byte after the header; each tensor is row-major and
/// little-endian, and the tensors follow one another without gaps. Nothing else is stored: no
/// strides (views are written as their contiguous values), no `requiresGrad`, no gradients.
///
/// **Checksums.** The format has none, so a flipped bit in the data would load silently. We add
/// one metadata entry per tensor, `"sha256:<name>"`, holding the SHA-256 of that tensor's bytes
/// as 64 hex digits (`"sha256:fc.bias":"9f86d08…"`). Other readers ignore metadata, so the files
/// stay standard; Python checks one with
/// `hashlib.sha256(data[begin:end]).hexdigest() == header["__metadata__"]["sha256:fc.bias"]`.
/// Reading verifies every checksum present (files from other writers have none) and refuses the
/// file naming the tensor whose bytes changed. The entries are not returned with the metadata.
public enum SafeTensors {
  /// The metadata key of a tensor's checksum is this prefix followed by the tensor's name.
  public static let checksumPrefix = "sha256:"

  /// Writes `tensors` (names must be unique) and string `metadata` to `path`, atomically: the
  /// bytes go to a temporary file beside it, which is renamed over `path` only once complete,
  /// so `path` is always either the whole new file or what it was before. The folder must exist.
  public static func write(_ tensors: [(String, Tensor)], to path: String, metadata: [String: String] = [:]) throws {
    let data = try encode(tensors, metadata: metadata, name: path)
    try writeFileAtomically(data, to: path)
  }

  /// Writes bytes made by `encode` to `path`, atomically as `write(_:to:metadata:)` does: for a
  /// caller that wants to know the size, or to encode once and write in several places.
  public static func write(data: Data, to path: String) throws {
    try writeFileAtomically(data, to: path)
  }

  /// The tensors of a safetensors file, in the order of their data in the file (the order they
  /// were written in, for files we wrote). Throws a `CheckpointError` naming the file, and the
  /// tensor when it is one tensor's entry that is wrong.
  public static func read(_ path: String) throws -> [(String, Tensor)] {
    try readWithMetadata(path).tensors
  }

  /// `read`, plus the file's `__metadata__` strings.
  public static func readWithMetadata(_ path: String) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
    try decode(readFile(path), name: path)
  }

  // MARK: Encoding

  /// The bytes of a safetensors file holding `tensors` and `metadata`, with each tensor's
  /// checksum added to the metadata. `name` is used in errors.
  public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], name: String = "safetensors") throws -> Data {
    var seen = Set<String>()
    for (tensorName, _) in tensors {
      guard tensorName != "__metadata__" else {
        throw CheckpointError(.invalidName, "\(name): '__metadata__' is reserved by the format and cannot name a tensor")
      }
      guard seen.insert(tensorName).inserted else {
        throw CheckpointError(.invalidName, "\(name): two tensors are named '\(tensorName)'")
      }
    }
    if let key = metadata.keys.sorted().first(where: { $0.hasPrefix(checksumPrefix) }) {
      throw CheckpointError(.invalidName, "\(name): metadata key '\(key)' is reserved for the tensors' checksums, which are written for you; rename it")
    }

    // The data first, then the checksum of each tensor's bytes, so that the header can hold them.
    var body = Data(capacity: tensors.reduce(0) { $0 + $1.1.byteCount })
    var ranges: [Range<Int>] = []
    for (_, tensor) in tensors {
      let begin = body.count
      appendElements(of: tensor, to: &body)
      ranges.append(begin..<body.count)
    }
    var fullMetadata = metadata
    for (i, digest) in body.withUnsafeBytes({ checksums(of: $0, ranges) }).enumerated() { fullMetadata[checksumPrefix + tensors[i].0] = digest }

    // The header: one JSON object, written by hand so that entries keep the caller's order.
    var entries: [String] = []
    if !fullMetadata.isEmpty {
      let pairs = fullMetadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    for ((tensorName, tensor), range) in zip(tensors, ranges) {
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append("\(jsonString(tensorName)):{\"dtype\":\"\(fileName(of: tensor.dtype))\",\"shape\":[\(shape)],\"data_offsets\":[\(range.lowerBound),\(range.upperBound)]}")
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    // Spaces up to a multiple of 8, as the reference writer does, so the data starts aligned.
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }

    var data = Data(capacity: 8 + header.count + body.count)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    data.append(body)
    return data
  }

  /// The SHA-256 of each range of `bytes`, as hex, computed on up to `Threads.count` cores (one
  /// tensor per task: a hash cannot be split within one message).
  static func checksums(of bytes: UnsafeRawBufferPointer, _ ranges: [Range<Int>]) -> [String] {
    var digests = [String](repeating: "", count: ranges.count)
    digests.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let (bytes, out) = (bytes, out)
      Threads.parallelFor(ranges.count) { i in
        out[i] = SHA256.hexString(SHA256.hash(UnsafeRawBufferPointer(rebasing: bytes[ranges[i]])))
      }
    }
    return digests
  }

  /// Appends the elements of `tensor` in row-major order; a view (transposed, sliced) is read
  /// through its strides, so what is written is the values it shows, not its storage.
  static func appendElements(of tensor: Tensor, to data: inout Data) {
    withNoGrad {
      switch tensor.dtype {
      case .float32: tensor.toArray(Float.self).withUnsafeBytes { data.append(contentsOf: $0) }
      case .float64: tensor.toArray(Double.self).withUnsafeBytes { data.append(contentsOf: $0) }
      case .float16: tensor.toArray(Float16.self).withUnsafeBytes { data.append(contentsOf: $0) }
      case .bfloat16: tensor.toArray(BFloat16.self).withUnsafeBytes { data.append(contentsOf: $0) }
      case .int64: tensor.toArray(Int64.self).withUnsafeBytes { data.append(contentsOf: $0) }
      case .bool: data.append(contentsOf: tensor.toArray(Bool.self).map { $0 ? 1 : 0 as UInt8 })
      }
    }
  }

  /// A JSON string literal: quotes, backslashes and control characters escaped.
  static func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  // MARK: Decoding

  /// The dtype names of the format, for the dtypes Torchlight has.
  static func fileName(of dtype: DType) -> String {
    switch dtype {
    case .float32: "F32"
    case .float64: "F64"
    case .float16: "F16"
    case .bfloat16: "BF16"
    case .int64: "I64"
    case .bool: "BOOL"
    }
  }
  static let dtypesByFileName: [String: DType] = Dictionary(uniqueKeysWithValues: DType.allCases.map { (fileName(of: $0), $0) })
  /// Valid in the format, but Torchlight has no tensors of these types.
  static let otherFileDTypes: Set<String> = ["F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4",
                                              "I8", "I16", "I32", "U8", "U16", "U32", "U64", "C64"]

  /// One tensor's entry in the header, checked.
  struct Entry {
    let name: String
    let dtype: DType
    let shape: [Int]
    let begin: Int
    let end: Int
  }

  /// The tensors and metadata in the bytes of a safetensors file, after checking every promise
  /// the header makes against the bytes that are there. `name` (the path) starts every error.
  public static func decode(_ data: Data, name: String = "safetensors data") throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
    func corrupt(_ message: String) -> CheckpointError { CheckpointError(.corrupt, "\(name): \(message)") }
    let bytes = [UInt8](data)   // indices from 0 whatever `data` is a slice of

    // 1. The length of the header, and the header itself.
    guard bytes.count >= 8 else {
      throw corrupt("too short to be a safetensors file (\(bytes.count) bytes, the header length alone takes 8)")
    }
    let declared = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard declared <= UInt64(bytes.count - 8) else {
      throw corrupt("header length \(declared) goes beyond the end of the file (\(bytes.count - 8) bytes follow the length); the file is truncated or not a safetensors file")
    }
    let headerLength = Int(declared)
    let dataStart = 8 + headerLength
    let dataLength = bytes.count - dataStart
    guard headerLength > 0, bytes[8] == UInt8(ascii: "{"),
          let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) else {
      throw corrupt("the \(headerLength)-byte header is not valid JSON; the file is damaged or not a safetensors file")
    }
    guard let object = json as? [String: Any] else { throw corrupt("the header is JSON but not an object") }
    if let at = trailingComma(in: bytes[8..<dataStart]) {
      throw corrupt("the header has a comma before a closing bracket at byte \(at - 8) of the header: it is not valid JSON; the file is damaged or was not written by a safetensors writer")
    }

    // 2. Metadata: strings to strings.
    var metadata: [String: String] = [:]
    if let raw = object["__metadata__"] {
      guard let fields = raw as? [String: Any] else { throw corrupt("'__metadata__' is not an object of strings") }
      for (key, value) in fields {
        guard let text = value as? String else { throw corrupt("'__metadata__' entry '\(key)' is not a string") }
        metadata[key] = text
      }
    }

    // 3. Every tensor entry on its own: dtype, shape, and offsets that fit the shape.
    var entries: [Entry] = []
    for (key, raw) in object where key != "__metadata__" {
      func bad(_ message: String) -> CheckpointError { corrupt("tensor '\(key)': \(message)") }
      guard let fields = raw as? [String: Any] else { throw bad("its entry is not a JSON object") }
      guard let dtypeName = fields["dtype"] as? String else { throw bad("no \"dtype\" string") }
      guard let dtype = dtypesByFileName[dtypeName] else {
        if otherFileDTypes.contains(dtypeName) {
          throw CheckpointError(.unsupportedDType, "\(name): tensor '\(key)': dtype \(dtypeName) is not supported (Torchlight reads F32, F64, I64 and BOOL); convert it when saving")
        }
        throw bad("unknown dtype \"\(dtypeName)\"")
      }
      guard let shape = naturals(fields["shape"]) else { throw bad("\"shape\" is not a list of non-negative integers") }
      guard let offsets = naturals(fields["data_offsets"]), offsets.count == 2, offsets[0] <= offsets[1] else {
        throw bad("\"data_offsets\" is not [begin, end] with 0 <= begin <= end")
      }
      let (needed, overflow) = Layout.checkedCount(shape).map { $0.multipliedReportingOverflow(by: dtype.itemSize) } ?? (0, true)
      guard !overflow, offsets[1] - offsets[0] == needed else {
        throw bad("data_offsets \(offsets) span \(offsets[1] - offsets[0]) bytes, but shape \(describe(shape)) of \(dtypeName) needs \(overflow ? "more than \(Int.max)" : "\(needed)")")
      }
      entries.append(Entry(name: key, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
    }

    // 4. Together, the tensors tile the data exactly: no overlap, no gap, nothing past the end.
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var position = 0
    var previous: String?
    for entry in entries {
      let after = previous.map { "after '\($0)'" } ?? "at the start of the data"
      if entry.begin < position {
        throw corrupt("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)] overlap '\(previous!)', which ends at \(position)")
      }
      if entry.begin > position {
        throw corrupt("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)] leave a gap of \(entry.begin - position) bytes \(after)")
      }
      if entry.end > dataLength {
        throw corrupt("truncated: tensor '\(entry.name)' needs data bytes \(entry.begin)..<\(entry.end), but the file holds only \(dataLength) bytes of data")
      }
      position = entry.end
      previous = entry.name
    }
    guard position == dataLength else {
      throw corrupt("\(dataLength - position) bytes of data follow the last tensor\(previous.map { " '\($0)'" } ?? ""); the header does not describe this data")
    }

    // 5. Checksums, where the writer left them: each must match its tensor's bytes.
    let names = Set(entries.map(\.name))
    let checksumKeys = metadata.keys.filter { $0.hasPrefix(checksumPrefix) }.sorted()
    if let orphan = checksumKeys.first(where: { !names.contains(String($0.dropFirst(checksumPrefix.count))) }) {
      throw corrupt("'__metadata__' holds a checksum '\(orphan)' but the file has no tensor '\(orphan.dropFirst(checksumPrefix.count))'; the header is damaged")
    }
    let checked = entries.filter { metadata[checksumPrefix + $0.name] != nil }
    let digests = bytes.withUnsafeBytes { checksums(of: $0, checked.map { (dataStart + $0.begin)..<(dataStart + $0.end) }) }
    for (entry, digest) in zip(checked, digests) where digest != metadata[checksumPrefix + entry.name] {
      throw corrupt("tensor '\(entry.name)': its \(entry.end - entry.begin) bytes do not match the SHA-256 saved with them (the data was damaged after saving); restore the file from a copy or save it again")
    }
    metadata = metadata.filter { !$0.key.hasPrefix(checksumPrefix) }

    // 6. Only now build the tensors.
    let tensors = entries.map { entry -> (String, Tensor) in
      let range = (dataStart + entry.begin)..<(dataStart + entry.end)
      return (entry.name, tensor(from: bytes[range], dtype: entry.dtype, shape: entry.shape))
    }
    return (tensors, metadata)
  }

  /// Where a comma is followed (after spaces) by `}` or `]`, outside strings: JSON forbids it,
  /// though Foundation's parser lets it through. nil when there is none.
  static func trailingComma(in header: ArraySlice<UInt8>) -> Int? {
    var inString = false, escaped = false, lastComma: Int?
    for i in header.indices {
      let c = header[i]
      if inString {
        if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
        continue
      }
      switch c {
      case UInt8(ascii: "\""): inString = true; lastComma = nil
      case UInt8(ascii: ","): lastComma = i
      case UInt8(ascii: "}"), UInt8(ascii: "]"): if let lastComma { return lastComma }
      case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): break
      default: lastComma = nil
      }
    }
    return nil
  }

  /// A shape for an error message, cut short when it has many axes.
  static func describe(_ shape: [Int]) -> String {
    shape.count <= 8 ? "\(shape)" : "[\(shape.prefix(6).map(String.init).joined(separator: ", ")), …, \(shape.last!)] (\(shape.count) axes)"
  }

  /// A JSON list of integers ≥ 0 (JSON numbers arrive as NSNumber; 1.5 or -1 give nil).
  static func naturals(_ value: Any?) -> [Int]? {
    guard let list = value as? [Any] else { return nil }
    var result: [Int] = []
    for item in list {
      guard let n = item as? Int, n >= 0 else { return nil }
      result.append(n)
    }
    return result
  }

  /// A new contiguous tensor holding little-endian `bytes` (exactly count × itemSize of them).
  static func tensor(from bytes: ArraySlice<UInt8>, dtype: DType, shape: [Int]) -> Tensor {
    func values<T: TensorElement>(_: T.Type) -> [T] {
      let count = bytes.count / MemoryLayout<T>.stride
      return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
        initialized = count
      }
    }
    switch dtype {
    case .float32: return Tensor(values(Float.self), shape: shape)
    case .float64: return Tensor(values(Double.self), shape: shape, dtype: .float64)
    case .float16: return Tensor(values(Float16.self), shape: shape, dtype: .float16)
    case .bfloat16: return Tensor(values(BFloat16.self), shape: shape, dtype: .bfloat16)
    case .int64: return Tensor(values(Int64.self), shape: shape)
    case .bool: return Tensor(bytes.map { $0 != 0 }, shape: shape)   // any non-zero byte is true
    }
  }

  /// The whole file, or an I/O `CheckpointError` saying why not.
  static func readFile(_ path: String) throws -> Data {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      throw CheckpointError(.io, "\(path): no such file")
    }
    guard !isFolder.boolValue else { throw CheckpointError(.io, "\(path): is a folder, not a checkpoint file") }
    do {
      return try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw CheckpointError(.io, "\(path): cannot read (\(error.localizedDescription))")
    }
  }
}

/// Writes a whole file or nothing. The bytes go to a new temporary file in the same folder,
/// are flushed to the disk, and the temporary file is then renamed over `path`: a rename within
/// one file system is atomic, so a crash, a full disk or an error never leaves a half-written
/// `path`, only the old file or the new one. (ChapterKit has the same helper; TorchlightNN cannot
/// depend on it.)
func writeFileAtomically(_ data: Data, to path: String) throws {
  func failure(_ what: String) -> CheckpointError {
    CheckpointError(.io, "\(path): cannot write (\(what): \(String(cString: strerror(errno))))")
  }
  let url = URL(fileURLWithPath: path)
  let folder = url.deletingLastPathComponent().path
  var isFolder: ObjCBool = false
  guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
    throw CheckpointError(.io, "\(path): cannot write, the folder \(folder) does not exist")
  }
  let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)").path

  let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
  guard fd >= 0 else { throw failure("create a temporary file") }
  var renamed = false
  defer { if !renamed { unlink(temporary) } }
  do {
    try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
      var done = 0
      while done < raw.count {
        let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw failure("write") }
        done += n
      }
    }
    guard fsync(fd) == 0 else { throw failure("flush") }
  } catch {
    close(fd)
    throw error
  }
  guard close(fd) == 0 else { throw failure("close") }
  guard rename(temporary, path) == 0 else { throw failure("rename the temporary file") }
  renamed = true
  // Make the rename itself durable too (best effort: not every file system allows it).
  let folderFD = open(folder, O_RDONLY)
  if folderFD >= 0 { _ = fsync(folderFD); close(folderFD) }
  removeStaleTemporaries(of: url)
}

/// Deletes what earlier saves of the same file left when they were killed between writing the
/// temporary file and renaming it (`.name.tmp-…`), once a minute old: a save running at this
/// moment in another process keeps its own temporary file. (ChapterKit's `writeAtomically` uses
/// it too.)
public func removeStaleTemporaries(of url: URL, olderThan age: TimeInterval = 60) {
  let folder = url.deletingLastPathComponent().path, prefix = ".\(url.lastPathComponent).tmp-"
  guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
  for name in names where name.hasPrefix(prefix) {
    let file = (folder as NSString).appendingPathComponent(name)
    let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate]) as? Date
    if let modified, -modified.timeIntervalSinceNow > age { try? FileManager.default.removeItem(atPath: file) }
  }
}
