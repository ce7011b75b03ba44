import Torchlight

/// A class-conditional discriminator by projection (Miyato & Koyama, 2018). A body φ turns the
/// image into features h, a head ψ gives the unconditional logit, and each class y has a learned
/// vector E[y] as long as the flattened features, whose inner product with them is added:
///
///     D(x, y) = ψ(φ(x)) + ⟨E[y], vec φ(x)⟩
///
/// The inner product is what the logit of a discriminator with a softmax over the classes reduces
/// to (the log-ratio of the class-conditional densities of real and generated data is linear in
/// the features), so the label costs one vector per class instead of input channels at full size.
public final class ProjectionDiscriminator: Module {
  public let body: Sequential, head: Sequential
  /// One row per class, `features` long: the E[y] of the formula.
  public let embedding: Embedding

  /// `features`: the number of values in one image's output of `body`.
  public init(body: Sequential, head: Sequential, classes: Int, features: Int, dtype: DType = Tensor.defaultDType,
              generator: Generator? = nil) {
    self.body = body
    self.head = head
    embedding = Embedding(numEmbeddings: classes, embeddingDim: features, dtype: dtype, generator: generator)
  }

  /// Images [N, …] and their labels [N] (int64) → one logit per image, [N, 1].
  public func callAsFunction(_ x: Tensor, labels: Tensor) -> Tensor {
    let h = body(x)
    let flat = h.reshaped([h.shape[0], -1])
    guard flat.shape[1] == embedding.embeddingDim else {
      fatalError("ProjectionDiscriminator: the body gives \(flat.shape[1]) features per image (\(h.shape)) but the class vectors have \(embedding.embeddingDim)")
    }
    guard labels.shape == [x.shape[0]] else {
      fatalError("ProjectionDiscriminator: expected one label per image, [\(x.shape[0])], got labels \(labels.shape) for images \(x.shape)")
    }
    return head(h) + (flat * embedding(labels)).sum(axis: 1, keepDims: true)
  }

  public override func forward(_ x: Tensor) -> Tensor {
    fatalError("ProjectionDiscriminator needs the labels: call discriminator(x, labels: y)")
  }
}

/// DCGAN's discriminator with a projection: its layers up to the last convolution are the body
/// (features 2·w × 7 × 7), the last convolution and the flattening the head.
public func dcganProjectionDiscriminator(width w: Int, classes: Int, normalization: DiscriminatorNorm,
                                         generator g: Generator) -> ProjectionDiscriminator {
  let layers = dcganDiscriminator(width: w, normalization: normalization, generator: g).layers
  return ProjectionDiscriminator(body: Sequential(Array(layers.dropLast(2))), head: Sequential(Array(layers.suffix(2))),
                                 classes: classes, features: 2 * w * 7 * 7, generator: g)
}

/// A conditional generator's input: the noise z [N, latent, 1, 1] with each label's one-hot vector
/// appended as `classes` more channels, [N, latent + classes, 1, 1] (Mirza & Osindero, 2014).
public func labelledNoise(_ z: Tensor, labels: Tensor, classes: Int) -> Tensor {
  guard z.rank == 4, labels.shape == [z.shape[0]] else {
    fatalError("labelledNoise: expected noise [N, latent, 1, 1] and labels [N], got \(z.shape) and \(labels.shape)")
  }
  let codes = oneHot(labels, numClasses: classes, dtype: z.dtype).reshaped([z.shape[0], classes, 1, 1])
  return Tensor.cat([z, codes.expanded([z.shape[0], classes, z.shape[2], z.shape[3]])], axis: 1)
}
