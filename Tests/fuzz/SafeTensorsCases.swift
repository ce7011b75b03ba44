import Foundation
import Torchlight
import TorchlightNN

/// Mutated safetensors files: a valid file we wrote, then one to three mutations of its bytes,
/// of its 8-byte header length, or of one field of its JSON header (shapes and offsets set to
/// extremes, wrong dtypes, missing fields, renamed tensors, bad metadata).
enum SafeTensorsCases {
  /// A few valid files: every dtype, an empty tensor, a scalar, with and without metadata.
  static let validFiles: [[UInt8]] = {
    let g = Generator(seed: 22)
    let all: [(String, Tensor)] = [
      ("weight", Tensor.randn([3, 4], generator: g)), ("bias", Tensor.randn([4], dtype: .float64, generator: g)),
      ("ids", Tensor([Int64(-3), 7], shape: [2])), ("mask", Tensor([true, false, true], shape: [3])),
      ("empty", Tensor.zeros([0, 2])), ("scalar", Tensor(2.5)),
    ]
    return [try! SafeTensors.encode(all, metadata: ["epoch": "3"]), try! SafeTensors.encode(Array(all.prefix(1))),
            try! SafeTensors.encode(Array(all.suffix(3)), metadata: ["note": "x"])].map { [UInt8]($0) }
  }()

  static func make(_ rng: inout SplitMix64) -> (input: FuzzCase, original: [UInt8]) {
    let original = rng.pick(Array(validFiles.indices))
    var input = FuzzCase(bytes: validFiles[original], steps: ["valid file \(original)"])
    for _ in 0..<(1 + rng.below(3)) {
      let dataStart = headerEnd(input.bytes) ?? 8
      switch rng.below(4) {
      case 0, 1: rng.pick(ByteMutation.allCases).apply(to: &input, &rng, dataStart: dataStart)
      case 2: setHeaderLength(&input, &rng)
      default: mutateJSON(&input, &rng)
      }
    }
    return (input, validFiles[original])
  }

  /// Where the data starts according to the length field, when that is inside the file.
  static func headerEnd(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 8 else { return nil }
    let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
    return length <= UInt64(bytes.count - 8) ? 8 + Int(length) : nil
  }

  static func setHeaderLength(_ input: inout FuzzCase, _ rng: inout SplitMix64) {
    guard input.bytes.count >= 8 else { return }
    let actual = UInt64(headerEnd(input.bytes).map { $0 - 8 } ?? 0)
    let length = rng.pick(extremeSizes + [actual &- 1, actual &+ 1, actual &+ 8])
    for b in 0..<8 { input.bytes[b] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(b))) }
    input.steps.append("length=\(length)")
    input.changedOnlyData = false
  }

  /// Values a field of the header can be given: extremes, wrong types, wrong lengths.
  static func number(_ value: UInt64) -> NSNumber { NSNumber(value: value) }
  static func extremeShape(_ rng: inout SplitMix64) -> Any {
    let big = rng.pick(extremeSizes)
    return rng.pick([
      [], [0], [number(0), number(1 << 32), number(1 << 32)], [number(UInt64(Int.max)), 0], [number(UInt64(Int.max)), 2],
      [number(1 << 32), number(1 << 32)], [number(UInt64(Int32.max)), number(UInt64(Int32.max)), 2], [number(big)],
      [number(big), number(big)], [-1], [1.5], ["a"], "3", [Int](repeating: 1, count: 5000), [3, number(big), 0],
    ] as [Any])
  }

  static func mutateJSON(_ input: inout FuzzCase, _ rng: inout SplitMix64) {
    guard let end = headerEnd(input.bytes),
          var header = try? JSONSerialization.jsonObject(with: Data(input.bytes[8..<end])) as? [String: Any] else { return }
    let names = header.keys.filter { $0 != "__metadata__" }.sorted()
    guard let name = names.isEmpty ? nil : rng.pick(names), var entry = header[name] as? [String: Any] else { return }
    let offsets = entry["data_offsets"] as? [Int] ?? [], span = offsets.count == 2 ? offsets : [0, 0]
    switch rng.below(9) {
    case 0: entry["shape"] = extremeShape(&rng); input.steps.append("\(name).shape=extreme")
    case 1:
      let (a, b) = (rng.pick(extremeSizes + [UInt64(clamping: span[0]), UInt64(clamping: span[1])]), rng.pick(extremeSizes + [UInt64(clamping: span[1]) &+ 1]))
      entry["data_offsets"] = rng.pick([[number(a), number(b)], [number(b)], [span[0], span[1], 0], [-1, span[1]]] as [Any])
      input.steps.append("\(name).data_offsets=[\(a), \(b)]")
    case 2:
      entry["dtype"] = rng.pick(["F32", "F64", "I64", "BOOL", "F16", "U8", "", "f32", 7] as [Any])
      input.steps.append("\(name).dtype=\(entry["dtype"]!)")
    case 3: entry.removeValue(forKey: rng.pick(["dtype", "shape", "data_offsets"])); input.steps.append("\(name): field removed")
    case 4: header[name] = rng.pick(["x", 3, [1, 2]] as [Any]); input.steps.append("\(name)=not an object")
    case 5: header["__metadata__"] = rng.pick([["k": 3], "text", ["sha256:\(name)": "00"], ["sha256:nothing": "00"]] as [Any])
      input.steps.append("metadata=bad")
    case 6: header.removeValue(forKey: name); header[name + "_renamed"] = entry; input.steps.append("\(name) renamed")
    case 7: header.removeValue(forKey: name); input.steps.append("\(name) removed")
    default: entry["extra"] = rng.pick([1, "x", [Any]()] as [Any]); input.steps.append("\(name).extra")
    }
    if header[name] != nil, header[name] is [String: Any] { header[name] = entry }
    guard let json = try? JSONSerialization.data(withJSONObject: header) else { return }
    let length = UInt64(json.count)
    input.bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + [UInt8](json) + input.bytes[end...]
    input.changedOnlyData = false
  }

  /// Decodes one case: "accepted" or "refused", or a `FuzzFailure` when the result is wrong.
  static func run(_ input: FuzzCase, original: [UInt8]) throws -> String {
    let decoded: [(String, Tensor)]
    do { decoded = try SafeTensors.decode(Data(input.bytes), name: "case.safetensors").tensors } catch { return "refused" }
    let dataLength = input.bytes.count - (headerEnd(input.bytes) ?? input.bytes.count)
    guard decoded.reduce(0, { $0 + $1.1.byteCount }) == dataLength, Set(decoded.map(\.0)).count == decoded.count else {
      throw FuzzFailure("accepted \(decoded.count) tensors whose sizes do not add up to the \(dataLength) data bytes")
    }
    let checksummed = String(decoding: original.prefix(headerEnd(original) ?? 0), as: UTF8.self).contains("\"sha256:")
    if checksummed && input.changedOnlyData && input.bytes != original {
      throw FuzzFailure("accepted a file whose tensor data was changed, though it holds checksums")
    }
    // What was accepted must survive a round trip unchanged.
    let again = try SafeTensors.decode(SafeTensors.encode(decoded)).tensors
    guard again.map(\.0) == decoded.map(\.0), again.map(\.1.shape) == decoded.map(\.1.shape) else {
      throw FuzzFailure("a round trip of the accepted tensors changed their names or shapes")
    }
    return "accepted"
  }
}
