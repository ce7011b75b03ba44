import Foundation
import Testing
@testable import TorchlightNN

/// The bit patterns of a float16 or bfloat16 tensor's elements, row-major.
private func bits(_ t: Tensor) -> [UInt16] {
  t.dtype == .float16 ? t.toArray(Float16.self).map(\.bitPattern) : t.toArray(BFloat16.self).map(\.bitPattern)
}

/// Layers and functional ops on float16 and bfloat16: they compute in float32 and round the
/// output once, so each equals the float32 op on the widened inputs, rounded.
@Suite struct HalfLayerTests {
  @Test(arguments: [DType.float16, .bfloat16])
  func functionalOpsRoundTheFloat32ResultOnce(_ dtype: DType) {
    let g = Generator(seed: 61)
    let x = Tensor.randn([4, 6], generator: g).to(dtype), w = Tensor.randn([3, 6], generator: g).to(dtype)
    let b = Tensor.randn([3], generator: g).to(dtype)
    let image = Tensor.randn([2, 2, 5, 5], generator: g).to(dtype), kernel = Tensor.randn([3, 2, 3, 3], generator: g).to(dtype)
    let gamma = Tensor.randn([6], generator: g).to(dtype), beta = Tensor.randn([6], generator: g).to(dtype)
    let cases: [(String, ([Tensor]) -> Tensor, [Tensor])] = [
      ("linear", { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }, [x, w, b]),
      ("conv2d", { conv2d($0[0], weight: $0[1], padding: 1) }, [image, kernel]),
      ("maxPool2d", { maxPool2d($0[0], kernelSize: 2) }, [image]),
      ("avgPool2d", { avgPool2d($0[0], kernelSize: 2) }, [image]),
      ("softmax", { softmax($0[0], axis: 1) }, [x]),
      ("logSoftmax", { logSoftmax($0[0], axis: 1) }, [x]),
      ("layerNorm", { layerNorm($0[0], normalizedShape: [6], weight: $0[1], bias: $0[2]) }, [x, gamma, beta]),
      ("gelu", { gelu($0[0]) }, [x]),
    ]
    for (name, op, inputs) in cases {
      let half = op(inputs), reference = op(inputs.map { $0.float() }).to(dtype)
      #expect(half.dtype == dtype, "\(name): \(half.dtype)")
      #expect(bits(half) == bits(reference), "\(name) in \(dtype): \(half.toDoubles().prefix(6)) vs \(reference.toDoubles().prefix(6))")
    }
  }

  @Test(arguments: [DType.float16, .bfloat16])
  func aHalfModelTrainsItsOwnParameters(_ dtype: DType) {
    let model = Sequential(Linear(inFeatures: 4, outFeatures: 8, dtype: dtype, generator: Generator(seed: 62)), ReLU(),
                           LayerNorm([8], dtype: dtype), Linear(inFeatures: 8, outFeatures: 3, dtype: dtype, generator: Generator(seed: 63)))
    #expect(model.parameters().allSatisfy { $0.dtype == dtype })
    let x = Tensor.randn([5, 4], generator: Generator(seed: 64)).to(dtype)
    let loss = crossEntropy(logits: model(x), targets: Tensor([Int64(0), 1, 2, 1, 0], shape: [5]))
    #expect(loss.dtype == dtype)
    loss.backward()
    for (name, p) in model.namedParameters() {
      #expect(p.grad?.dtype == dtype && p.grad?.shape == p.shape, "\(name): \(p.grad?.dtype.description ?? "no gradient")")
      #expect(p.grad!.toDoubles().contains { $0 != 0 } && p.grad!.toDoubles().allSatisfy(\.isFinite), "\(name)")
    }
    // The same model in float32 gives nearly the same gradient of the first weight.
    let wide = Sequential(Linear(inFeatures: 4, outFeatures: 8, generator: Generator(seed: 62)), ReLU(),
                          LayerNorm([8]), Linear(inFeatures: 8, outFeatures: 3, generator: Generator(seed: 63)))
    try! wide.load(stateDict: model.stateDict().map { ($0, $1.float()) })
    crossEntropy(logits: wide(x.float()), targets: Tensor([Int64(0), 1, 2, 1, 0], shape: [5])).backward()
    let first = model.parameters()[0].grad!.toDoubles(), reference = wide.parameters()[0].grad!.toDoubles()
    let scale = reference.map(Swift.abs).max()!
    let worst = zip(first, reference).map { Swift.abs($0 - $1) }.max()!
    #expect(worst <= (dtype == .float16 ? 0.01 : 0.06) * scale, "worst difference \(worst) for gradients up to \(scale)")
  }

  /// A checkpoint whose dtype the model does not use is refused in one line that names the
  /// tensor and both dtypes; converting the state dict first loads it.
  @Test func aBFloat16CheckpointIntoAFloat32ModelIsOneLineNamingBothDTypes() throws {
    let model = Linear(inFeatures: 3, outFeatures: 2, generator: Generator(seed: 65))
    let before = model.weight.toArray(Float.self)
    let folder = try TemporaryFolder(), path = folder.path("half.safetensors")
    let half = Linear(inFeatures: 3, outFeatures: 2, dtype: .bfloat16, generator: Generator(seed: 66))
    try half.save(to: path)
    var message = ""
    do { try model.load(from: path) } catch let error as CheckpointError {
      #expect(error.kind == .dtypeMismatch)
      message = error.description
    }
    #expect(message == "\(path): tensor 'weight' is bfloat16 in the state dict, but float32 in the model; convert it with .to(.float32) first")
    #expect(!message.contains("\n") && model.weight.toArray(Float.self) == before, "nothing loaded")
    try model.load(stateDict: try SafeTensors.read(path).map { ($0, $1.to(.float32)) })
    #expect(model.weight.toDoubles() == half.weight.toDoubles(), "bfloat16 values are exact in float32")
  }

  @Test func safetensorsRoundTripsF16AndBF16BitForBit() throws {
    let folder = try TemporaryFolder(), path = folder.path("halves.safetensors")
    let values = Tensor([0.1, -65504, 70000, 1e-7, -0.0, .infinity, .nan, 3.14159])
    let tensors: [(String, Tensor)] = [("h", values.half()), ("b", values.bfloat16()),
                                       ("view", values.bfloat16().reshaped(2, 4).t())]
    try SafeTensors.write(tensors, to: path)
    let read = try SafeTensors.read(path)
    #expect(read.map(\.0) == ["h", "b", "view"])
    for ((name, wrote), (_, got)) in zip(tensors, read) {
      #expect(got.dtype == wrote.dtype && got.shape == wrote.shape, "\(name)")
      #expect(bits(got) == bits(wrote), "\(name)")
    }
    let header = try SafeTensorsTestFile.header(path)
    #expect((header["h"] as? [String: Any])?["dtype"] as? String == "F16")
    #expect((header["b"] as? [String: Any])?["dtype"] as? String == "BF16")
    #expect((header["b"] as? [String: Any])?["data_offsets"] as? [Int] == [16, 32], "2 bytes per element")
  }
}

/// Reads a safetensors file's JSON header, for checks of what was written.
enum SafeTensorsTestFile {
  static func header(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let n = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    return try JSONSerialization.jsonObject(with: data[8..<(8 + n)]) as? [String: Any] ?? [:]
  }
}
