import Testing
@testable import TorchlightNN

/// Layers built without a `dtype:` take the default floating dtype, so a float64 model for a
/// gradient check is one scope, not a `dtype:` on every layer; an explicit `dtype:` still wins.
@Suite("Layer dtypes") struct LayerDTypeTests {
  static func layers() -> [Module] {
    [Linear(inFeatures: 3, outFeatures: 2), Conv2d(1, 2, kernelSize: 3), BatchNorm2d(2),
     LayerNorm(4), Embedding(numEmbeddings: 5, embeddingDim: 3), LSTM(inputSize: 3, hiddenSize: 4),
     MultiheadAttention(embedDim: 4, numHeads: 2), PReLU(),
     Sequential(Linear(inFeatures: 3, outFeatures: 3), ReLU(), Linear(inFeatures: 3, outFeatures: 1))]
  }

  @Test func layersTakeTheDefaultDTypeOfTheirScope() {
    for layer in Self.layers() {
      #expect(layer.stateDict().allSatisfy { !$0.1.dtype.isFloatingPoint || $0.1.dtype == .float32 }, "\(type(of: layer))")
    }
    let wide = Tensor.withDefaultDType(.float64) { Self.layers() }
    for layer in wide {
      let floats = layer.stateDict().filter { $0.1.dtype.isFloatingPoint }
      #expect(!floats.isEmpty && floats.allSatisfy { $0.1.dtype == .float64 }, "\(type(of: layer)): \(floats.map { "\($0.0) \($0.1.dtype)" })")
    }
    // A float64 model computes in float64 end to end.
    let model = Tensor.withDefaultDType(.float64) { Sequential(Linear(inFeatures: 3, outFeatures: 2), Tanh()) }
    #expect(model(Tensor.randn([4, 3], dtype: .float64)).dtype == .float64)
  }

  @Test func anExplicitDTypeWinsOverTheScope() {
    let layer = Tensor.withDefaultDType(.float64) { Linear(inFeatures: 3, outFeatures: 2, dtype: .float32) }
    #expect(layer.weight.dtype == .float32 && layer.bias?.dtype == .float32)
  }
}
