/// A small U-Net that maps a noisy 28 × 28 image x_t, the step t and (optionally) a class label
/// to an image-sized prediction: the noise ε (as DDPM and the diffusion chapter by default) or the
/// velocity v (the network is the same; the loss decides what it predicts).
///
///     28×28×1 → conv → 28×28×c ─────────────────────────────────────────┐ (skip)
///       ↓ stride-2 conv → 14×14×c → res ────────────────────────┐ (skip) │
///         ↓ stride-2 conv → 7×7×2c → res → attention → res      │        │
///           ⊕ skip → res → upsample → conv → 14×14×c ⊕ skip → res → upsample ⊕ skip → res → conv → ε or v
///
/// The last residual block works at full resolution: the noise to predict is a per-pixel pattern,
/// and without a block at 28 × 28 that knows the step, fine grain is left in flat regions.
///
/// The step enters through its sinusoidal embedding and a two-layer MLP; the label through a
/// learned embedding added to it. Label `classes` is "no label": training sometimes drops the
/// label to it, so one network learns both p(x) and p(x | y) (classifier-free guidance).
public final class DiffusionUNet: Module {
  public let channels: Int, classes: Int
  public let embeddingDim: Int
  public let timeMLP: Sequential
  public let labelEmbedding: Embedding?
  public let inputConv: Conv2d
  public let down1: Conv2d, block1: TimeResidualBlock
  public let down2: Conv2d, block2: TimeResidualBlock
  public let middleAttention: SelfAttention2d?, middleBlock: TimeResidualBlock
  public let upBlock2: TimeResidualBlock, up2Conv: Conv2d
  public let upBlock1: TimeResidualBlock, upBlock0: TimeResidualBlock
  public let outputNorm: GroupNorm, outputConv: Conv2d

  /// `channels` c at 28 and 14 pixels (2c at 7); `classes` = 0 for an unconditional model.
  public init(channels c: Int = 32, classes: Int = 10, attention: Bool = true, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    precondition(c >= 8 && c % 8 == 0, "DiffusionUNet: channels must be a positive multiple of 8, got \(c)")
    channels = c; self.classes = classes
    embeddingDim = 4 * c
    timeMLP = Sequential(Linear(inFeatures: c, outFeatures: embeddingDim, dtype: dtype, generator: generator), SiLU(),
                         Linear(inFeatures: embeddingDim, outFeatures: embeddingDim, dtype: dtype, generator: generator))
    labelEmbedding = classes > 0 ? Embedding(numEmbeddings: classes + 1, embeddingDim: embeddingDim, dtype: dtype, generator: generator) : nil
    let e = embeddingDim
    inputConv = Conv2d(1, c, kernelSize: 3, padding: 1, dtype: dtype, generator: generator)
    down1 = Conv2d(c, c, kernelSize: 3, stride: 2, padding: 1, dtype: dtype, generator: generator)
    block1 = TimeResidualBlock(c, c, embeddingDim: e, dtype: dtype, generator: generator)
    down2 = Conv2d(c, 2 * c, kernelSize: 3, stride: 2, padding: 1, dtype: dtype, generator: generator)
    block2 = TimeResidualBlock(2 * c, 2 * c, embeddingDim: e, dtype: dtype, generator: generator)
    middleAttention = attention ? SelfAttention2d(2 * c, dtype: dtype, generator: generator) : nil
    middleBlock = TimeResidualBlock(2 * c, 2 * c, embeddingDim: e, dtype: dtype, generator: generator)
    upBlock2 = TimeResidualBlock(4 * c, 2 * c, embeddingDim: e, dtype: dtype, generator: generator)
    up2Conv = Conv2d(2 * c, c, kernelSize: 3, padding: 1, dtype: dtype, generator: generator)
    upBlock1 = TimeResidualBlock(2 * c, c, embeddingDim: e, dtype: dtype, generator: generator)
    upBlock0 = TimeResidualBlock(2 * c, c, embeddingDim: e, dtype: dtype, generator: generator)
    outputNorm = GroupNorm(numGroups: 8, numChannels: c, dtype: dtype)
    outputConv = Conv2d(c, 1, kernelSize: 3, padding: 1, dtype: dtype, generator: generator)
  }

  /// The step and label embedding [N, 4c]: MLP(sinusoid(t)) + embedding(label).
  public func embed(steps: [Double], labels: Tensor?) -> Tensor {
    let time = timeMLP(timestepEmbedding(steps, dim: channels, dtype: inputConv.weight.dtype))
    guard let labelEmbedding, let labels else { return time }
    return time + labelEmbedding(labels)
  }

  /// The prediction (ε̂ or v̂) for images `x` [N, 1, 28, 28], steps t (one per image) and labels [N] (int64,
  /// `classes` meaning none; nil for an unconditional model).
  public func callAsFunction(_ x: Tensor, steps: [Double], labels: Tensor?) -> Tensor {
    precondition(x.rank == 4 && x.shape[1] == 1 && x.shape[2] % 4 == 0 && x.shape[3] % 4 == 0,
                 "DiffusionUNet: expected images [N, 1, H, W] with H and W divisible by 4, got \(x.shape)")
    let e = embed(steps: steps, labels: labels)
    let h0 = inputConv(x)                                        // [N, c, 28, 28]
    let h1 = block1(down1(h0), embedding: e)                     // [N, c, 14, 14]
    var h = block2(down2(h1), embedding: e)                      // [N, 2c, 7, 7]
    let h2 = h
    if let middleAttention { h = middleAttention(h) }
    h = middleBlock(h, embedding: e)
    h = upBlock2(Tensor.cat([h, h2], axis: 1), embedding: e)    // [N, 2c, 7, 7]
    h = up2Conv(interpolate(h, scaleFactor: 2))                 // [N, c, 14, 14]
    h = upBlock1(Tensor.cat([h, h1], axis: 1), embedding: e)    // [N, c, 14, 14]
    h = upBlock0(Tensor.cat([interpolate(h, scaleFactor: 2), h0], axis: 1), embedding: e) // [N, c, 28, 28]
    return outputConv(outputNorm.silu(h))
  }

  public override func forward(_ x: Tensor) -> Tensor {
    fatalError("DiffusionUNet needs steps and labels: call unet(x, steps: t, labels: y)")
  }
}
