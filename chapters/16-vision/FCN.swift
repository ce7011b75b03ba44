import Torchlight
import TorchlightNN

/// A fully convolutional network for the canvases (d2l §14.11, with the skips of the FCN paper):
/// a small CNN backbone halves the canvas three times (64 → 32 → 16 → 8), and after each stage a
/// 1×1 convolution turns its features into one score per class (background + 10) and cell. The
/// coarsest scores, which have seen a whole item and know *what* it is, are upsampled ×2 by a
/// transposed convolution and added to the next finer scores, which know better *where* its
/// edges are; and so on up to the canvas's own 64×64. Every transposed convolution starts as
/// bilinear upsampling (`Init.bilinear`) and is trained with the rest. Every layer is a
/// convolution, so each output pixel gets C + 1 class scores, for any side divisible by 8.
final class FCN: Module {
  let stage64: Sequential, stage32: Sequential, stage16: Sequential, stage8: Sequential
  /// 1×1 convolutions to class scores, finest first.
  let scores: [Conv2d]
  /// ×2 transposed convolutions: 8 → 16, 16 → 32, 32 → 64.
  let ups: [ConvTranspose2d]

  init(classes: Int = 11, width: Int = 32) {
    let w = width
    stage64 = convUnit(1, w / 2)                                                      // 64×64
    stage32 = Sequential(MaxPool2d(kernelSize: 2), convUnit(w / 2, w))                // 32×32
    stage16 = Sequential(MaxPool2d(kernelSize: 2), convUnit(w, w), convUnit(w, w))    // 16×16
    stage8 = Sequential(MaxPool2d(kernelSize: 2), convUnit(w, 2 * w),                 // 8×8
                        convUnit(2 * w, 2 * w), convUnit(2 * w, 2 * w, dilation: 2))
    scores = [w / 2, w, w, 2 * w].map { Conv2d($0, classes, kernelSize: 1) }
    ups = (0..<3).map { _ in ConvTranspose2d(classes, classes, kernelSize: 4, stride: 2, padding: 1, bias: false) }
    for up in ups { Init.bilinear(up.weight) }
  }

  /// Per-pixel class scores `[B, C + 1, H, W]` for images `[B, 1, H, W]`.
  override func forward(_ x: Tensor) -> Tensor {
    let f64 = stage64(x), f32 = stage32(f64), f16 = stage16(f32), f8 = stage8(f16)
    let s16 = ups[0](scores[3](f8)) + scores[2](f16)
    let s32 = ups[1](s16) + scores[1](f32)
    return ups[2](s32) + scores[0](f64)
  }
}
