/// Cuts an image into P×P patches and maps each to a vector of `embedDim` features, the first
/// layer of a Vision Transformer:
///
///     [N, C, H, W] → [N, (H/P)·(W/P), E],   patchᵢ ↦ W·vec(patchᵢ) + b
///
/// One linear map per patch, with the same W for every patch, is exactly a convolution whose
/// kernel and stride are both P: the windows tile the image without overlap, and each output
/// position is one patch's embedding. The grid of (H/P)×(W/P) outputs is then read row by row
/// as a sequence of N = HW/P² tokens. Names as torchvision's ViT: `proj` (the convolution).
public final class PatchEmbedding: Module {
  public let imageSize: Int, patchSize: Int, inChannels: Int, embedDim: Int
  /// The convolution with kernel = stride = P: weight [E, C, P, P], bias [E].
  public let proj: Conv2d

  public init(imageSize: Int, patchSize: Int, inChannels: Int = 1, embedDim: Int, dtype: DType = Tensor.defaultDType,
              generator: Generator? = nil) {
    precondition(patchSize > 0 && imageSize % patchSize == 0,
                 "PatchEmbedding: the patch size \(patchSize) must divide the image size \(imageSize)")
    (self.imageSize, self.patchSize, self.inChannels, self.embedDim) = (imageSize, patchSize, inChannels, embedDim)
    proj = Conv2d(inChannels, embedDim, kernelSize: Size2(patchSize), stride: Size2(patchSize), dtype: dtype, generator: generator)
  }

  /// Patches along each side, H/P.
  public var gridSize: Int { imageSize / patchSize }
  /// Tokens per image, (H/P)².
  public var numPatches: Int { gridSize * gridSize }

  public override func namedChildren() -> [(String, Module)] { [("proj", proj)] }

  /// images [N, C, H, W] → patch embeddings [N, (H/P)², E], patches in row-major order.
  public override func forward(_ x: Tensor) -> Tensor {
    guard x.rank == 4, Array(x.shape.dropFirst()) == [inChannels, imageSize, imageSize] else {
      fatalError("PatchEmbedding(imageSize: \(imageSize), patchSize: \(patchSize)): expected images [N, \(inChannels), \(imageSize), \(imageSize)], got shape \(x.shape)")
    }
    // [N, E, H/P, W/P] → [N, E, (H/P)²] → [N, (H/P)², E]
    return proj(x).flattened(startAxis: 2).transposed(1, 2)
  }
}
