import TorchlightNN

/// DenseNet's unit: batch norm, ReLU, 3×3 convolution ("pre-activation"), making `growth` new
/// channels.
func denseConv(_ inChannels: Int, _ outChannels: Int) -> Sequential {
  Sequential(BatchNorm2d(inChannels), ReLU(), Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, bias: false))
}

/// A dense block: each layer sees the concatenation of the block's input and every earlier
/// layer's output, x_{l+1} = [x_l, f_l(x_l)], so the channels grow by `growth` per layer and
/// any layer reaches any earlier one (and its gradient) directly. Where ResNet adds, DenseNet
/// concatenates.
final class DenseBlock: Module {
  let layers: [Sequential]

  init(layers count: Int, inChannels: Int, growth: Int) {
    layers = (0..<count).map { denseConv(inChannels + $0 * growth, growth) }
  }

  var outChannels: Int { layers.last.map { ($0.layers[2] as! Conv2d).inChannels + ($0.layers[2] as! Conv2d).outChannels } ?? 0 }

  override func forward(_ x: Tensor) -> Tensor {
    layers.reduce(x) { x, layer in Tensor.cat([x, layer(x)], axis: 1) }
  }
}

/// A transition layer keeps the channel count in check between dense blocks: a 1×1
/// convolution (here halving the channels) and 2×2 average pooling (halving height and width).
func transition(_ inChannels: Int, _ outChannels: Int) -> Sequential {
  Sequential(BatchNorm2d(inChannels), ReLU(), Conv2d(inChannels, outChannels, kernelSize: 1, bias: false),
             AvgPool2d(kernelSize: 2, stride: 2))
}

/// The sizes of a DenseNet: a stem of `stem` channels, then dense blocks of `layersPerBlock`
/// layers each with growth rate `growth`, halved by a transition between blocks.
struct DenseNetShape {
  var stem: Int, growth: Int, layersPerBlock: [Int]

  /// The textbook's plan (blocks of four layers, transitions halving the channels) with growth
  /// 12 and a 24-channel stem. The textbook's 96×96 input allows four blocks; a 28×28 image
  /// pooled to 14×14 allows three (14 → 7 → 3).
  static let chapter = DenseNetShape(stem: 24, growth: 12, layersPerBlock: [4, 4, 4])
  static let quick = DenseNetShape(stem: 8, growth: 4, layersPerBlock: [2, 2])
}

/// DenseNet for 28×28 grey images: a 3×3 stem and 2×2 max pooling (the textbook's 7×7
/// stride-2 stem and 3×3 max pool, scaled to small images), dense blocks with transitions
/// between them, a final batch norm and ReLU, then (in `FeatureClassifier`) global average
/// pooling and a linear layer.
func denseNet(_ shape: DenseNetShape = .chapter, classes: Int = 10) -> FeatureClassifier {
  let body = Sequential(Conv2d(1, shape.stem, kernelSize: 3, padding: 1, bias: false), BatchNorm2d(shape.stem), ReLU(),
                        MaxPool2d(kernelSize: 2, stride: 2))
  var channels = shape.stem
  for (i, count) in shape.layersPerBlock.enumerated() {
    let block = DenseBlock(layers: count, inChannels: channels, growth: shape.growth)
    body.append(block)
    channels = block.outChannels
    if i < shape.layersPerBlock.count - 1 {
      body.append(transition(channels, channels / 2))
      channels /= 2
    }
  }
  body.append(BatchNorm2d(channels))
  body.append(ReLU())
  return FeatureClassifier(backbone: body, features: channels, classes: classes)
}
