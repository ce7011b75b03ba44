/// A Vision Transformer (Dosovitskiy et al., 2021): an image read as a sentence of patches.
///
///     z⁰ = [x_cls; x¹_p W; …; xᴺ_p W] + E_pos     N = HW/P² patch embeddings after a class token,
///                                                 plus one learned vector per position: [N+1, E]
///     zˡ = Blockˡ(zˡ⁻¹),  l = 1…L                 pre-norm encoder blocks (self-attention, MLP with GELU)
///     y  = head(LN(zᴸ₀))                          the class token's final state scores the classes
///
/// The class token is a learned vector with no pixels of its own: every block lets it attend to
/// all patches, so after the last block it summarises the image. Without the position
/// embeddings self-attention would treat the patches as an unordered set.
///
/// The blocks are `TransformerEncoderLayer(normFirst: true, activation: .gelu)`, as in PyTorch's
/// `nn.TransformerEncoderLayer(norm_first=True, activation="gelu")`. Names follow timm's ViT:
/// `cls_token`, `pos_embed`, `patch_embed.proj`, `blocks.0…`, `norm`, `head`. The class token
/// starts at 0 and the position embeddings N(0, 0.02²); the head starts at 0, so the first
/// prediction is uniform (torchvision and timm both do this).
public final class VisionTransformer: Module {
  public let config: ViTConfig
  public let patchEmbed: PatchEmbedding
  /// The class token x_cls [E].
  public let clsToken: Tensor
  /// One learned vector per position, the class token's first: [N + 1, E].
  public let posEmbed: Tensor
  public let posDrop: Dropout
  public let blocks: [TransformerEncoderLayer]
  public let norm: LayerNorm
  public let head: Linear

  public init(_ config: ViTConfig, dtype: DType = Tensor.defaultDType, generator: Generator? = nil) {
    config.check()
    self.config = config
    let e = config.embedDim
    patchEmbed = PatchEmbedding(imageSize: config.imageSize, patchSize: config.patchSize, inChannels: config.inChannels,
                                embedDim: e, dtype: dtype, generator: generator)
    clsToken = Tensor.zeros([e], dtype: dtype).requiringGrad()
    posEmbed = Init.normal(Tensor.zeros([config.numPatches + 1, e], dtype: dtype), std: 0.02, generator: generator).requiringGrad()
    posDrop = Dropout(p: config.dropout, generator: generator)
    blocks = (0..<config.depth).map { _ in
      TransformerEncoderLayer(dModel: e, nhead: config.numHeads, dimFeedforward: config.mlpDim, dropout: config.dropout,
                              activation: .gelu, layerNormEps: 1e-6, batchFirst: true, normFirst: true, dtype: dtype,
                              generator: generator)
    }
    norm = LayerNorm(e, eps: 1e-6, dtype: dtype)
    head = Linear(inFeatures: e, outFeatures: config.numClasses, dtype: dtype, generator: generator)
    super.init()
    withNoGrad {
      Init.zeros(head.weight)
      if let b = head.bias { Init.zeros(b) }
    }
  }

  public override func namedLocalParameters() -> [(String, Tensor)] { [("cls_token", clsToken), ("pos_embed", posEmbed)] }

  public override func namedChildren() -> [(String, Module)] {
    [("patch_embed", patchEmbed), ("pos_drop", posDrop)] + blocks.enumerated().map { ("blocks.\($0)", $1 as Module) }
      + [("norm", norm), ("head", head)]
  }

  /// Parameters that weight decay should shrink: the matrices of the layers (patch projection,
  /// attention, MLP, head), not biases, LayerNorm's γ and β, the class token or the position
  /// embeddings (as timm's ViT recipe).
  public func weightDecayGroups() -> (decay: [Tensor], noDecay: [Tensor]) {
    let all = namedParameters().filter { $0.1.requiresGrad }
    let isDecayed = { (name: String, t: Tensor) in t.rank >= 2 && name != "pos_embed" }
    return (all.filter(isDecayed).map(\.1), all.filter { !isDecayed($0.0, $0.1) }.map(\.1))
  }

  /// The input of the first block: class token and patch embeddings plus positions, [B, N + 1, E].
  public func embed(_ images: Tensor) -> Tensor {
    let patches = patchEmbed(images)                                     // [B, N, E]
    let b = patches.shape[0], e = config.embedDim
    let cls = clsToken.reshaped(1, 1, e).expanded(b, 1, e)               // the same token for every image
    return posDrop(Tensor.cat([cls, patches], axis: 1) + posEmbed)      // [B, N + 1, E] + [N + 1, E]
  }

  /// Class scores [B, numClasses] for images [B, C, H, W].
  public override func forward(_ images: Tensor) -> Tensor {
    var z = embed(images)
    for block in blocks { z = block.forward(z) }
    return head(norm(z).select(axis: 1, index: 0))                     // the class token's state
  }

  /// The attention weights of the last block's class-token query over the patches, per head:
  /// [B, numHeads, N] (each row sums to 1 minus the weight the token gives itself). Computed in
  /// evaluation mode without a graph, for figures.
  public func classTokenAttention(_ images: Tensor) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return withNoGrad {
      var z = embed(images)
      for block in blocks.dropLast() { z = block.forward(z) }
      let last = blocks[blocks.count - 1], x = last.norm1(z)
      let weights = last.selfAttn(x, x, x, needWeights: true, averageAttnWeights: false).weights!   // [B, H, N+1, N+1]
      return weights.select(axis: 2, index: 0).narrow(axis: 2, start: 1, length: config.numPatches)
    }
  }
}
