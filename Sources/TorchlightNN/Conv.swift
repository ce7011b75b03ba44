/// Convolution layers (`nn.Conv1d`, `nn.Conv2d`, `nn.ConvTranspose2d`).
///
/// Weights start as PyTorch's do: `kaiming_uniform_(w, a: √5)`, which is uniform on
/// ±1/√fanIn with fanIn = (input channels per group) · (kernel area), and the bias uniform on
/// the same range.

/// Shared initialisation: a weight of `shape` and an optional bias of `channels`.
func convParameters(_ shape: [Int], bias: Bool, channels: Int, dtype: DType, generator: Generator?) -> (Tensor, Tensor?) {
  let weight = Tensor.zeros(shape, dtype: dtype)
  Init.kaimingUniform(weight, a: 5.0.squareRoot(), generator: generator)
  var b: Tensor? = nil
  if bias {
    let fanIn = Init.fans(of: weight).fanIn
    let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
    b = Tensor.uniform([channels], low: -bound, high: bound, dtype: dtype, generator: generator).requiringGrad()
  }
  return (weight.requiringGrad(), b)
}

/// 2-D convolution over images `[N, inChannels, H, W]` (`nn.Conv2d`). `weight` is
/// `[outChannels, inChannels/groups, kh, kw]`; see `conv2d` for the exact sum and output size.
public final class Conv2d: Module {
  public let weight: Tensor
  public let bias: Tensor?
  public let inChannels: Int, outChannels: Int
  public let kernelSize: Size2, stride: Size2, padding: Size2, dilation: Size2
  public let groups: Int

  public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Size2, stride: Size2 = 1, padding: Size2 = 0,
              dilation: Size2 = 1, groups: Int = 1, bias: Bool = true, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(inChannels > 0 && outChannels > 0 && groups > 0 && kernelSize.h > 0 && kernelSize.w > 0,
                 "Conv2d: channels \(inChannels) → \(outChannels), kernel \(kernelSize) and groups \(groups) must be positive")
    precondition(inChannels % groups == 0 && outChannels % groups == 0,
                 "Conv2d(\(inChannels), \(outChannels)): both channel counts must be divisible by groups = \(groups)")
    self.inChannels = inChannels; self.outChannels = outChannels
    self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.dilation = dilation
    self.groups = groups
    (weight, self.bias) = convParameters([outChannels, inChannels / groups, kernelSize.h, kernelSize.w], bias: bias,
                                         channels: outChannels, dtype: dtype, generator: generator)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard (x.rank == 4 || x.rank == 3), x.shape[x.rank - 3] == inChannels else {
      fatalError("Conv2d(\(inChannels), \(outChannels), kernelSize: \(kernelSize)): expected input [N, \(inChannels), H, W], got shape \(x.shape)")
    }
    return conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
}

/// 1-D convolution over sequences `[N, inChannels, L]` (`nn.Conv1d`); weight `[out, in/groups, k]`.
public final class Conv1d: Module {
  public let weight: Tensor
  public let bias: Tensor?
  public let inChannels: Int, outChannels: Int
  public let kernelSize: Int, stride: Int, padding: Int, dilation: Int, groups: Int

  public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
              dilation: Int = 1, groups: Int = 1, bias: Bool = true, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(inChannels > 0 && outChannels > 0 && groups > 0 && kernelSize > 0,
                 "Conv1d: channels \(inChannels) → \(outChannels), kernel \(kernelSize) and groups \(groups) must be positive")
    precondition(inChannels % groups == 0 && outChannels % groups == 0,
                 "Conv1d(\(inChannels), \(outChannels)): both channel counts must be divisible by groups = \(groups)")
    self.inChannels = inChannels; self.outChannels = outChannels
    self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.dilation = dilation
    self.groups = groups
    (weight, self.bias) = convParameters([outChannels, inChannels / groups, kernelSize], bias: bias,
                                         channels: outChannels, dtype: dtype, generator: generator)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard (x.rank == 3 || x.rank == 2), x.shape[x.rank - 2] == inChannels else {
      fatalError("Conv1d(\(inChannels), \(outChannels), kernelSize: \(kernelSize)): expected input [N, \(inChannels), L], got shape \(x.shape)")
    }
    return conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
}

/// 2-D transposed convolution (`nn.ConvTranspose2d`): maps `[N, inChannels, H, W]` to
/// `[N, outChannels, (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1, …]`, the shape a `Conv2d`
/// with the same settings would have taken as input. `weight` is `[inChannels, outChannels/groups, kh, kw]`.
public final class ConvTranspose2d: Module {
  public let weight: Tensor
  public let bias: Tensor?
  public let inChannels: Int, outChannels: Int
  public let kernelSize: Size2, stride: Size2, padding: Size2, outputPadding: Size2, dilation: Size2
  public let groups: Int

  public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Size2, stride: Size2 = 1, padding: Size2 = 0,
              outputPadding: Size2 = 0, groups: Int = 1, bias: Bool = true, dilation: Size2 = 1,
              dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(inChannels > 0 && outChannels > 0 && groups > 0 && kernelSize.h > 0 && kernelSize.w > 0,
                 "ConvTranspose2d: channels \(inChannels) → \(outChannels), kernel \(kernelSize) and groups \(groups) must be positive")
    precondition(inChannels % groups == 0 && outChannels % groups == 0,
                 "ConvTranspose2d(\(inChannels), \(outChannels)): both channel counts must be divisible by groups = \(groups)")
    self.inChannels = inChannels; self.outChannels = outChannels
    self.kernelSize = kernelSize; self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
    self.dilation = dilation; self.groups = groups
    (weight, self.bias) = convParameters([inChannels, outChannels / groups, kernelSize.h, kernelSize.w], bias: bias,
                                         channels: outChannels, dtype: dtype, generator: generator)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    guard (x.rank == 4 || x.rank == 3), x.shape[x.rank - 3] == inChannels else {
      fatalError("ConvTranspose2d(\(inChannels), \(outChannels), kernelSize: \(kernelSize)): expected input [N, \(inChannels), H, W], got shape \(x.shape)")
    }
    return convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                           groups: groups, dilation: dilation)
  }
}
