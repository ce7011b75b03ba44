import Foundation
import Testing
@testable import TorchlightNN

// MARK: Fixtures

/// A layer with a parameter and buffers of every dtype (float, int64, bool, a 0-d scalar).
final class ScaleWithStats: Module {
  let scale: Tensor
  let runningMean: Buffer
  let steps = Buffer(Tensor([Int64(0)], shape: []))
  let mask = Buffer(Tensor([true, false, true]))

  init(dtype: DType) {
    scale = Tensor.ones([3], dtype: dtype).requiringGrad()
    runningMean = Buffer(Tensor.zeros([3], dtype: dtype))
  }

  override func forward(_ x: Tensor) -> Tensor { (x - runningMean.value) * scale }
}

/// Sequential(Linear(4 → 3), ScaleWithStats, Linear(3 → 2)), every tensor seeded by `seed`,
/// so two seeds give two models that differ in every tensor.
private func makeModel(dtype: DType = .float32, seed: UInt64) -> Sequential {
  let g = Generator(seed: seed)
  let stats = ScaleWithStats(dtype: dtype)
  withNoGrad {
    stats.scale.copy(from: Tensor.uniform([3], low: 0.5, high: 2, dtype: dtype, generator: g))
    stats.runningMean.value.copy(from: Tensor.randn([3], dtype: dtype, generator: g))
    stats.steps.value.fill(Double(seed))
    stats.mask.value.copy(from: Tensor([seed % 2 == 0, seed % 2 == 1, true]))
  }
  return Sequential(Linear(inFeatures: 4, outFeatures: 3, dtype: dtype, generator: g), stats,
                    Linear(inFeatures: 3, outFeatures: 2, dtype: dtype, generator: g))
}

private let modelNames = ["0.weight", "0.bias", "1.scale", "2.weight", "2.bias",
                          "1.runningMean", "1.steps", "1.mask"]

/// The raw bytes of a tensor's values, row-major: equal bytes mean bit-identical tensors.
private func rawBytes(_ t: Tensor) -> [UInt8] {
  switch t.dtype {
  case .float32: t.toArray(Float.self).withUnsafeBytes { Array($0) }
  case .float64: t.toArray(Double.self).withUnsafeBytes { Array($0) }
  case .float16: t.toArray(Float16.self).withUnsafeBytes { Array($0) }
  case .bfloat16: t.toArray(BFloat16.self).withUnsafeBytes { Array($0) }
  case .int64: t.toArray(Int64.self).withUnsafeBytes { Array($0) }
  case .bool: t.toArray(Bool.self).map { $0 ? 1 : 0 }
  }
}

/// Everything a load could change about a module: for each tensor its name, the tensor object
/// itself, shape, dtype, requiresGrad and bytes.
private struct Snapshot: Equatable {
  struct Entry: Equatable {
    let name: String, id: ObjectIdentifier, shape: [Int], dtype: DType, requiresGrad: Bool, bytes: [UInt8]
  }
  let entries: [Entry]
  init(_ module: Module) {
    entries = module.namedTensors().map {
      Entry(name: $0, id: ObjectIdentifier($1), shape: $1.shape, dtype: $1.dtype, requiresGrad: $1.requiresGrad, bytes: rawBytes($1))
    }
  }
}

/// A fresh folder under the temporary directory, removed when the test ends.
final class TemporaryFolder {
  let url: URL
  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-checkpoint-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
  }
  deinit { try? FileManager.default.removeItem(at: url) }
  func path(_ name: String) -> String { url.appendingPathComponent(name).path }
  var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted() }
}

/// A safetensors file made by hand: the 8-byte length (the header's, unless overridden), the
/// header, and the data.
private func handMade(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
  var out = Data()
  withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { out.append(contentsOf: $0) }
  out.append(contentsOf: Array(header.utf8))
  out.append(contentsOf: data)
  return out
}

