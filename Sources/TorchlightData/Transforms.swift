import Foundation

/// A change applied to a batch of images `[N, C, H, W]` (torchvision's transforms, applied to a
/// whole batch at once; random ones still draw separately for every image).
public protocol Transform {
  func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor
}

/// Applies transforms one after another (`transforms.Compose`).
public struct Compose: Transform {
  public let transforms: [any Transform]
  public init(_ transforms: [any Transform]) { self.transforms = transforms }
  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    transforms.reduce(images) { $1($0, generator: generator) }
  }
}

/// Converts to float32 and multiplies by `scale` (bytes 0…255 with scale 1/255 give [0, 1]).
public struct ToFloat: Transform {
  public let scale: Double
  public init(scale: Double = 1.0 / 255) { self.scale = scale }
  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor { images.to(.float32) * scale }
}

/// (x − mean_c) / std_c for each channel c (`transforms.Normalize`).
public struct Normalize: Transform {
  public let mean: [Double], std: [Double]
  public init(mean: [Double], std: [Double]) {
    precondition(mean.count == std.count && std.allSatisfy { $0 > 0 }, "Normalize: need one positive std per mean")
    self.mean = mean; self.std = std
  }
  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    precondition(images.rank == 4 && images.shape[1] == mean.count,
                 "Normalize: expected images [N, \(mean.count), H, W], got \(images.shape)")
    let m = Tensor(mean).reshaped(1, -1, 1, 1).to(images.dtype), s = Tensor(std).reshaped(1, -1, 1, 1).to(images.dtype)
    return (images - m) / s
  }
}

/// Mirrors each image left–right with probability `p` (`RandomHorizontalFlip`).
public struct RandomHorizontalFlip: Transform {
  public let p: Double
  public init(p: Double = 0.5) { self.p = p }
  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    let (n, c, h, w) = shape4(images, "RandomHorizontalFlip")
    let flips = Tensor.bernoulli([n], p: p, generator: generator).toDoubles()
    var pixels = images.contiguous().float().toArray(Float.self)
    for i in 0..<n where flips[i] == 1 {
      for row in 0..<(c * h) {
        let start = (i * c * h + row) * w
        pixels[start..<(start + w)].reverse()
      }
    }
    return Tensor(pixels, shape: images.shape)
  }
}

/// Pads each image with `padding` zeros on every side, then cuts a random `size × size` window
/// from it (`RandomCrop(size, padding)`): small random shifts.
public struct RandomCrop: Transform {
  public let size: Int, padding: Int
  public init(size: Int, padding: Int = 0) { self.size = size; self.padding = padding }
  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    let (n, c, h, w) = shape4(images, "RandomCrop")
    let ph = h + 2 * padding, pw = w + 2 * padding
    precondition(size <= ph && size <= pw, "RandomCrop: crop \(size) is larger than the padded image \(ph)×\(pw)")
    let dy = Tensor.randint(0, ph - size + 1, [n], generator: generator).toArray(Int64.self)
    let dx = Tensor.randint(0, pw - size + 1, [n], generator: generator).toArray(Int64.self)
    let src = images.contiguous().float().toArray(Float.self)
    var out = [Float](repeating: 0, count: n * c * size * size)
    for i in 0..<n {
      for ch in 0..<c {
        for y in 0..<size {
          let sy = y + Int(dy[i]) - padding
          guard sy >= 0 && sy < h else { continue }
          for x in 0..<size {
            let sx = x + Int(dx[i]) - padding
            guard sx >= 0 && sx < w else { continue }
            out[((i * c + ch) * size + y) * size + x] = src[((i * c + ch) * h + sy) * w + sx]
          }
        }
      }
    }
    return Tensor(out, shape: [n, c, size, size])
  }
}

/// Resizes every image to `height × width` (`transforms.Resize`): nearest neighbour, or bilinear
/// with PyTorch's default pixel-centre alignment (`align_corners=False`).
public struct Resize: Transform {
  public enum Mode: Sendable { case nearest, bilinear }
  public let height: Int, width: Int, mode: Mode
  public init(height: Int, width: Int, mode: Mode = .bilinear) { self.height = height; self.width = width; self.mode = mode }
  public func callAsFunction(_ images: Tensor, generator: Generator) -> Tensor {
    let (n, c, h, w) = shape4(images, "Resize")
    precondition(height > 0 && width > 0, "Resize: size \(height)×\(width) must be positive")
    let src = pixels(images)
    var out = [Float](repeating: 0, count: n * c * height * width)
    let sy = Double(h) / Double(height), sx = Double(w) / Double(width)
    src.withUnsafeBufferPointer { source in
      out.withUnsafeMutableBufferPointer { target in
        for plane in 0..<(n * c) {
          let input = UnsafeBufferPointer(rebasing: source[(plane * h * w)..<((plane + 1) * h * w)])
          let output = UnsafeMutableBufferPointer(rebasing: target[(plane * height * width)..<((plane + 1) * height * width)])
          switch mode {
          case .nearest:
            for y in 0..<height {
              for x in 0..<width {
                output[y * width + x] = input[min(Int(Double(y) * sy), h - 1) * w + min(Int(Double(x) * sx), w - 1)]
              }
            }
          case .bilinear:
            resampleBilinear(input, width: w, window: PixelWindow(top: 0, left: 0, height: h, width: w),
                             into: output, outHeight: height, outWidth: width)
          }
        }
      }
    }
    return Tensor(out, shape: [n, c, height, width])
  }
}

func shape4(_ images: Tensor, _ op: String) -> (Int, Int, Int, Int) {
  guard images.rank == 4 else { fatalError("\(op): expected images [N, C, H, W], got shape \(images.shape)") }
  return (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
}
