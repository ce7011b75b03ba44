import Foundation
import Testing
@testable import TorchlightNN

/// A state dict written by PyTorch for `nn.Sequential` loads by name into our `Sequential`
/// (both name the layers `0`, `1`, …) and the model then computes what PyTorch's did; and a
/// checkpoint we write, checksums included, is read by Python's `safetensors` and loads into
/// PyTorch's model.
@Suite("PyTorch state dicts") struct PyTorchStateDictTests {
  static let python: String = ProcessInfo.processInfo.environment["TORCHLIGHT_PEERS_PYTHON"]
    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".venvs/torchlight-peers/bin/python").path
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("peers/sequential_state_dict.py")

  /// True when the peers' Python can import both torch and the safetensors library.
  static let hasSafetensors: Bool = {
    guard FileManager.default.isExecutableFile(atPath: python) else { return false }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", "import torch, safetensors.torch"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }()

  static func ourMLP() -> Sequential {
    let g = Generator(seed: 1)
    return Tensor.withDefaultDType(.float64) {
      Sequential(Linear(inFeatures: 5, outFeatures: 8, generator: g), ReLU(), Linear(inFeatures: 8, outFeatures: 8, generator: g), Tanh(),
                 Linear(inFeatures: 8, outFeatures: 3, generator: g))
    }
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: python), "needs PyTorch in ~/.venvs/torchlight-peers (or TORCHLIGHT_PEERS_PYTHON)"))
  func aSequentialSavedByPyTorchLoadsByNameAndAgrees() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-sequential-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let (modelPath, ioPath) = (folder.appendingPathComponent("model.safetensors").path, folder.appendingPathComponent("io.safetensors").path)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.python)
    process.arguments = [Self.script.path, modelPath, ioPath]
    process.currentDirectoryURL = Self.script.deletingLastPathComponent()
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(Self.script.lastPathComponent) failed")

    let ours = Self.ourMLP()
    let keys = try ours.load(from: modelPath)
    #expect(keys.missing.isEmpty && keys.unexpected.isEmpty, "\(keys)")
    let io = Dictionary(uniqueKeysWithValues: try SafeTensors.read(ioPath))
    let (x, expected) = (try #require(io["input"]), try #require(io["output"]))
    let difference = (withNoGrad { ours(x) } - expected).abs().max().item()
    #expect(difference < 1e-14, "largest difference from PyTorch's output: \(difference)")
  }

  @Test(.enabled(if: hasSafetensors, "needs torch and safetensors in ~/.venvs/torchlight-peers (pip install safetensors), or TORCHLIGHT_PEERS_PYTHON"))
  func pythonsSafetensorsReadsOurCheckpointWithItsChecksums() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-ours-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let model = folder.appendingPathComponent("model.safetensors").path
    let input = folder.appendingPathComponent("input.safetensors").path, output = folder.appendingPathComponent("output.safetensors").path
    let ours = Self.ourMLP()
    try ours.save(to: model, metadata: ["epoch": "3"])
    let x = Tensor.randn([4, 5], dtype: .float64, generator: Generator(seed: 2))
    try SafeTensors.write([("input", x)], to: input)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.python)
    process.arguments = [Self.script.path, "--read-ours", model, input, output]
    process.currentDirectoryURL = Self.script.deletingLastPathComponent()
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let complaint = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(Self.script.lastPathComponent) --read-ours failed: \(complaint)")
    // Python checked every tensor's checksum against hashlib, and computed what we compute.
    let checked = printed.split(separator: "\n").filter { $0.hasPrefix("sha256 ok ") }.map { String($0.dropFirst(10)) }
    #expect(Set(checked) == Set(ours.stateDict().map(\.0)), "\(printed)")
    let (tensors, metadata) = try SafeTensors.readWithMetadata(output)
    #expect(metadata["written_by"] == "safetensors")
    let theirs = try #require(tensors.first { $0.0 == "output" }?.1)
    let difference = (withNoGrad { ours(x) } - theirs).abs().max().item()
    #expect(difference < 1e-14, "largest difference from PyTorch's output: \(difference)")
  }
}

