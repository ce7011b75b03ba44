import Foundation
import Testing
@testable import TorchlightNN

/// The Python of the PyTorch peer benchmarks (`~/.venvs/torchlight-peers`), when it has torch and
/// safetensors: PyTorch's own float16/bfloat16 conversions are the independent reference here.
enum PeersPython {
  static let executable: String? = {
    let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
    let path = home + "/.venvs/torchlight-peers/bin/python"
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }()

  static let available: Bool = {
    guard executable != nil, let result = try? run("import torch, safetensors.torch") else { return false }
    return result.status == 0
  }()

  static func run(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, out: String, err: String) {
    try runPython(URL(fileURLWithPath: executable ?? "/nonexistent"), script, arguments)
  }
}

/// float32 bit patterns of every class (as in HalfRoundingTests), and seeded random ones.
private func testFloats() -> [Float] {
  var bits: [UInt32] = [0, 1, 0x8000, 0x1_8000, 0x7F_FFFF, 0x80_0000, 0x3F80_8000, 0x3F81_8000, 0x3F80_8001, 0x3FFF_FFFF,
                        0x3DCC_CCCD, 0x3F80_1000, 0x3F80_3000, 0x477F_E000, 0x477F_EFFF, 0x477F_F000, 0x4780_0000,
                        0x3380_0000, 0x3300_0000, 0x3300_0001, 0x33C0_0000, 0x7F7F_FFFF, 0x7F7F_7FFF, 0x7F80_0000, 0x7FC0_0000]
  bits += bits.map { $0 | 0x8000_0000 }
  var state: UInt64 = 7
  for _ in 0..<20_000 {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    bits.append(UInt32(truncatingIfNeeded: state >> 32))
  }
  return bits.map(Float.init(bitPattern:))
}

/// Reads our file with safetensors.torch and compares our F16/BF16 tensors with torch's own
/// conversion of the F32 source, bit for bit (NaN only as NaN: torch writes one canonical NaN).
private let torchChecksOurs = #"""
import json, sys, torch
from safetensors.torch import load_file
t = load_file(sys.argv[1])
src = t["source"]
report = {}
for name, dtype in [("b", torch.bfloat16), ("h", torch.float16)]:
    ours, theirs = t[name], src.to(dtype)
    assert ours.dtype == dtype, (name, ours.dtype)
    same = (ours.view(torch.int16) == theirs.view(torch.int16)) | (ours.isnan() & theirs.isnan())
    report[name] = [int(i) for i in (~same).nonzero().flatten()[:5]]
print(json.dumps(report))
"""#

/// torch writes float32 values and its float16/bfloat16 conversions of them with save_file.
private let torchWrites = #"""
import sys, torch
from safetensors.torch import save_file
g = torch.Generator().manual_seed(5)
src = torch.cat([torch.randn(1000, generator=g) * 10.0 ** torch.randint(-8, 8, (1000,), generator=g),
                 torch.tensor([0.1, 65504, 65519, 65520, 1e-8, 6e-8, 3e38, -0.0, float("inf"), float("nan")])])
save_file({"source": src, "b": src.to(torch.bfloat16), "h": src.to(torch.float16),
           "b2d": src[:12].to(torch.bfloat16).reshape(3, 4)}, sys.argv[1])
"""#

@Suite struct HalfInteropTests {
  @Test(.enabled(if: PeersPython.available, "needs ~/.venvs/torchlight-peers with torch and safetensors"))
  func torchReadsOurF16AndBF16AndAgreesBitForBit() throws {
    let folder = try TemporaryFolder(), path = folder.path("ours.safetensors")
    let values = testFloats()
    let source = Tensor(values, shape: [values.count])
    try SafeTensors.write([("source", source), ("b", source.to(.bfloat16)), ("h", source.to(.float16))], to: path)
    let result = try PeersPython.run(torchChecksOurs, [path])
    try #require(result.status == 0, "python failed: \(result.err)")
    let report = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: [Int]])
    #expect(report["b"] == [], "bfloat16 differs from torch at \(report["b"] ?? [])")
    #expect(report["h"] == [], "float16 differs from torch at \(report["h"] ?? [])")
  }

  @Test(.enabled(if: PeersPython.available, "needs ~/.venvs/torchlight-peers with torch and safetensors"))
  func weReadTorchsF16AndBF16() throws {
    let folder = try TemporaryFolder(), path = folder.path("torch.safetensors")
    let result = try PeersPython.run(torchWrites, [path])
    try #require(result.status == 0, "python failed: \(result.err)")
    let tensors = Dictionary(uniqueKeysWithValues: try SafeTensors.read(path))
    let source = try #require(tensors["source"]), b = try #require(tensors["b"]), h = try #require(tensors["h"])
    #expect(b.dtype == .bfloat16 && h.dtype == .float16 && tensors["b2d"]?.shape == [3, 4])
    func sameBits(_ ours: Tensor, _ theirs: Tensor) -> Bool {
      zip(ours.toDoubles(), theirs.toDoubles()).allSatisfy { $0.bitPattern == $1.bitPattern || $0.isNaN && $1.isNaN }
    }
    #expect(sameBits(source.to(.bfloat16), b), "our bfloat16 rounding of torch's float32 values is torch's")
    #expect(sameBits(source.to(.float16), h), "our float16 rounding of torch's float32 values is torch's")
    #expect(tensors["b2d"]!.toDoubles() == Array(b.toDoubles().prefix(12)))
    #expect(h.toDoubles().suffix(10).prefix(4) == [Double(Float16(0.1 as Float)), 65504, 65504, .infinity])
  }
}
