/// Resizes images to `size` or by `scaleFactor` (`nn.Upsample`); see `interpolate`.
public final class Upsample: Module {
  public let size: Size2?
  public let scaleFactor: Double?
  public let mode: InterpolationMode
  public let alignCorners: Bool

  public init(size: Size2? = nil, scaleFactor: Double? = nil, mode: InterpolationMode = .nearest, alignCorners: Bool = false) {
    precondition((size == nil) != (scaleFactor == nil), "Upsample: give exactly one of size and scaleFactor")
    self.size = size; self.scaleFactor = scaleFactor; self.mode = mode; self.alignCorners = alignCorners
  }

  public override func forward(_ x: Tensor) -> Tensor {
    interpolate(x, size: size, scaleFactor: scaleFactor, mode: mode, alignCorners: alignCorners)
  }
}

/// Pads images with zeros on each side (`nn.ZeroPad2d`): `ZeroPad2d(2)` on every side, or
/// `ZeroPad2d([left, right, top, bottom])`. Negative amounts crop.
public final class ZeroPad2d: Module {
  /// `[left, right, top, bottom]`.
  public let padding: [Int]

  public init(_ padding: Int) { self.padding = [padding, padding, padding, padding] }
  public init(_ padding: [Int]) {
    precondition(padding.count == 4, "ZeroPad2d: padding must be [left, right, top, bottom], got \(padding)")
    self.padding = padding
  }

  public override func forward(_ x: Tensor) -> Tensor { zeroPad2d(x, padding: padding) }
}
