import Foundation

/// Cuts a random window of random area and shape from each image and resizes it to
/// `height × width` (`transforms.RandomResizedCrop`, the standard ImageNet augmentation).
///
/// The window covers a fraction s ~ U(scale) of the image's area with aspect ratio r = w/h,
/// log r ~ U(log ratio): w = √(s·H·W·r), h = √(s·H·W/r), rounded. Up to ten such draws are
/// tried; the first that fits is placed uniformly at random. If none fits (a ratio far from the
/// image's own), the largest centred window whose aspect is clamped into `ratio` is used, as
/// torchvision does. The window is resized bilinearly (`align_corners=False`, no antialiasing).
public struct RandomResizedCrop: Transform {
  public let height: Int, width: Int
  public let scale: ClosedRange<Double>, ratio: ClosedRange<Double>

  /// torchvision's defaults: 8% to 100% of the area, aspect ratios 3:4 to 4:3.
  public init(height: Int, width: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
    precondition(height > 0 && width > 0, "RandomResizedCrop: output size \(height)×\(width) must be positive")
    precondition(scale.lowerBound > 0 && scale.upperBound.isFinite,
                 "RandomResizedCrop: scale \(scale) must be a range of positive area fractions")
    precondition(ratio.lowerBound > 0 && ratio.upperBound.isFinite,
                 "RandomResizedCrop: ratio \(ratio) must be a range of positive aspect ratios (width/height)")
    (self.height, self.width, self.scale, self.ratio) = (height, width, scale, ratio)
  }

  /// A square output `size × size`.
  public init(size: Int, scale: ClosedRange<Double> = 0.08...1, ratio: ClosedRange<Double> = (3.0 / 4)...(4.0 / 3)) {
    self.init(height: size, width: size, scale: scale, ratio: ratio)
  }

  /// The window cut from an `imageHeight × imageWidth` image (torchvision's `get_params`).
  func window(imageHeight h: Int, imageWidth w: Int, draws: UniformDraws) -> PixelWindow {
    let area = Double(h * w)
    let logRatio = Foundation.log(ratio.lowerBound)...Foundation.log(ratio.upperBound)
    for _ in 0..<10 {
      let target = area * draws.uniform(scale)
      let aspect = Foundation.exp(draws.uniform(logRatio))
      // Python's round: halves go to the even neighbour.
      let cw = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
      let ch = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
      if cw > 0 && cw <= w && ch > 0 && ch <= h {
        let top = draws.int(below: h - ch + 1), left = draws.int(below: w - cw + 1)
        return PixelWindow(top: top, left: left, height: ch, width: cw)
      }
    }
    // The fallback: a centred crop, as wide or as tall as the image, its aspect clamped into `ratio`.
    let imageRatio = Double(w) / Double(h)
    var cw = w, ch = h
    if imageRatio < ratio.lowerBound {
      ch = Int((Double(cw) / ratio.lowerBound).rounded(.toNearestOrEven))
    } else if imageRatio > ratio.upperBound {
      cw = Int((Double(ch) * ratio.upperBound).rounded(.toNearestOrEven))
    }
    return PixelWindow(top: (h - ch) / 2, left: (w - cw) / 2, height: ch, width: cw)
  }

  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    let (n, c, h, w) = shape4(images, "RandomResizedCrop")
    let draws = UniformDraws(generator)
    let src = pixels(images)
    var out = [Float](repeating: 0, count: n * c * height * width)
    src.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        for i in 0..<n {
          let crop = window(imageHeight: h, imageWidth: w, draws: draws)
          for plane in (i * c)..<((i + 1) * c) {
            resampleBilinear(UnsafeBufferPointer(rebasing: source[(plane * h * w)..<((plane + 1) * h * w)]), width: w, window: crop,
                             into: UnsafeMutableBufferPointer(rebasing: target[(plane * height * width)..<((plane + 1) * height * width)]),
                             outHeight: height, outWidth: width)
          }
        }
      }
    }
    return Tensor(out, shape: [n, c, height, width])
  }
}
