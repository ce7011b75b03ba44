import TorchlightData

/// Mutated IDX files: a valid file of one of a few shapes, then one to three mutations, some of
/// them setting a size field of the header to an extreme value.
enum IDXCases {
  static let shapes: [[Int]] = [[0], [5], [3, 4], [2, 3, 4], [0, 28, 28], [1, 1, 1], [4, 2, 2, 2]]

  static func make(_ rng: inout SplitMix64) -> (input: FuzzCase, axes: Int) {
    let shape = rng.pick(shapes)
    let values = (0..<shape.reduce(1, *)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    var input = FuzzCase(bytes: IDX.encode(shape: shape, values: values), steps: ["valid \(shape)"])
    let header = 4 + 4 * shape.count
    for _ in 0..<(1 + rng.below(3)) {
      if rng.below(2) == 0 {
        rng.pick(ByteMutation.allCases).apply(to: &input, &rng, dataStart: header)
      } else if rng.below(4) == 0, input.bytes.count >= 4 {
        input.bytes[3] = UInt8(truncatingIfNeeded: rng.pick([0, 1, 2, 3, 4, 255, rng.next()]))
        input.steps.append("axes=\(input.bytes[3])")
        input.changedOnlyData = false
      } else if !shape.isEmpty {
        // A size field set to an extreme: big-endian 32 bits, so 2³² and above wrap to their low bits.
        let axis = rng.below(shape.count), size = rng.pick(extremeSizes)
        for b in 0..<4 where 4 + 4 * axis + b < input.bytes.count {
          input.bytes[4 + 4 * axis + b] = UInt8(truncatingIfNeeded: size >> (24 - 8 * UInt64(b)))
        }
        input.steps.append("size[\(axis)]=\(size & 0xFFFF_FFFF)")
        input.changedOnlyData = false
      }
    }
    return (input, rng.below(8) == 0 ? rng.below(5) : shape.count)
  }

  /// Parses one case: "accepted" or "refused", or a `FuzzFailure` when the result is wrong.
  static func run(_ input: FuzzCase, axes: Int) throws -> String {
    let parsed: (shape: [Int], values: ArraySlice<UInt8>)
    do { parsed = try IDX.parse(input.bytes, expectedAxes: axes, name: "case.idx") } catch { return "refused" }
    guard parsed.shape.count == axes, parsed.shape.allSatisfy({ $0 >= 0 }),
          parsed.values.count == elementCount(parsed.shape), parsed.values.count == input.bytes.count - 4 - 4 * axes else {
      throw FuzzFailure("accepted shape \(parsed.shape) with \(parsed.values.count) values from \(input.bytes.count) bytes")
    }
    return "accepted"
  }
}

/// A parser accepted something it should not have, or returned a result that does not add up.
struct FuzzFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
