import TorchlightNN

/// The networks of the chapter, adapted to 28×28 Fashion-MNIST images so that each trains in
/// minutes on two CPU cores. The textbook resizes the images to 224×224 (96×96 for GoogLeNet)
/// and uses the full widths; here the strides and widths shrink instead, keeping each design's
/// idea: AlexNet's deep stack of convolutions with dropout in the head, VGG's repeated blocks of
/// 3×3 convolutions, NiN's 1×1 convolutions and global average pooling, GoogLeNet's parallel
/// branches.
enum ModelChoice: String, CaseIterable {
  case lenet, lenetReLU = "lenet-relu", alexnet, vgg, nin, googlenet
}

/// Xavier-uniform weights for every convolution and linear layer, as the textbook's `train_ch6`:
/// with sigmoids, PyTorch's default scale leaves LeNet stuck for several epochs.
func xavierInit(_ net: Module) {
  _ = net.apply { m in
    if let c = m as? Conv2d { Init.xavierUniform(c.weight) }
    if let l = m as? Linear { Init.xavierUniform(l.weight) }
  }
}

/// LeNet-5 as in the textbook: two sigmoid convolutions with average pooling, three dense layers.
func leNet() -> Sequential {
  Sequential(Conv2d(1, 6, kernelSize: 5, padding: 2), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2),
             Conv2d(6, 16, kernelSize: 5), Sigmoid(), AvgPool2d(kernelSize: 2, stride: 2), Flatten(),
             Linear(inFeatures: 16 * 5 * 5, outFeatures: 120), Sigmoid(), Linear(inFeatures: 120, outFeatures: 84), Sigmoid(),
             Linear(inFeatures: 84, outFeatures: 10))
}

/// The same shapes with ReLU and max pooling, the modern choices.
func leNetReLU() -> Sequential {
  Sequential(Conv2d(1, 6, kernelSize: 5, padding: 2), ReLU(), MaxPool2d(kernelSize: 2, stride: 2),
             Conv2d(6, 16, kernelSize: 5), ReLU(), MaxPool2d(kernelSize: 2, stride: 2), Flatten(),
             Linear(inFeatures: 16 * 5 * 5, outFeatures: 120), ReLU(), Linear(inFeatures: 120, outFeatures: 84), ReLU(),
             Linear(inFeatures: 84, outFeatures: 10))
}

