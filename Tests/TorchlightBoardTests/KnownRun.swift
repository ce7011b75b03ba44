import Foundation
@testable import TorchlightBoard

/// A run with one of every kind of summary, written with `SummaryWriter`, and what it holds.
struct KnownRun {
  static let losses: [(step: Int, value: Double)] = [(1, 2.302585), (2, 0.5), (3, 1e-3), (10, -4.25)]
  static let weights: [Float] = [-1, -0.5, 0, 0, 0.25, 0.5, 2, 3]
  /// A 3×2 RGB PNG.
  static let png: [UInt8] = hexBytes(
    "89504e470d0a1a0a0000000d49484452000000030000000208020000001216f14d0000001a49444154789c05c18101002008c020ec72bd7c81107acad8bd0f3ef206801cf8e7ce0000000049454e44ae426082")
  static let text = "| option | value |\n|---|---|\n| --lr | 0.1 |\n| --model | concise → ✓ |"

  let folder: String
  let writer: SummaryWriter

  init() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-board-\(UUID().uuidString.prefix(8))").path
    writer = try SummaryWriter(logDirectory: folder)
    for (step, value) in Self.losses { try writer.addScalar("loss/train", value, step: step) }
    try writer.addScalar("lr", 0.1, step: 1)
    try writer.addHistogram("weights/0.weight", values: Self.weights, step: 2, bins: 4)
    try writer.addImage("curves", png: Self.png, step: 0)
    try writer.addText("options", Self.text, step: 0)
    writer.close()
  }

  func remove() { try? FileManager.default.removeItem(atPath: folder) }
}

func hexBytes(_ hex: String) -> [UInt8] {
  var bytes: [UInt8] = [], i = hex.startIndex
  while i < hex.endIndex {
    let j = hex.index(i, offsetBy: 2)
    bytes.append(UInt8(hex[i..<j], radix: 16)!)
    i = j
  }
  return bytes
}
