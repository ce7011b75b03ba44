import Foundation

/// Blanks out a random rectangle of each image with probability `p` (`transforms.RandomErasing`,
/// Zhong et al. 2017): the network must recognise an item from its remaining parts.
///
/// The rectangle covers a fraction s ~ U(scale) of the area with aspect ratio r = h/w,
/// log r ~ U(log ratio): h = √(s·H·W·r), w = √(s·H·W/r), rounded; up to ten draws are tried
/// for one strictly smaller than the image, placed uniformly. If none fits the image is left
/// as it is (torchvision's rule). The rectangle is filled with `value`, or with standard normal
/// noise (`value="random"`).
public struct RandomErasing: Transform {
  /// What the erased pixels become.
  public enum Fill: Sendable, Equatable {
    /// One value for every channel.
    case constant(Double)
    /// Independent N(0, 1) noise per pixel and channel.
    case random
  }

  public let p: Double
  public let scale: ClosedRange<Double>, ratio: ClosedRange<Double>
  public let value: Fill

  /// torchvision's defaults: half the images, 2% to 33% of the area, aspect ratios 0.3 to 3.3, zeros.
  public init(p: Double = 0.5, scale: ClosedRange<Double> = 0.02...0.33, ratio: ClosedRange<Double> = 0.3...3.3,
              value: Fill = .constant(0)) {
    precondition((0...1).contains(p), "RandomErasing: p must lie in [0, 1], got \(p)")
    precondition(scale.lowerBound >= 0 && scale.upperBound <= 1, "RandomErasing: scale \(scale) must lie within 0...1 (fractions of the area)")
    precondition(ratio.lowerBound > 0 && ratio.upperBound.isFinite,
                 "RandomErasing: ratio \(ratio) must be a range of positive aspect ratios (height/width)")
    (self.p, self.scale, self.ratio, self.value) = (p, scale, ratio, value)
  }

  /// The rectangle to erase in an `imageHeight × imageWidth` image, or nil when ten draws
  /// found none that fits (torchvision's `get_params`).
  func window(imageHeight h: Int, imageWidth w: Int, draws: UniformDraws) -> PixelWindow? {
    let area = Double(h * w)
    let logRatio = Foundation.log(ratio.lowerBound)...Foundation.log(ratio.upperBound)
    for _ in 0..<10 {
      let target = area * draws.uniform(scale)
      let aspect = Foundation.exp(draws.uniform(logRatio))
      let eh = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
      let ew = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
      guard eh < h && ew < w else { continue }
      let top = draws.int(below: h - eh + 1), left = draws.int(below: w - ew + 1)
      return PixelWindow(top: top, left: left, height: eh, width: ew)
    }
    return nil
  }

  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    let (n, c, h, w) = shape4(images, "RandomErasing")
    let draws = UniformDraws(generator)
    var x = pixels(images)
    for i in 0..<n where draws.next() < p {
      guard let box = window(imageHeight: h, imageWidth: w, draws: draws), box.area > 0 else { continue }
      // The new pixels, channel by channel and row by row.
      let fill: [Float] = switch value {
      case .constant(let v): [Float](repeating: Float(v), count: c * box.area)
      case .random: Tensor.randn([c * box.area], dtype: .float32, generator: generator).toArray(Float.self)
      }
      var k = 0
      for ch in 0..<c {
        for y in box.top..<(box.top + box.height) {
          for column in box.left..<(box.left + box.width) {
            x[((i * c + ch) * h + y) * w + column] = fill[k]
            k += 1
          }
        }
      }
    }
    return Tensor(x, shape: images.shape)
  }
}
