import Foundation
import Torchlight
import TorchlightNN

/// What does a checkpoint cost? A 30 MB state dict (six 1024×1024 matrices, a 1500×1024 one and
/// their biases, float32) saved with `SafeTensors.write` (encode, per-tensor SHA-256, fsync,
/// rename) and read back with `SafeTensors.read` (checks, checksums, copies), beside the
/// reference of writing and reading the same number of bytes as one plain file; and SHA-256 alone.
func benchCheckpoint(threads: Int) {
  let g = Generator(seed: 11)
  var tensors: [(String, Tensor)] = (0..<6).flatMap { i in
    [("layers.\(i).weight", Tensor.randn([1024, 1024], generator: g)), ("layers.\(i).bias", Tensor.randn([1024], generator: g))]
  }
  tensors.append(("head.weight", Tensor.randn([1500, 1024], generator: g)))
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("torchlight-bench-\(UUID().uuidString)")
  try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let path = folder.appendingPathComponent("model.safetensors").path, plain = folder.appendingPathComponent("plain.bin")

  let save = bestTime(repeats: 5) { try! SafeTensors.write(tensors, to: path) }
  let load = bestTime(repeats: 5) { blackHole(try! SafeTensors.read(path)) }
  let bytes = try! Data(contentsOf: URL(fileURLWithPath: path))
  let plainWrite = bestTime(repeats: 5) { try! bytes.write(to: plain, options: .atomic) }
  let plainRead = bestTime(repeats: 5) { blackHole(try! Data(contentsOf: plain)) }
  let hash = bestTime(repeats: 5) { bytes.withUnsafeBytes { blackHole(SHA256.hash($0)) } }
  let megabytes = Double(bytes.count) / 1e6
  report("checkpoint", ["threads": Double(threads), "megabytes": megabytes, "save_s": save, "load_s": load,
                        "plain_write_s": plainWrite, "plain_read_s": plainRead, "sha256_mb_per_s": megabytes / hash])
}
