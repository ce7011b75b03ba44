import Torchlight

/// The mean and covariance of a set of feature vectors: the Gaussian that the Fréchet distance
/// fits to each set of images. Computed in float64 whatever the features' dtype.
public struct GaussianStatistics: Sendable {
  /// μ, shape [d].
  public let mean: Tensor
  /// Σ, shape [d, d]: the unbiased sample covariance, 1/(N − 1) · Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ, as
  /// `numpy.cov(features, rowvar=False)` computes it.
  public let covariance: Tensor
  /// N, the number of vectors.
  public let count: Int

  /// The statistics of `features`, one row per example: shape [N, d] with N ≥ 2.
  public init(features: Tensor) {
    guard features.rank == 2 else {
      fatalError("GaussianStatistics: features must be a matrix [examples, dimensions], got shape \(features.shape)")
    }
    guard features.shape[0] >= 2 else {
      fatalError("GaussianStatistics: a covariance needs at least 2 feature vectors, got shape \(features.shape)")
    }
    let x = withNoGrad { features.detached().to(.float64) }
    let n = x.shape[0]
    let mu = x.mean(axis: 0)
    let centred = x - mu
    mean = mu
    covariance = centred.transposed().matmul(centred) / Double(n - 1)
    count = n
  }

  /// Statistics given directly (μ of shape [d], Σ of shape [d, d]).
  public init(mean: Tensor, covariance: Tensor, count: Int) {
    guard mean.rank == 1, covariance.shape == [mean.shape[0], mean.shape[0]] else {
      fatalError("GaussianStatistics: mean of shape \(mean.shape) does not fit covariance of shape \(covariance.shape)")
    }
    self.mean = mean.to(.float64)
    self.covariance = covariance.to(.float64)
    self.count = count
  }
}

/// The Fréchet distance between the Gaussians fitted to two sets of features (the 2-Wasserstein
/// distance between N(μ₁, Σ₁) and N(μ₂, Σ₂); on Inception features it is the FID):
///
///     d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½)
///
/// Σ₁Σ₂ is not symmetric, but its square root has the same trace as that of the symmetric
/// matrix Σ₁^½ Σ₂ Σ₁^½ (the two products are similar matrices), so both roots come from the
/// symmetric eigensolver: Σ^½ = Q·diag(√λ)·Qᵀ, and Tr(M^½) = Σ √λᵢ(M). Eigenvalues that rounding
/// made slightly negative count as 0.
public func frechetDistance(_ a: GaussianStatistics, _ b: GaussianStatistics) -> Double {
  guard a.mean.shape == b.mean.shape else {
    fatalError("frechetDistance: features of \(a.mean.shape[0]) and \(b.mean.shape[0]) dimensions cannot be compared")
  }
  return withNoGrad {
    let difference = a.mean - b.mean
    let meanTerm = (difference * difference).sum().item()
    let rootA = symmetricSquareRoot(a.covariance)
    let product = rootA.matmul(b.covariance).matmul(rootA)
    let traceOfRoot = eigh(symmetrised(product)).eigenvalues.toDoubles().reduce(0) { $0 + Swift.max($1, 0).squareRoot() }
    return meanTerm + trace(a.covariance) + trace(b.covariance) - 2 * traceOfRoot
  }
}

/// S^½ of a symmetric positive semi-definite matrix S, through its eigendecomposition.
func symmetricSquareRoot(_ s: Tensor) -> Tensor {
  let (values, vectors) = eigh(symmetrised(s))
  let roots = Tensor(values.toDoubles().map { Swift.max($0, 0).squareRoot() }, shape: values.shape, dtype: values.dtype)
  return (vectors * roots).matmul(vectors.transposed())          // Q·diag(√λ)·Qᵀ
}

/// (S + Sᵀ)/2: removes the asymmetry that rounding leaves in a product meant to be symmetric.
private func symmetrised(_ s: Tensor) -> Tensor { (s + s.transposed()) * 0.5 }

private func trace(_ s: Tensor) -> Double {
  let n = s.shape[0], values = s.contiguous().toDoubles()
  return (0..<n).reduce(0) { $0 + values[$1 * n + $1] }
}
