import Torchlight
import TorchlightNN
import TorchlightVision

/// 3×3 convolution, batch norm, ReLU: the unit every network of this chapter is built from.
func convUnit(_ inChannels: Int, _ outChannels: Int, dilation: Int = 1) -> Sequential {
  Sequential(Conv2d(inChannels, outChannels, kernelSize: 3, padding: Size2(dilation), dilation: Size2(dilation), bias: false),
             BatchNorm2d(outChannels), ReLU())
}

/// The anchors of one feature map of the detector: sizes and ratios as `multiboxPrior` takes them.
struct AnchorScale {
  let side: Int
  let sizes: [Double]
  let ratios: [Double]
  var perCell: Int { sizes.count + ratios.count - 1 }
}

/// A small single-shot detector for 64×64 canvases (d2l's TinySSD, cut to this data): a
/// backbone halves the canvas three times to an 8×8 feature map, two more stages make 4×4 and
/// 2×2 maps, and on each map a 3×3 convolution predicts, for every anchor of every cell, C + 1
/// class scores (background first) and 4 box offsets. Small items are found on the 8×8 map
/// (anchors of 0.24–0.36 of the canvas side), large ones on the 2×2 map (0.68–0.85): the test
/// boxes' √(w·h) runs from 0.21 to 0.47 of the side (10th to 90th percentile).
final class TinySSD: Module {
  static let scales = [AnchorScale(side: 8, sizes: [0.24, 0.36], ratios: [1, 2, 0.5]),
                       AnchorScale(side: 4, sizes: [0.44, 0.56], ratios: [1, 2, 0.5]),
                       AnchorScale(side: 2, sizes: [0.68, 0.85], ratios: [1, 2, 0.5])]
  let classes: Int
  let backbone: Sequential, down1: Sequential, down2: Sequential
  let classHeads: [Conv2d], boxHeads: [Conv2d]
  /// Every anchor `[A, 4]`, corners in 0…1 canvas coordinates, in the order the heads' outputs
  /// are flattened (static: a stored tensor would be taken for a parameter).
  static let anchors = Tensor.cat(scales.map { multiboxPrior(featureHeight: $0.side, featureWidth: $0.side, sizes: $0.sizes, ratios: $0.ratios) })

  init(classes: Int = 10, width: Int = 32) {
    self.classes = classes
    let w = width
    backbone = Sequential(convUnit(1, w / 2), MaxPool2d(kernelSize: 2),          // 64 → 32
                          convUnit(w / 2, w), MaxPool2d(kernelSize: 2),          // 32 → 16
                          convUnit(w, w), convUnit(w, 2 * w), MaxPool2d(kernelSize: 2),   // 16 → 8
                          convUnit(2 * w, 2 * w), convUnit(2 * w, 2 * w))
    down1 = Sequential(MaxPool2d(kernelSize: 2), convUnit(2 * w, 2 * w))          // 8 → 4
    down2 = Sequential(MaxPool2d(kernelSize: 2), convUnit(2 * w, 2 * w))          // 4 → 2
    classHeads = Self.scales.map { Conv2d(2 * w, $0.perCell * (classes + 1), kernelSize: 3, padding: 1) }
    boxHeads = Self.scales.map { Conv2d(2 * w, $0.perCell * 4, kernelSize: 3, padding: 1) }
  }

  /// A head's `[B, a·k, h, w]` output as `[B, h·w·a, k]`: cell by cell, the anchors of a cell
  /// together, as `multiboxPrior` lists them.
  private func flattened(_ y: Tensor, _ k: Int) -> Tensor {
    y.permuted(0, 2, 3, 1).reshaped([y.shape[0], -1, k])
  }

  /// Class scores `[B, A, C + 1]` and offsets `[B, A, 4]` for canvases `[B, 1, 64, 64]`.
  func predict(_ x: Tensor) -> (scores: Tensor, offsets: Tensor) {
    let f1 = backbone(x), f2 = down1(f1), f3 = down2(f2)
    let maps = [f1, f2, f3]
    let scores = Tensor.cat(zip(maps, classHeads).map { flattened($1($0), classes + 1) }, axis: 1)
    let offsets = Tensor.cat(zip(maps, boxHeads).map { flattened($1($0), 4) }, axis: 1)
    return (scores, offsets)
  }

  override func forward(_ x: Tensor) -> Tensor { predict(x).scores }
}
