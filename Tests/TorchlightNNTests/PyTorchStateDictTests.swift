import Foundation
import Testing
@testable import TorchlightNN

/// A state dict written by PyTorch for `nn.Sequential` loads by name into our `Sequential`
/// (both name the layers `0`, `1`, …) and the model then computes what PyTorch's did.
@Suite("PyTorch state dicts") struct PyTorchStateDictTests {
  static let python: String = ProcessInfo.processInfo.environment["TORCHLIGHT_PEERS_PYTHON"]
    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".venvs/torchlight-peers/bin/python").path
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("peers/sequential_state_dict.py")

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

    let g = Generator(seed: 1)
    let ours = Sequential(Linear(inFeatures: 5, outFeatures: 8, dtype: .float64, generator: g), ReLU(),
                          Linear(inFeatures: 8, outFeatures: 8, dtype: .float64, generator: g), Tanh(),
                          Linear(inFeatures: 8, outFeatures: 3, dtype: .float64, generator: g))
    let keys = try ours.load(from: modelPath)
    #expect(keys.missing.isEmpty && keys.unexpected.isEmpty, "\(keys)")
    let io = Dictionary(uniqueKeysWithValues: try SafeTensors.read(ioPath))
    let (x, expected) = (try #require(io["input"]), try #require(io["output"]))
    let difference = (withNoGrad { ours(x) } - expected).abs().max().item()
    #expect(difference < 1e-14, "largest difference from PyTorch's output: \(difference)")
  }
}
