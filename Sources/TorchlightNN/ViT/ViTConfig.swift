/// The shape of a Vision Transformer: how the image is cut into patches, and how wide and deep
/// the encoder that reads them is.
///
/// ViT-Base is `ViTConfig(imageSize: 224, patchSize: 16, inChannels: 3, numClasses: 1000,
/// embedDim: 768, depth: 12, numHeads: 12, mlpDim: 3072)`; the textbook's (d2l §11.8) reads
/// 96×96 Fashion-MNIST in 16×16 patches with width 512, 2 blocks, 8 heads and MLP 2048.
public struct ViTConfig: Sendable, Equatable {
  /// Side of the (square) input image, in pixels.
  public var imageSize: Int
  /// Side P of each square patch; it must divide `imageSize`.
  public var patchSize: Int
  /// Colour channels of the input (1 for grey images).
  public var inChannels: Int
  /// Classes scored by the head.
  public var numClasses: Int
  /// Width E of every token (the residual stream).
  public var embedDim: Int
  /// Encoder blocks.
  public var depth: Int
  /// Attention heads per block; each gets E / heads features.
  public var numHeads: Int
  /// Hidden width of each block's MLP (commonly 4E).
  public var mlpDim: Int
  /// Dropout on the embeddings, the attention weights and each residual branch, in training mode.
  public var dropout: Double

  public init(imageSize: Int, patchSize: Int, inChannels: Int = 1, numClasses: Int, embedDim: Int, depth: Int,
              numHeads: Int, mlpDim: Int, dropout: Double = 0) {
    (self.imageSize, self.patchSize, self.inChannels, self.numClasses) = (imageSize, patchSize, inChannels, numClasses)
    (self.embedDim, self.depth, self.numHeads, self.mlpDim, self.dropout) = (embedDim, depth, numHeads, mlpDim, dropout)
  }

  /// Patches per image, N = (H/P)²: the length of the sequence before the class token.
  public var numPatches: Int { (imageSize / patchSize) * (imageSize / patchSize) }

  /// Stops with a message naming the bad field (a programmer error: chapters check user input first).
  func check() {
    guard imageSize > 0, patchSize > 0, inChannels > 0, numClasses > 0, embedDim > 0, depth > 0, numHeads > 0, mlpDim > 0 else {
      fatalError("VisionTransformer: every size must be positive, got \(self)")
    }
    guard imageSize % patchSize == 0 else {
      fatalError("VisionTransformer: patchSize \(patchSize) must divide imageSize \(imageSize)")
    }
    guard embedDim % numHeads == 0 else {
      fatalError("VisionTransformer: embedDim \(embedDim) must be divisible by numHeads \(numHeads)")
    }
    guard (0..<1).contains(dropout) else { fatalError("VisionTransformer: dropout must lie in [0, 1), got \(dropout)") }
  }
}
