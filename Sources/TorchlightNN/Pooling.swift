/// Pooling layers (`nn.MaxPool2d`, `nn.AvgPool2d`, …). They have no parameters; see the
/// functional forms (`maxPool2d`, `avgPool2d`, …) for the exact windows and output sizes.

/// Max pooling (`nn.MaxPool2d`); `stride` defaults to the kernel size.
/// `forwardWithIndices` also returns the indices `MaxUnpool2d` needs (`return_indices=True`).
public final class MaxPool2d: Module {
  public let kernelSize: Size2, stride: Size2, padding: Size2, dilation: Size2
  public let ceilMode: Bool

  public init(kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, dilation: Size2 = 1, ceilMode: Bool = false) {
    self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    self.dilation = dilation; self.ceilMode = ceilMode
  }

  public override func forward(_ x: Tensor) -> Tensor { forwardWithIndices(x).values }

  public func forwardWithIndices(_ x: Tensor) -> (values: Tensor, indices: Tensor) {
    maxPool2dWithIndices(x, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
  }
}

/// Puts pooled maxima back where they came from, zeros elsewhere (`nn.MaxUnpool2d`). Call it as
/// `unpool(x, indices: indices)`, optionally with the `outputSize` the pooling started from.
public final class MaxUnpool2d: Module {
  public let kernelSize: Size2, stride: Size2, padding: Size2

  public init(kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0) {
    self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
  }

  public override func forward(_ x: Tensor) -> Tensor {
    fatalError("MaxUnpool2d needs the indices from MaxPool2d.forwardWithIndices: call it as unpool(x, indices: indices)")
  }

  public func callAsFunction(_ x: Tensor, indices: Tensor, outputSize: Size2? = nil) -> Tensor {
    maxUnpool2d(x, indices: indices, kernelSize: kernelSize, stride: stride, padding: padding, outputSize: outputSize)
  }
}

/// Average pooling (`nn.AvgPool2d`); `stride` defaults to the kernel size.
public final class AvgPool2d: Module {
  public let kernelSize: Size2, stride: Size2, padding: Size2
  public let ceilMode: Bool, countIncludePad: Bool
  public let divisorOverride: Int?

  public init(kernelSize: Size2, stride: Size2? = nil, padding: Size2 = 0, ceilMode: Bool = false,
              countIncludePad: Bool = true, divisorOverride: Int? = nil) {
    self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    self.ceilMode = ceilMode; self.countIncludePad = countIncludePad; self.divisorOverride = divisorOverride
  }

  public override func forward(_ x: Tensor) -> Tensor {
    avgPool2d(x, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
              countIncludePad: countIncludePad, divisorOverride: divisorOverride)
  }
}

/// Average pooling to a fixed output size (`nn.AdaptiveAvgPool2d`); `outputSize: 1` is global
/// average pooling, as in NiN and GoogLeNet.
public final class AdaptiveAvgPool2d: Module {
  public let outputSize: Size2
  public init(outputSize: Size2) { self.outputSize = outputSize }
  public override func forward(_ x: Tensor) -> Tensor { adaptiveAvgPool2d(x, outputSize: outputSize) }
}

/// Max pooling to a fixed output size (`nn.AdaptiveMaxPool2d`).
public final class AdaptiveMaxPool2d: Module {
  public let outputSize: Size2
  public init(outputSize: Size2) { self.outputSize = outputSize }
  public override func forward(_ x: Tensor) -> Tensor { adaptiveMaxPool2d(x, outputSize: outputSize) }
  public func forwardWithIndices(_ x: Tensor) -> (values: Tensor, indices: Tensor) {
    adaptiveMaxPool2dWithIndices(x, outputSize: outputSize)
  }
}