/// Runs `body`, expecting a `CheckpointError` of `kind`, and returns it.
private func expectCheckpointError(_ kind: CheckpointError.Kind, _ context: String,
                                   sourceLocation: SourceLocation = #_sourceLocation,
                                   _ body: () throws -> Void) -> CheckpointError? {
  do {
    try body()
    Issue.record("\(context): expected a CheckpointError of kind \(kind), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as CheckpointError {
    #expect(error.kind == kind, "\(context): \(error.description)", sourceLocation: sourceLocation)
    #expect(!error.description.contains("\n"), "\(context): the message is one line: \(error.description)", sourceLocation: sourceLocation)
    return error
  } catch {
    Issue.record("\(context): expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

// MARK: Python

/// `python3` with `numpy`, found on PATH, for the interoperability tests.
enum PythonNumpy {
  static let executable: URL? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for folder in path.split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("python3")
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }()

  static let available: Bool = {
    guard executable != nil, let result = try? run("import numpy") else {
      print("CheckpointTests: python3 with numpy not found on PATH; skipping the Python interoperability tests")
      return false
    }
    if result.status != 0 {
      print("CheckpointTests: python3 cannot import numpy; skipping the Python interoperability tests")
    }
    return result.status == 0
  }()

  /// Runs `python3 -c script args…` and returns its exit status, stdout and stderr.
  static func run(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, out: String, err: String) {
    try runPython(executable ?? URL(fileURLWithPath: "/nonexistent"), script, arguments)
  }
}

/// Reads a safetensors file with numpy alone and prints {name: {"dtype", "shape", "values"}} and
/// the metadata as JSON.
private let numpyReader = #"""
import hashlib, json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
kinds = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "BOOL": "?", "F16": "<f2", "BF16": "<u2"}
out = {"__metadata__": header.pop("__metadata__", {})}
for name, entry in header.items():
    begin, end = entry["data_offsets"]
    values = np.frombuffer(data[begin:end], dtype=kinds[entry["dtype"]]).reshape(entry["shape"])
    if entry["dtype"] == "BF16":  # numpy has no bfloat16: its 16 bits are the top half of a float32
        values = (values.astype(np.uint32) << 16).view(np.float32)
    out[name] = {"dtype": entry["dtype"], "shape": list(values.shape), "sha256": hashlib.sha256(data[begin:end]).hexdigest(),
                 "values": [v.item() for v in values.reshape(-1)]}
print(json.dumps(out))
"""#

/// Writes a safetensors file with numpy alone (no padding, so the data starts unaligned) and
/// prints the values it wrote as JSON.
private let numpyWriter = #"""
import json, struct, sys
import numpy as np
tensors = {
    "weight": (np.arange(6, dtype=np.float32).reshape(2, 3) / 7 - 0.25),
    "bias": np.array([0.5, -1.25], dtype=np.float32),
    "f64": np.array([[1e-300, -2.5], [np.pi, 1e300]], dtype=np.float64),
    "steps": np.array(42, dtype=np.int64),
    "ids": np.array([-3, 0, 2**40], dtype=np.int64),
    "mask": np.array([True, False, False, True]),
    "empty": np.zeros((0, 4), dtype=np.float32),
    "half": np.array([[0.1, -65504], [6e-8, 1000.5]], dtype=np.float16),
}
names = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64", np.dtype("bool"): "BOOL", np.dtype("<f2"): "F16"}
header, blobs, offset = {"__metadata__": {"written_by": "numpy", "version": np.__version__}}, [], 0
for name, array in tensors.items():
    blob = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    header[name] = {"dtype": names[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
    blobs.append(blob)
    offset += len(blob)
# bfloat16, which numpy lacks: the top 16 bits of float32 values that bfloat16 holds exactly.
brain = np.array([1.0, -2.5, 0.15625, 2.0**127, -2.0**-20, 2.0**-130], dtype=np.float32)
blob = (brain.view(np.uint32) >> 16).astype("<u2").tobytes()
header["brain"] = {"dtype": "BF16", "shape": [6], "data_offsets": [offset, offset + len(blob)]}
blobs.append(blob)
tensors["brain"] = brain
encoded = json.dumps(header).encode("utf-8")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
print(json.dumps({name: {"shape": list(a.shape), "values": [v.item() for v in a.reshape(-1)]} for name, a in tensors.items()}))
"""#

/// A JSON number or boolean as JSONSerialization hands it over (Int, Double, Bool or NSNumber).
private func jsonDouble(_ value: Any) -> Double {
  switch value {
  case let d as Double: d
  case let i as Int: Double(i)
  case let n as NSNumber: n.doubleValue
  default: .nan
  }
}
private func jsonInt64(_ value: Any) -> Int64 {
  switch value {
  case let i as Int: Int64(i)
  case let n as NSNumber: n.int64Value
  default: .min
  }
}
private func jsonBool(_ value: Any) -> Bool? {
  switch value {
  case let b as Bool: b
  case let n as NSNumber: n.boolValue
  default: nil
  }
}

// MARK: Tests

@Suite("Checkpoints") struct CheckpointTests {
  // MARK: State dicts

  @Test func stateDictNamesAndOrder() {
    let model = makeModel(seed: 1)
    #expect(model.stateDict().map(\.0) == modelNames)
    #expect(model.namedParameters().map(\.0) == Array(modelNames.prefix(5)))
    #expect(model.namedBuffers().map(\.0) == Array(modelNames.suffix(3)))
    #expect(model.stateDict().map(\.1.shape) == [[3, 4], [3], [3], [2, 3], [2], [3], [], [3]])
    #expect(model.stateDict().map(\.1.dtype) == [.float32, .float32, .float32, .float32, .float32, .float32, .int64, .bool])
  }

  @Test func stateDictEntriesAreLiveDetachedViews() {
    let model = makeModel(seed: 2)
    // Give the weights a gradient and a graph hanging off them; the state dict carries neither.
    let y = model(Tensor.ones([2, 4])).sum()
    y.backward()
    let state = model.stateDict()
    for ((name, entry), (_, own)) in zip(state, model.namedTensors()) {
      #expect(entry.storage === own.storage && entry.offset == own.offset && entry.strides == own.strides && entry.shape == own.shape,
              "\(name) is a view of the module's tensor, not a copy")
      #expect(!entry.requiresGrad && entry.gradFn == nil && entry.grad == nil && entry.isLeaf, "\(name) is detached")
    }
    #expect(model.parameters().allSatisfy { $0.requiresGrad && $0.grad != nil }, "the module's own tensors are untouched")
    // Live: a later change to the model shows through the entries taken before it.
    let linear = model.layers[0] as! Linear
    withNoGrad { linear.weight.fill(0.5); (model.layers[1] as! ScaleWithStats).steps.value.fill(9) }
    #expect(state[0].1.toDoubles().allSatisfy { $0 == 0.5 })
    #expect(state[6].1.item() == 9)
  }

  @Test(arguments: [DType.float32, .float64])
  func loadStateDictCopiesIntoTheSameTensors(dtype: DType) throws {
    let source = makeModel(dtype: dtype, seed: 3), target = makeModel(dtype: dtype, seed: 4)
    let before = Snapshot(target)
    let keys = try target.load(stateDict: source.stateDict())
    #expect(keys.isEmpty)
    let after = Snapshot(target)
    #expect(after.entries.map(\.bytes) == Snapshot(source).entries.map(\.bytes))
    #expect(after.entries.map(\.id) == before.entries.map(\.id), "the module keeps its tensor objects (an optimizer holding them keeps working)")
    #expect(after.entries.map(\.requiresGrad) == before.entries.map(\.requiresGrad))
    // The copy is a copy: changing the source afterwards leaves the target alone.
    withNoGrad { (source.layers[0] as! Linear).weight.fill(0) }
    #expect(Snapshot(target) == after)
  }

  @Test func strictKeyMismatchListsKeysAndChangesNothing() {
    let model = makeModel(seed: 5)
    let before = Snapshot(model)
    var state = makeModel(seed: 6).stateDict()
    state.removeAll { $0.0 == "2.bias" || $0.0 == "1.steps" }
    state.append(("3.weight", Tensor.zeros([1])))
    let error = expectCheckpointError(.keyMismatch, "strict") { try model.load(stateDict: state) }
    let text = error?.description ?? ""
    #expect(text.contains("missing keys '2.bias', '1.steps'"), "\(text)")
    #expect(text.contains("unexpected keys '3.weight'"), "\(text)")
    #expect(text.contains("Sequential") && text.contains("strict: false"), "\(text)")
    #expect(Snapshot(model) == before)
  }

  @Test func manyMissingKeysAreCountedNotAllListed() {
    let model = Sequential((0..<6).map { _ in Linear(inFeatures: 2, outFeatures: 2) })
    let error = expectCheckpointError(.keyMismatch, "empty state dict") { try model.load(stateDict: []) }
    #expect(error?.description.contains("and 4 more") == true, "\(error?.description ?? "")")
  }

  @Test func nonStrictLoadSkipsAndReportsKeys() throws {
    let model = makeModel(seed: 7), source = makeModel(seed: 8)
    let before = Snapshot(model)
    var state = source.stateDict()
    state.removeAll { $0.0 == "0.weight" }
    state.append(("extra.bias", Tensor.zeros([2])))
    let keys = try model.load(stateDict: state, strict: false)
    #expect(keys == IncompatibleKeys(missing: ["0.weight"], unexpected: ["extra.bias"]))
    #expect(!keys.isEmpty)
    let after = Snapshot(model), wanted = Snapshot(source)
    for (index, entry) in after.entries.enumerated() {
      let expected = entry.name == "0.weight" ? before.entries[index].bytes : wanted.entries[index].bytes
      #expect(entry.bytes == expected, "\(entry.name)")
    }
  }

  @Test func duplicateNamesInAStateDictAreRefused() {
    let model = makeModel(seed: 9)
    let before = Snapshot(model)
    let state = makeModel(seed: 10).stateDict()
    let error = expectCheckpointError(.invalidName, "duplicate") { try model.load(stateDict: state + [state[0]]) }
    #expect(error?.description.contains("'0.weight'") == true)
    #expect(Snapshot(model) == before)
  }

  @Test func shapeAndDTypeMismatchNameTheTensorAndChangeNothing() {
    // The bad entry is the last one checked, so a load that copied as it went would have
    // changed every other tensor by then: each must still hold its old bytes.
    let model = makeModel(seed: 11)
    let before = Snapshot(model)
    var state = makeModel(seed: 12).stateDict()
    state[7] = ("1.mask", Tensor([true, true, true, false]))
    let shape = expectCheckpointError(.shapeMismatch, "shape") { try model.load(stateDict: state) }
    #expect(shape?.description.contains("'1.mask'") == true && shape?.description.contains("[4]") == true
            && shape?.description.contains("[3]") == true, "\(shape?.description ?? "")")
    #expect(Snapshot(model) == before)

    state = makeModel(seed: 12).stateDict()
    state[5] = ("1.runningMean", Tensor.zeros([3], dtype: .float64))
    state[6] = ("1.steps", state[6].1)
    let dtype = expectCheckpointError(.dtypeMismatch, "dtype") { try model.load(stateDict: state) }
    #expect(dtype?.description.contains("'1.runningMean'") == true && dtype?.description.contains("float64") == true,
            "\(dtype?.description ?? "")")
    #expect(Snapshot(model) == before)
    // Also when the mismatch comes through a file: the message starts with its path.
    do {
      let folder = try TemporaryFolder(), path = folder.path("mismatch.safetensors")
      try SafeTensors.write(state, to: path)
      let error = expectCheckpointError(.dtypeMismatch, "dtype from a file") { try model.load(from: path) }
      #expect(error?.description.hasPrefix(path + ": ") == true, "\(error?.description ?? "")")
      #expect(Snapshot(model) == before)
    } catch {
      Issue.record("\(error)")
    }
  }

  // MARK: Files

  @Test(arguments: [DType.float32, .float64])
  func saveAndLoadRoundTripIsBitIdentical(dtype: DType) throws {
    let folder = try TemporaryFolder(), path = folder.path("model.safetensors")
    let trained = makeModel(dtype: dtype, seed: 13), fresh = makeModel(dtype: dtype, seed: 14)
    let x = Tensor.randn([5, 4], dtype: dtype, generator: Generator(seed: 15))
    #expect(rawBytes(trained(x)) != rawBytes(fresh(x)))
    let identities = Snapshot(fresh).entries.map(\.id)
    try trained.save(to: path)
    let keys = try fresh.load(from: path)
    #expect(keys.isEmpty)
    #expect(Snapshot(fresh).entries.map(\.bytes) == Snapshot(trained).entries.map(\.bytes))
    #expect(Snapshot(fresh).entries.map(\.id) == identities)
    #expect(rawBytes(trained(x)) == rawBytes(fresh(x)), "identical outputs")
    #expect(folder.contents == ["model.safetensors"], "no temporary file left behind")
    // Reading the file gives the tensors in the order they were saved.
    let read = try SafeTensors.read(path)
    #expect(read.map(\.0) == modelNames)
    #expect(read.allSatisfy { $0.1.isContiguous && !$0.1.requiresGrad })
  }

  @Test func theFileIsTheDocumentedFormat() throws {
    let a = Tensor([[1.0, 2, 3], [4, 5, 6]]), b = Tensor([Int64(7), -8], shape: [2])
    let data = try SafeTensors.encode([("b.second", b), ("a\"quoted\"", a)], metadata: ["k": "v"])
    let bytes = [UInt8](data)
    let n = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    #expect(n % 8 == 0, "the header is padded to a multiple of 8 so the data starts aligned")
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
    // The metadata, keys sorted, holds each tensor's SHA-256 beside the caller's entries.
    let (hashA, hashB) = (SHA256.hex(of: rawBytes(a)), SHA256.hex(of: rawBytes(b)))
    #expect(header == #"{"__metadata__":{"k":"v","sha256:a\"quoted\"":"\#(hashA)","sha256:b.second":"\#(hashB)"},"b.second":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"a\"quoted\"":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]}}"#
            .padding(toLength: n, withPad: " ", startingAt: 0))
    #expect(bytes.count == 8 + n + 40)
    let values = Array(bytes[(8 + n)...])
    #expect(values == rawBytes(b) + rawBytes(a), "raw little-endian values, packed in the order given")
    // With no tensors and no metadata there is no __metadata__ entry.
    #expect(String(decoding: try SafeTensors.encode([]), as: UTF8.self).hasSuffix("{}      "))
  }

  // MARK: Checksums

  @Test func aFlippedByteInAnyTensorIsCaughtAndNamed() throws {
    let folder = try TemporaryFolder(), path = folder.path("model.safetensors")
    try makeModel(seed: 30).save(to: path)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let dataStart = 8 + Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let model = makeModel(seed: 31)
    let before = Snapshot(model)
    var position = dataStart
    for (name, tensor) in try SafeTensors.read(path) where tensor.byteCount > 0 {
      // One bit of the tensor's last byte: for a float, a low bit of the mantissa, a change no
      // shape, offset or dtype check could see.
      var damaged = bytes
      damaged[position + tensor.byteCount - 1] ^= 1
      position += tensor.byteCount
      let copy = folder.path("flipped.safetensors")
      try Data(damaged).write(to: URL(fileURLWithPath: copy))
      let error = expectCheckpointError(.corrupt, "a bit flipped in \(name)") { try model.load(from: copy) }
      let text = error?.description ?? ""
      #expect(text.hasPrefix(copy + ": tensor '\(name)': ") && text.contains("SHA-256") && !text.contains("\n"), "\(text)")
      #expect(Snapshot(model) == before, "nothing was loaded")
    }
    try model.load(from: path)
    #expect(Snapshot(model).entries.map(\.bytes) == Snapshot(makeModel(seed: 30)).entries.map(\.bytes))
  }

  @Test func checksumsAreOptionalOnReadButMustNameTheFilesTensors() throws {
    let data: [UInt8] = [0, 0, 128, 63, 0, 0, 0, 64]   // 1.0 and 2.0 in float32
    let entry = #""w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    // No checksum (another writer's file): read as it is, and none is reported as metadata.
    let plain = try SafeTensors.decode(handMade(header: "{" + entry + "}", data: data))
    #expect(plain.tensors.first?.1.toArray(Float.self) == [1, 2] && plain.metadata.isEmpty)
    // The right checksum, given by hand: read, and not returned among the metadata.
    let right = #"{"__metadata__":{"sha256:w":"\#(SHA256.hex(of: data))","epoch":"2"},"# + entry + "}"
    #expect(try SafeTensors.decode(handMade(header: right, data: data)).metadata == ["epoch": "2"])
    // A wrong one, and one for a tensor the file does not have.
    let wrong = #"{"__metadata__":{"sha256:w":"\#(SHA256.hex(of: [1]))"},"# + entry + "}"
    _ = expectCheckpointError(.corrupt, "wrong checksum") { _ = try SafeTensors.decode(handMade(header: wrong, data: data)) }
    let orphan = #"{"__metadata__":{"sha256:v":"\#(SHA256.hex(of: data))"},"# + entry + "}"
    let error = expectCheckpointError(.corrupt, "checksum of no tensor") { _ = try SafeTensors.decode(handMade(header: orphan, data: data)) }
    #expect(error?.description.contains("no tensor 'v'") == true, "\(error?.description ?? "")")
    // The key is ours: a caller cannot save metadata that would pass for a checksum.
    _ = expectCheckpointError(.invalidName, "reserved metadata key") {
      _ = try SafeTensors.encode([("w", Tensor.zeros([2]))], metadata: ["sha256:w": "0"])
    }
  }

  @Test func metadataRoundTrips() throws {
    let folder = try TemporaryFolder(), path = folder.path("meta.safetensors")
    let metadata = ["epoch": "3", "format": "pt", "note": "quote \" backslash \\ newline \n tab \t bell \u{7} é ∑ 🔥", "": "empty key"]
    try makeModel(seed: 16).save(to: path, metadata: metadata)
    let read = try SafeTensors.readWithMetadata(path)
    #expect(read.metadata == metadata)
    #expect(read.tensors.map(\.0) == modelNames)
    // The reserved name and duplicate names cannot be saved.
    let x = Tensor.zeros([1])
    _ = expectCheckpointError(.invalidName, "reserved") { try SafeTensors.write([("__metadata__", x)], to: folder.path("bad")) }
    _ = expectCheckpointError(.invalidName, "duplicate") { try SafeTensors.write([("x", x), ("x", x)], to: folder.path("bad")) }
    #expect(folder.contents == ["meta.safetensors"])
  }

  @Test func nonContiguousTensorsAreSavedAsTheirValues() throws {
    let folder = try TemporaryFolder(), path = folder.path("views.safetensors")
    let base = Tensor.arange(0, 24, dtype: .float64).reshaped([4, 6])
    let transposed = base.t()                                   // [6, 4], strides [1, 6]
    let sliced = base[1..<3, .slice(0, nil, step: 2)]            // [2, 3], offset 6, strides [6, 2]
    let expanded = Tensor([1.0, 2]).reshaped([2, 1]).expanded([2, 3])  // stride 0
    #expect(!transposed.isContiguous && !sliced.isContiguous && !expanded.isContiguous)
    try SafeTensors.write([("t", transposed), ("s", sliced), ("e", expanded)], to: path)
    let read = try SafeTensors.read(path)
    #expect(read.map(\.0) == ["t", "s", "e"])
    #expect(read[0].1.shape == [6, 4] && read[0].1.toDoubles() == transposed.toDoubles())
    #expect(read[1].1.shape == [2, 3] && read[1].1.toDoubles() == [6, 8, 10, 12, 14, 16])
    #expect(read[2].1.toDoubles() == [1, 1, 1, 2, 2, 2])
    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
    let header = try SafeTensors.encode([("t", transposed), ("s", sliced), ("e", expanded)]).count - (24 + 6 + 6) * 8
    #expect(size == header + (24 + 6 + 6) * 8, "only the values are stored, not the whole storage")
  }

  @Test func emptyAndScalarTensorsRoundTrip() throws {
    let tensors: [(String, Tensor)] = [("empty", Tensor.zeros([0, 3])), ("scalar", Tensor([2.5], shape: [])),
                                       ("alsoEmpty", Tensor.zeros([2, 0], dtype: .int64))]
    let decoded = try SafeTensors.decode(SafeTensors.encode(tensors))
    #expect(decoded.tensors.map(\.0) == ["empty", "scalar", "alsoEmpty"] || Set(decoded.tensors.map(\.0)) == ["empty", "scalar", "alsoEmpty"])
    let byName = Dictionary(uniqueKeysWithValues: decoded.tensors)
    #expect(byName["empty"]?.shape == [0, 3] && byName["scalar"]?.shape == [] && byName["scalar"]?.item() == 2.5)
    #expect(byName["alsoEmpty"]?.shape == [2, 0] && byName["alsoEmpty"]?.dtype == .int64)
  }

  @Test func emptyTensorsWithHugeOtherSizesLoadAsEmpty() throws {
    // An axis of size 0 makes the tensor empty however large the others are: no byte is needed,
    // and neither the size check nor the strides may overflow on the way.
    for shape in ["[0,4294967296,4294967296]", "[\(Int.max),0]", "[4294967296,4294967296,0]"] {
      let header = "{\"e\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[0,0]}}"
      let decoded = try SafeTensors.decode(handMade(header: header))
      #expect(decoded.tensors.first?.1.count == 0, "\(shape)")
    }
    let huge = "{\"e\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}"
    _ = expectCheckpointError(.corrupt, "more than Int.max") { _ = try SafeTensors.decode(handMade(header: huge)) }
  }

  @Test func aSaveRemovesWhatKilledSavesLeftButNotAFreshTemporaryFile() throws {
    let folder = try TemporaryFolder(), path = folder.path("model.safetensors")
    let stale = folder.path(".model.safetensors.tmp-\(UUID().uuidString)"), fresh = folder.path(".model.safetensors.tmp-\(UUID().uuidString)")
    let other = folder.path(".other.safetensors.tmp-\(UUID().uuidString)")
    for file in [stale, fresh, other] { #expect(FileManager.default.createFile(atPath: file, contents: Data(count: 64))) }
    let anHourAgo = Date(timeIntervalSinceNow: -3600)
    for file in [stale, other] { try FileManager.default.setAttributes([.modificationDate: anHourAgo], ofItemAtPath: file) }
    try SafeTensors.write([("w", Tensor.ones([3]))], to: path)
    // The hour-old leftover of this file goes; a save that may still be running elsewhere, and
    // another file's leftovers, stay.
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(FileManager.default.fileExists(atPath: fresh) && FileManager.default.fileExists(atPath: other))
  }

  @Test func malformedHeadersAndHugeShapesGiveShortErrors() throws {
    let comma = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},}"#
    let error = expectCheckpointError(.corrupt, "trailing comma") { _ = try SafeTensors.decode(handMade(header: comma, data: [UInt8](repeating: 0, count: 8))) }
    #expect(error?.description.contains("comma") == true, "\(error?.description ?? "")")
    let inList = #"{"w":{"dtype":"F32","shape":[2,],"data_offsets":[0,8]}}"#
    _ = expectCheckpointError(.corrupt, "trailing comma in a list") { _ = try SafeTensors.decode(handMade(header: inList, data: [UInt8](repeating: 0, count: 8))) }
    // A comma inside a string is text, not JSON syntax.
    let quoted = #"{"w,}":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
    #expect(try SafeTensors.decode(handMade(header: quoted, data: [UInt8](repeating: 0, count: 8))).tensors.first?.0 == "w,}")
    // 5,000 axes of size 2: the message names the shape in a few words, not 15 KB of digits.
    let axes = Array(repeating: "2", count: 5000).joined(separator: ",")
    let huge = "{\"w\":{\"dtype\":\"F32\",\"shape\":[\(axes)],\"data_offsets\":[0,8]}}"
    let long = expectCheckpointError(.corrupt, "5000 axes") { _ = try SafeTensors.decode(handMade(header: huge, data: [UInt8](repeating: 0, count: 8))) }
    #expect((long?.description.count ?? 0) < 400 && long?.description.contains("5000 axes") == true, "\(long?.description.prefix(500) ?? "")")
  }

  // MARK: Broken files

  @Test func truncatedFilesThrowCorruptAndChangeNothing() throws {
    let folder = try TemporaryFolder(), good = folder.path("good.safetensors")
    try makeModel(seed: 17).save(to: good)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: good)))
    let n = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    let dataStart = 8 + n
    // Where each tensor's data lies, to know which one a cut falls in.
    let entries = try SafeTensors.read(good).map(\.0)
    var spans: [(name: String, begin: Int, end: Int)] = []
    var position = 0
    for (name, tensor) in try SafeTensors.read(good) { spans.append((name, position, position + tensor.byteCount)); position += tensor.byteCount }
    #expect(entries == modelNames && dataStart + position == bytes.count)

    let model = makeModel(seed: 18)
    let before = Snapshot(model)
    var cuts = [0, 3, 7, 8, 9, 8 + n / 2, dataStart - 1]                          // the length, the header
    cuts += [dataStart, dataStart + 1, dataStart + 47, dataStart + 48 + 5, bytes.count - 1]   // the data
    for cut in cuts {
      let path = folder.path("cut-\(cut).safetensors")
      try Data(bytes[0..<cut]).write(to: URL(fileURLWithPath: path))
      let error = expectCheckpointError(.corrupt, "cut at \(cut)") { try model.load(from: path) }
      let text = error?.description ?? ""
      #expect(text.hasPrefix(path + ": "), "cut at \(cut): \(text)")
      if cut >= dataStart {
        // The message names the tensor whose bytes the cut falls in.
        let offset = cut - dataStart
        let victim = spans.first { $0.begin <= offset && offset < $0.end && $0.begin < $0.end }!.name
        #expect(text.contains("'\(victim)'") && text.contains("truncated"), "cut at \(cut) (data byte \(offset), in \(victim)): \(text)")
      }
      #expect(Snapshot(model) == before, "cut at \(cut)")
    }
    // And the intact file still loads.
    try model.load(from: good)
    #expect(Snapshot(model).entries.map(\.bytes) == Snapshot(makeModel(seed: 17)).entries.map(\.bytes))
  }

  @Test func corruptHeadersThrowCorruptNamingFileAndTensor() throws {
    let folder = try TemporaryFolder()
    let model = Linear(inFeatures: 1, outFeatures: 2)   // weight [2, 1], bias [2]: 8 bytes each in F32
    let before = Snapshot(model)
    let eight = [UInt8](repeating: 0, count: 8), sixteen = [UInt8](repeating: 0, count: 16)
    func entry(_ name: String, _ dtype: String = "F32", _ shape: String = "[2]", offsets: String) -> String {
      #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }
    let good = "{" + entry("weight", "F32", "[2,1]", offsets: "[0,8]") + "," + entry("bias", offsets: "[8,16]") + "}"
    // Each damaged file has one fault (the header's entries are checked in no fixed order).
    let cases: [(label: String, file: Data, kind: CheckpointError.Kind, mentions: [String])] = [
      ("empty file", Data(), .corrupt, ["too short"]),
      ("bad JSON", handMade(header: "{\"weight\": [oops", data: sixteen), .corrupt, ["not valid JSON"]),
      ("not JSON at all", handMade(header: "PK\u{3}\u{4}zipfile", data: sixteen), .corrupt, ["not valid JSON"]),
      ("zero-length header", handMade(header: "", data: sixteen), .corrupt, ["not valid JSON"]),
      ("a JSON list", handMade(header: "[1, 2]", data: sixteen), .corrupt, ["not valid JSON"]),
      ("length larger than the file", handMade(header: good, data: sixteen, declaredLength: 1 << 40), .corrupt, ["beyond the end"]),
      ("length UInt64.max", handMade(header: good, data: sixteen, declaredLength: .max), .corrupt, ["beyond the end"]),
      ("offsets past the data", handMade(header: good, data: eight), .corrupt, ["'bias'", "truncated"]),
      ("offsets out of range", handMade(header: "{" + entry("weight", "F32", "[2,1]", offsets: "[0,8]") + "," + entry("bias", offsets: "[1000,1008]") + "}", data: sixteen),
       .corrupt, ["'bias'", "gap"]),
      ("overlapping offsets", handMade(header: "{" + entry("weight", "F32", "[2,1]", offsets: "[0,8]") + "," + entry("bias", offsets: "[4,12]") + "}", data: sixteen),
       .corrupt, ["'bias'", "overlap", "'weight'"]),
      ("offsets that do not fit the shape", handMade(header: "{" + entry("weight", "F32", "[2,1]", offsets: "[0,12]") + "," + entry("bias", offsets: "[12,20]") + "}",
                                                         data: [UInt8](repeating: 0, count: 20)),
       .corrupt, ["'weight'", "[2, 1]"]),
      ("reversed offsets", handMade(header: "{" + entry("weight", "F32", "[2,1]", offsets: "[8,0]") + "," + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'", "data_offsets"]),
      ("negative shape", handMade(header: "{" + entry("weight", "F32", "[-2,-1]", offsets: "[0,8]") + "," + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'", "shape"]),
      ("fractional offset", handMade(header: "{" + entry("weight", "F32", "[2,1]", offsets: "[0,8.5]") + "," + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'", "data_offsets"]),
      ("huge shape", handMade(header: "{" + entry("weight", "F64", "[4294967296,4294967296]", offsets: "[0,8]") + "," + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'"]),
      ("unknown dtype", handMade(header: "{" + entry("weight", "Q7", "[2,1]", offsets: "[0,8]") + "," + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'", "Q7"]),
      ("no dtype", handMade(header: #"{"weight":{"shape":[2,1],"data_offsets":[0,8]},"# + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'", "dtype"]),
      ("an entry that is not an object", handMade(header: #"{"weight":3,"# + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .corrupt, ["'weight'"]),
      ("bad metadata", handMade(header: #"{"__metadata__":{"epoch":3},"# + String(good.dropFirst()), data: sixteen),
       .corrupt, ["__metadata__", "epoch"]),
      ("bytes after the last tensor", handMade(header: good, data: sixteen + [1, 2, 3]), .corrupt, ["3 bytes", "'bias'"]),
      ("a dtype Torchlight lacks", handMade(header: "{" + entry("weight", "I32", "[2,1]", offsets: "[0,8]") + "," + entry("bias", offsets: "[8,16]") + "}", data: sixteen),
       .unsupportedDType, ["'weight'", "I32"]),
    ]
    for (index, c) in cases.enumerated() {
      let path = folder.path("case-\(index).safetensors")
      try c.file.write(to: URL(fileURLWithPath: path))
      let error = expectCheckpointError(c.kind, c.label) { try model.load(from: path) }
      let text = error?.description ?? ""
      #expect(text.hasPrefix(path + ": "), "\(c.label): \(text)")
      for word in c.mentions { #expect(text.contains(word), "\(c.label): '\(word)' not in: \(text)") }
      #expect(Snapshot(model) == before, "\(c.label)")
    }
    // The well-formed hand-made file does load (so the failures above are the damage, not the template).
    let path = folder.path("good.safetensors")
    var values = [UInt8]()
    for v: Float in [1, 2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { values += $0 } }
    try handMade(header: good, data: values).write(to: URL(fileURLWithPath: path))
    try model.load(from: path)
    #expect(model.weight.toDoubles() == [1, 2] && model.bias?.toDoubles() == [3, 4])
  }

  @Test func missingFileOrFolderThrowsIO() throws {
    let folder = try TemporaryFolder()
    let model = makeModel(seed: 19)
    let before = Snapshot(model)
    let missing = folder.path("nope.safetensors")
    let error = expectCheckpointError(.io, "missing") { try model.load(from: missing) }
    #expect(error?.description == "\(missing): no such file")
    let asFolder = expectCheckpointError(.io, "folder") { try model.load(from: folder.url.path) }
    #expect(asFolder?.description.hasPrefix(folder.url.path + ": ") == true)
    #expect(Snapshot(model) == before)
  }

  // MARK: Atomic writes

  @Test func writeIntoAMissingFolderThrowsIOAndCreatesNothing() throws {
    let folder = try TemporaryFolder()
    let path = folder.path("no/such/folder/model.safetensors")
    let error = expectCheckpointError(.io, "missing folder") { try makeModel(seed: 20).save(to: path) }
    #expect(error?.description.hasPrefix(path + ": ") == true && error?.description.contains("does not exist") == true,
            "\(error?.description ?? "")")
    #expect(folder.contents.isEmpty)
  }

  @Test func overwritingReplacesTheWholeFile() throws {
    let folder = try TemporaryFolder(), path = folder.path("model.safetensors")
    let big = makeModel(seed: 21)
    try big.save(to: path, metadata: ["run": "first"])
    let small = Linear(inFeatures: 2, outFeatures: 1, generator: Generator(seed: 22))
    try small.save(to: path)
    #expect(folder.contents == ["model.safetensors"])
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(bytes == (try SafeTensors.encode(small.stateDict())), "exactly the second file, nothing left of the first")
    let read = try SafeTensors.readWithMetadata(path)
    #expect(read.tensors.map(\.0) == ["weight", "bias"] && read.metadata.isEmpty)
  }

  @Test func aFailedWriteKeepsTheOldFileAndLeavesNoTemporary() throws {
    let folder = try TemporaryFolder(), path = folder.path("model.safetensors")
    let model = makeModel(seed: 23)
    try model.save(to: path)
    let good = try Data(contentsOf: URL(fileURLWithPath: path))
    // Encoding fails (a reserved name): the old checkpoint stays as it was.
    _ = expectCheckpointError(.invalidName, "reserved name") {
      try SafeTensors.write([("w", Tensor.zeros([2])), ("__metadata__", Tensor.zeros([1]))], to: path)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == good)
    #expect(folder.contents == ["model.safetensors"])
    // The rename fails (the target is a non-empty folder): an I/O error, and the temporary file,
    // already complete, is removed.
    let blocked = folder.path("blocked")
    try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
    let error = expectCheckpointError(.io, "rename over a folder") { try model.save(to: blocked) }
    #expect(error?.description.hasPrefix(blocked + ": cannot write") == true, "\(error?.description ?? "")")
    #expect(folder.contents == ["blocked", "model.safetensors"], "no temporary file left: \(folder.contents)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == good)
    #expect(try SafeTensors.read(path).map(\.0) == modelNames)
  }

  // MARK: Python interoperability

  @Test(.enabled(if: PythonNumpy.available, "needs python3 with numpy on PATH"))
  func numpyReadsOurCheckpoint() throws {
    let folder = try TemporaryFolder(), path = folder.path("ours.safetensors")
    let model = makeModel(seed: 24)
    let extra: [(String, Tensor)] = [
      ("f64", Tensor([1e-300, -2.5, Double.pi, 1e300], shape: [2, 2], dtype: .float64)),
      ("transposed", Tensor.randn([3, 5], generator: Generator(seed: 25)).t()),
      ("ids", Tensor([Int64(-3), 0, 1 << 40], shape: [3])),
      ("empty", Tensor.zeros([0, 2])),
      ("half", Tensor([0.1, -65504, 65519, 6e-8, -0.0]).half()),
      ("brain", Tensor([[0.1, -1e30], [3.0e38, 1e-40]]).bfloat16().t()),
    ]
    let tensors = model.stateDict() + extra
    try SafeTensors.write(tensors, to: path, metadata: ["epoch": "7", "note": "é \" \\"])
    let result = try PythonNumpy.run(numpyReader, [path])
    try #require(result.status == 0, "python failed: \(result.err)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
    // Our metadata, and each tensor's SHA-256, which Python's hashlib computes the same.
    var metadata = try #require(json["__metadata__"] as? [String: String])
    for (name, _) in tensors {
      let entry = try #require(json[name] as? [String: Any], "\(name)")
      #expect(metadata.removeValue(forKey: "sha256:\(name)") == entry["sha256"] as? String, "\(name)")
    }
    #expect(metadata == ["epoch": "7", "note": "é \" \\"])
    #expect(Set(json.keys) == Set(tensors.map(\.0) + ["__metadata__"]))
    for (name, tensor) in tensors {
      let entry = try #require(json[name] as? [String: Any], "\(name)")
      #expect(entry["dtype"] as? String == SafeTensors.fileName(of: tensor.dtype), "\(name)")
      #expect(entry["shape"] as? [Int] == tensor.shape, "\(name)")
      let values = try #require(entry["values"] as? [Any], "\(name)")
      switch tensor.dtype {
      case .float32: #expect(values.map { Float(jsonDouble($0)) } == tensor.toArray(Float.self), "\(name)")
      case .float64: #expect(values.map { jsonDouble($0) } == tensor.toArray(Double.self), "\(name)")
      // Through Float: JSONSerialization parses large numbers a few Double ulps off.
      case .float16, .bfloat16: #expect(values.map { Float(jsonDouble($0)) } == tensor.to(.float32).toArray(Float.self), "\(name)")
      case .int64: #expect(values.map { jsonInt64($0) } == tensor.toArray(Int64.self), "\(name)")
      case .bool: #expect(values.map { jsonBool($0) } == tensor.toArray(Bool.self), "\(name)")
      }
    }
  }

  @Test(.enabled(if: PythonNumpy.available, "needs python3 with numpy on PATH"))
  func weReadANumpyWrittenFile() throws {
    let folder = try TemporaryFolder(), path = folder.path("numpy.safetensors")
    let result = try PythonNumpy.run(numpyWriter, [path])
    try #require(result.status == 0, "python failed: \(result.err)")
    let expected = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: [String: Any]])
    let (tensors, metadata) = try SafeTensors.readWithMetadata(path)
    #expect(metadata["written_by"] == "numpy" && metadata["version"] != nil)
    #expect(tensors.map(\.0) == ["weight", "bias", "f64", "steps", "ids", "mask", "empty", "half", "brain"], "in the order of their data")
    let byName = Dictionary(uniqueKeysWithValues: tensors)
    #expect(Set(byName.keys) == Set(expected.keys))
    let dtypes: [String: DType] = ["weight": .float32, "bias": .float32, "f64": .float64, "steps": .int64, "ids": .int64,
                                   "mask": .bool, "empty": .float32, "half": .float16, "brain": .bfloat16]
    for (name, wanted) in expected {
      let tensor = try #require(byName[name], "\(name)")
      #expect(tensor.dtype == dtypes[name] && tensor.shape == wanted["shape"] as? [Int], "\(name): \(tensor.dtype) \(tensor.shape)")
      let values = wanted["values"] as? [Any] ?? []
      switch tensor.dtype {
      case .float32: #expect(values.map { Float(jsonDouble($0)) } == tensor.toArray(Float.self), "\(name)")
      case .float64: #expect(values.map { jsonDouble($0) } == tensor.toArray(Double.self), "\(name)")
      // Through Float: JSONSerialization parses large numbers a few Double ulps off.
      case .float16, .bfloat16: #expect(values.map { Float(jsonDouble($0)) } == tensor.to(.float32).toArray(Float.self), "\(name)")
      case .int64: #expect(values.map { jsonInt64($0) } == tensor.toArray(Int64.self), "\(name)")
      case .bool: #expect(values.map { jsonBool($0) } == tensor.toArray(Bool.self), "\(name)")
      }
    }
    // A Linear(3 → 2) loads the file's weight and bias (skipping the rest) and computes with them.
    let layer = Linear(inFeatures: 3, outFeatures: 2)
    let keys = try layer.load(from: path, strict: false)
    #expect(keys.missing.isEmpty && Set(keys.unexpected) == ["f64", "steps", "ids", "mask", "empty", "half", "brain"])
    #expect(layer.weight.toArray(Float.self) == byName["weight"]!.toArray(Float.self))
    let w = byName["weight"]!.toArray(Float.self), b = byName["bias"]!.toArray(Float.self)
    #expect(layer(Tensor([[1.0, 0, 0]])).toArray(Float.self) == [w[0] + b[0], w[3] + b[1]], "x·Wᵀ + b picks W's first column")
  }
}
