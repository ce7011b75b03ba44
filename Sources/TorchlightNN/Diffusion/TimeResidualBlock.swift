/// The residual block of a diffusion U-Net: two 3×3 convolutions, each after GroupNorm and SiLU,
/// with the step's embedding projected to one shift per channel and added between them, so
/// every block knows how noisy its input is:
///
///     h = conv₁(SiLU(GN(x))) + W·SiLU(e)        e: the step (and label) embedding [N, E]
///     y = conv₂(SiLU(GN(h))) + skip(x)           skip: identity, or a 1×1 conv when C changes
public final class TimeResidualBlock: Module {
  public let norm1: GroupNorm, conv1: Conv2d
  public let embeddingProjection: Linear
  public let norm2: GroupNorm, conv2: Conv2d
  public let skip: Conv2d?

  public init(_ inChannels: Int, _ outChannels: Int, embeddingDim: Int, groups: Int = 8,
              dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    norm1 = GroupNorm(numGroups: min(groups, inChannels), numChannels: inChannels, dtype: dtype)
    conv1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, dtype: dtype, generator: generator)
    embeddingProjection = Linear(inFeatures: embeddingDim, outFeatures: outChannels, dtype: dtype, generator: generator)
    norm2 = GroupNorm(numGroups: min(groups, outChannels), numChannels: outChannels, dtype: dtype)
    conv2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, dtype: dtype, generator: generator)
    skip = inChannels == outChannels ? nil
      : Conv2d(inChannels, outChannels, kernelSize: 1, dtype: dtype, generator: generator)
  }

  /// `x` [N, C_in, H, W] and the embedding [N, E] → [N, C_out, H, W].
  public func callAsFunction(_ x: Tensor, embedding: Tensor) -> Tensor {
    let shift = embeddingProjection(silu(embedding))
    let h = conv1(norm1.silu(x)) + shift.reshaped([shift.shape[0], shift.shape[1], 1, 1])
    return conv2(norm2.silu(h)) + (skip.map { $0(x) } ?? x)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    fatalError("TimeResidualBlock needs the step embedding: call block(x, embedding: e)")
  }
}

/// Self-attention over the pixels of a feature map (one head), with a residual connection:
/// every position of [N, C, H, W] attends to every other, as DDPM does at 16 × 16.
public final class SelfAttention2d: Module {
  public let norm: GroupNorm
  public let attention: MultiheadAttention

  public init(_ channels: Int, heads: Int = 1, groups: Int = 8, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    norm = GroupNorm(numGroups: min(groups, channels), numChannels: channels, dtype: dtype)
    attention = MultiheadAttention(embedDim: channels, numHeads: heads, batchFirst: true, dtype: dtype, generator: generator)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let tokens = norm(x).reshaped([n, c, h * w]).transposed(1, 2)          // [N, HW, C]
    let attended = attention(tokens, tokens, tokens, needWeights: false).output
    return x + attended.transposed(1, 2).reshaped([n, c, h, w])
  }
}
