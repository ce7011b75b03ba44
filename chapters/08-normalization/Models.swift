import TorchlightNN

/// Which batch norm the LeNet of this chapter uses: the hand-written layer, the library's, or none.
enum BatchNormChoice: String, CaseIterable {
  case scratch = "bn-lenet-scratch", module = "bn-lenet", none = "lenet-no-bn"
}

/// The textbook's LeNet with batch normalization after every convolution and every hidden dense
/// layer, before the sigmoid. No padding, so the first convolution gives 24×24 and the flattened
/// features are 16·4·4 = 256, as in the textbook and the PyTorch peer.
func bnLeNet(_ choice: BatchNormChoice) -> Sequential {
  func norm(_ features: Int, rank: Int) -> [Module] {
    switch choice {
    case .scratch: [ScratchBatchNorm(features, rank: rank)]
    case .module: [rank == 4 ? BatchNorm2d(features) : BatchNorm1d(features)]
    case .none: []
    }
  }
  let layers: [[Module]] = [
    [Conv2d(1, 6, kernelSize: 5)], norm(6, rank: 4), [Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2)],
    [Conv2d(6, 16, kernelSize: 5)], norm(16, rank: 4), [Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten()],
    [Linear(inFeatures: 16 * 4 * 4, outFeatures: 120)], norm(120, rank: 2), [Sigmoid()],
    [Linear(inFeatures: 120, outFeatures: 84)], norm(84, rank: 2), [Sigmoid()],
    [Linear(inFeatures: 84, outFeatures: 10)],
  ]
  let net = Sequential(layers.flatMap { $0 })
  // Xavier-uniform weights, as the textbook's `init_cnn`.
  _ = net.apply { m in
    if let c = m as? Conv2d { Init.xavierUniform(c.weight) }
    if let l = m as? Linear { Init.xavierUniform(l.weight) }
  }
  return net
}

/// The four normalizations compared in one small network (plus none, the baseline).
enum NormKind: String, CaseIterable {
  case none, batch = "batch-norm", layer = "layer-norm", instance = "instance-norm", group = "group-norm"

  /// A normalization layer for `channels` feature maps of `side`×`side` pixels. Every one has a
  /// learned scale and shift; group norm uses groups of 4 channels.
  func layer(channels: Int, side: Int) -> [Module] {
    switch self {
    case .none: []
    case .batch: [BatchNorm2d(channels)]
    case .layer: [LayerNorm([channels, side, side])]
    case .instance: [InstanceNorm2d(channels, affine: true)]
    case .group: [GroupNorm(numGroups: channels / 4, numChannels: channels)]
    }
  }
}

/// A small ReLU network: two 3×3 convolutions (8 and 16 channels), each followed by the chosen
/// normalization, ReLU and 2×2 max pooling, then one dense layer. The convolutions keep their
/// bias only when nothing normalizes after them.
func smallCNN(_ norm: NormKind) -> Sequential {
  let bias = norm == .none
  let layers: [[Module]] = [
    [Conv2d(1, 8, kernelSize: 3, padding: 1, bias: bias)], norm.layer(channels: 8, side: 28), [ReLU(), MaxPool2d(kernelSize: 2, stride: 2)],
    [Conv2d(8, 16, kernelSize: 3, padding: 1, bias: bias)], norm.layer(channels: 16, side: 14), [ReLU(), MaxPool2d(kernelSize: 2, stride: 2)],
    [Flatten(), Linear(inFeatures: 16 * 7 * 7, outFeatures: 10)],
  ]
  return Sequential(layers.flatMap { $0 })
}