/// AlexNet's plan at a fraction of its width: five ReLU convolutions (the first large), max
/// pooling after the first, second and fifth, and a dense head with dropout 0.5. About 3.6 M
/// multiply-adds per image, against AlexNet's 0.7 G at 224×224.
func alexNet() -> Sequential {
  Sequential(Conv2d(1, 16, kernelSize: 5, padding: 2), ReLU(), MaxPool2d(kernelSize: 2, stride: 2),    // 14×14
             Conv2d(16, 32, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(kernelSize: 2, stride: 2),   // 7×7
             Conv2d(32, 48, kernelSize: 3, padding: 1), ReLU(),
             Conv2d(48, 48, kernelSize: 3, padding: 1), ReLU(),
             Conv2d(48, 32, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(kernelSize: 3, stride: 2),   // 3×3
             Flatten(), Linear(inFeatures: 32 * 3 * 3, outFeatures: 256), ReLU(), Dropout(p: 0.5),
             Linear(inFeatures: 256, outFeatures: 256), ReLU(), Dropout(p: 0.5), Linear(inFeatures: 256, outFeatures: 10))
}

/// A VGG block: `convolutions` 3×3 convolutions with padding 1 (they keep the size) and ReLU,
/// then a 2×2 max pool that halves it.
func vggBlock(_ convolutions: Int, _ inChannels: Int, _ outChannels: Int) -> Sequential {
  let block = Sequential()
  var channels = inChannels
  for _ in 0..<convolutions {
    block.append(Conv2d(channels, outChannels, kernelSize: 3, padding: 1))
    block.append(ReLU())
    channels = outChannels
  }
  block.append(MaxPool2d(kernelSize: 2, stride: 2))
  return block
}

/// VGG with three blocks (28 → 14 → 7 → 3) of 16, 32 and 48 channels, and a dense head;
/// about 2.7 M multiply-adds per image.
func vggNet() -> Sequential {
  Sequential(vggBlock(1, 1, 16), vggBlock(1, 16, 32), vggBlock(2, 32, 48), Flatten(),
             Linear(inFeatures: 48 * 3 * 3, outFeatures: 256), ReLU(), Dropout(p: 0.5),
             Linear(inFeatures: 256, outFeatures: 256), ReLU(), Dropout(p: 0.5), Linear(inFeatures: 256, outFeatures: 10))
}

/// A NiN block: a convolution followed by two 1×1 convolutions, each with ReLU: a small MLP
/// applied at every pixel.
func ninBlock(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int, padding: Int) -> Sequential {
  Sequential(Conv2d(inChannels, outChannels, kernelSize: Size2(kernelSize), stride: Size2(stride), padding: Size2(padding)), ReLU(),
             Conv2d(outChannels, outChannels, kernelSize: 1), ReLU(), Conv2d(outChannels, outChannels, kernelSize: 1), ReLU())
}

/// Network in network: no dense layers at all. The last block has one channel per class, and
/// global average pooling turns each channel into that class's score. About 3 M multiply-adds.
func ninNet() -> Sequential {
  Sequential(ninBlock(1, 16, kernelSize: 5, stride: 1, padding: 2), MaxPool2d(kernelSize: 3, stride: 2),   // 13×13
             ninBlock(16, 32, kernelSize: 3, stride: 1, padding: 1), MaxPool2d(kernelSize: 3, stride: 2),   // 6×6
             ninBlock(32, 64, kernelSize: 3, stride: 1, padding: 1), Dropout(p: 0.5),
             ninBlock(64, 10, kernelSize: 3, stride: 1, padding: 1), AdaptiveAvgPool2d(outputSize: 1), Flatten())
}

/// GoogLeNet's inception block: four parallel paths over the same input, concatenated along
/// the channel axis: a 1×1 convolution; 1×1 then 3×3; 1×1 then 5×5; 3×3 max pool then 1×1.
/// The 1×1 convolutions in front of the large kernels cut the channels they must read.
final class Inception: Module {
  let path1: Sequential, path2: Sequential, path3: Sequential, path4: Sequential

  init(_ inChannels: Int, _ c1: Int, _ c2: (Int, Int), _ c3: (Int, Int), _ c4: Int) {
    path1 = Sequential(Conv2d(inChannels, c1, kernelSize: 1), ReLU())
    path2 = Sequential(Conv2d(inChannels, c2.0, kernelSize: 1), ReLU(), Conv2d(c2.0, c2.1, kernelSize: 3, padding: 1), ReLU())
    path3 = Sequential(Conv2d(inChannels, c3.0, kernelSize: 1), ReLU(), Conv2d(c3.0, c3.1, kernelSize: 5, padding: 2), ReLU())
    path4 = Sequential(MaxPool2d(kernelSize: 3, stride: 1, padding: 1), Conv2d(inChannels, c4, kernelSize: 1), ReLU())
  }

  override func forward(_ x: Tensor) -> Tensor {
    Tensor.cat([path1(x), path2(x), path3(x), path4(x)], axis: 1)
  }
}

/// A small GoogLeNet: a stem convolution, two inception blocks at 14×14, two at 7×7, global
/// average pooling and one dense layer; the textbook's channel proportions at about a quarter
/// of the width (about 3 M multiply-adds per image).
func googLeNet() -> Sequential {
  Sequential(Conv2d(1, 16, kernelSize: 3, padding: 1), ReLU(), MaxPool2d(kernelSize: 3, stride: 2, padding: 1),   // 14×14
             Inception(16, 8, (12, 16), (2, 4), 4), Inception(32, 16, (16, 24), (4, 12), 12),                   // 32, 64 ch
             MaxPool2d(kernelSize: 3, stride: 2, padding: 1),                                                      // 7×7
             Inception(64, 24, (12, 26), (2, 6), 8), Inception(64, 32, (20, 40), (4, 12), 12),                  // 64, 96 ch
             AdaptiveAvgPool2d(outputSize: 1), Flatten(), Linear(inFeatures: 96, outFeatures: 10))
}

extension ModelChoice {
  /// The network, initialised as the textbook's training function does.
  func make() -> Sequential {
    let net: Sequential
    switch self {
    case .lenet: net = leNet()
    case .lenetReLU: net = leNetReLU()
    case .alexnet: net = alexNet()
    case .vgg: net = vggNet()
    case .nin: net = ninNet()
    case .googlenet: net = googLeNet()
    }
    xavierInit(net)
    return net
  }

  /// Epochs when `--epochs` is not given. The ReLU LeNet gets 20: after 10 its test accuracy
  /// is still rising (0.882–0.895 over seeds 0–3, in PyTorch too); after 20 it is 0.896–0.904.
  var defaultEpochs: Int { self == .lenetReLU ? 20 : Defaults.epochs }

  /// The textbook's parameter count for its full-size version, and its test accuracy (d2l v1.0).
  var textbook: (parameters: String, accuracy: String) {
    switch self {
    case .lenet: ("61,706", "0.728 (v1.0, lr 0.1) / 0.789 (classic, lr 0.9)")
    case .lenetReLU: ("61,706", "—")
    case .alexnet: ("46.8 M (224×224 input)", "0.830")
    case .vgg: ("narrow VGG-11, 224×224", "0.896")
    case .nin: ("224×224 input", "0.865")
    case .googlenet: ("96×96 input", "0.802")
    }
  }
}
