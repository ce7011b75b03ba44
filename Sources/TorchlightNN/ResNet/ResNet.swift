/// A residual block: two 3×3 convolutions with batch norm, whose output is *added* to the
/// block's input, y = ReLU(F(x) + x). If F is not needed the block can learn F ≈ 0 and pass x
/// through, and the gradient reaches x through the `+ x` unchanged (∂y/∂x = ∂F/∂x + I).
///
/// When the block changes the shape (more channels, or stride 2) x no longer fits F(x), so the
/// shortcut becomes a 1×1 convolution with the same stride (a *projection*): y = ReLU(F(x) + Wx).
public final class Residual: Module {
  public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
  public let shortcut: Conv2d?, shortcutBN: BatchNorm2d?

  public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, projection: Bool? = nil) {
    conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, stride: Size2(stride), padding: 1, bias: false)
    bn1 = BatchNorm2d(outChannels)
    conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, bias: false)
    bn2 = BatchNorm2d(outChannels)
    let project = projection ?? (stride != 1 || inChannels != outChannels)
    precondition(project || (stride == 1 && inChannels == outChannels),
                 "Residual(\(inChannels), \(outChannels), stride: \(stride)): an identity shortcut needs the same shape; use a projection")
    shortcut = project ? Conv2d(inChannels, outChannels, kernelSize: 1, stride: Size2(stride), bias: false) : nil
    shortcutBN = project ? BatchNorm2d(outChannels) : nil
  }

  public override func forward(_ x: Tensor) -> Tensor {
    let f = bn2(conv2(bn1(conv1(x)).relu()))
    let skip = shortcut.map { shortcutBN!($0(x)) } ?? x
    return (f + skip).relu()
  }
}

/// The widths and depth of a ResNet: `stages[i]` residual blocks of `widths[i + 1]` channels
/// after a stem of `widths[0]` channels. ResNet-18 is widths 64-64-128-256-512, 2 blocks a stage.
public struct ResNetShape: Sendable {
  public var widths: [Int]
  public var blocksPerStage: Int

  public init(widths: [Int], blocksPerStage: Int) {
    precondition(widths.count == 5 && widths.allSatisfy { $0 > 0 } && blocksPerStage > 0,
                 "ResNetShape: five positive widths (stem and four stages) and at least one block a stage, got \(widths), \(blocksPerStage)")
    (self.widths, self.blocksPerStage) = (widths, blocksPerStage)
  }

  /// ResNet-18's plan at an eighth of its width, for 28×28 inputs: 8-8-16-32-64. (A quarter,
  /// 16-…-128, costs 2.4× as much: about 6 minutes an epoch on one core.)
  public static let chapter = ResNetShape(widths: [8, 8, 16, 32, 64], blocksPerStage: 2)
  /// A tiny one for `--quick`: the same four stages, one block each, 4-8 channels.
  public static let quick = ResNetShape(widths: [4, 4, 8, 8, 8], blocksPerStage: 1)
}

/// A network made of a convolutional *backbone* that ends in feature maps A of shape
/// [N, K, h, w], global average pooling, and one linear *head*: the shape that class
/// activation maps need (ResNet and DenseNet both have it).
public final class FeatureClassifier: Module {
  public let backbone: Sequential
  public var head: Linear

  public init(backbone: Sequential, features: Int, classes: Int) {
    self.backbone = backbone
    head = Linear(inFeatures: features, outFeatures: classes)
  }

  /// Scores from feature maps: the spatial mean of each map, then the linear layer.
  public func scores(fromFeatures a: Tensor) -> Tensor { head(a.mean(axes: [2, 3])) }

  public override func forward(_ x: Tensor) -> Tensor { scores(fromFeatures: backbone(x)) }
}

/// ResNet-18's structure for 28×28 grey images: a 3×3 stem (no 7×7 stride-2 convolution and no
/// max pool: the images are small already), four stages of residual blocks, the first keeping
/// the size and each later one halving it with a stride-2 projection block (28 → 14 → 7 → 4),
/// then global average pooling and a linear layer.
public func resNet(_ shape: ResNetShape = .chapter, classes: Int = 10) -> FeatureClassifier {
  let w = shape.widths
  let body = Sequential(Conv2d(1, w[0], kernelSize: 3, padding: 1, bias: false), BatchNorm2d(w[0]), ReLU())
  for stage in 0..<4 {
    let stageBlocks = Sequential()
    for b in 0..<shape.blocksPerStage {
      let inC = b == 0 ? w[stage] : w[stage + 1]
      stageBlocks.append(Residual(inC, w[stage + 1], stride: b == 0 && stage > 0 ? 2 : 1))
    }
    body.append(stageBlocks)
  }
  return FeatureClassifier(backbone: body, features: w[4], classes: classes)
}
