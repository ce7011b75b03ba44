import COpenBLAS

/// The eigendecomposition of a symmetric matrix (`torch.linalg.eigh`), computed by LAPACK's
/// divide-and-conquer solver `ssyevd`/`dsyevd`, which OpenBLAS exports:
///
///     A = Q · diag(λ) · Qᵀ,   λ₁ ≤ λ₂ ≤ … ≤ λₙ,   QᵀQ = I
///
/// Only the lower triangle of `a` is read (PyTorch's default `UPLO='L'`), so a matrix that is
/// symmetric up to rounding gives the decomposition of its lower half mirrored. Returns the
/// eigenvalues in ascending order, shape [n], and the eigenvectors as the columns of an
/// [n, n] matrix, both of `a`'s dtype (float32 or float64).
///
/// Not differentiable here: it refuses an input that would record a graph (call it under
/// `withNoGrad { }` or on `detached()`). Uses: matrix square roots (the Fréchet distance between
/// two Gaussians), principal components, whitening.
public func eigh(_ a: Tensor) -> (eigenvalues: Tensor, eigenvectors: Tensor) {
  guard a.rank == 2, a.shape[0] == a.shape[1] else {
    fatalError("eigh: expects a square matrix, got shape \(a.shape)")
  }
  guard a.dtype == .float32 || a.dtype == .float64 else {
    fatalError("eigh: expects a float32 or float64 matrix, got \(a.dtype) with shape \(a.shape); convert with .to(.float64)")
  }
  if GradMode.isEnabled && a.requiresGrad {
    fatalError("eigh: not differentiable in Torchlight; call it inside withNoGrad { } or on a.detached() (shape \(a.shape))")
  }
  return a.dtype == .float32 ? symmetricEigen(a, Float.self) : symmetricEigen(a, Double.self)
}

private func symmetricEigen<T: FloatElement>(_ a: Tensor, _: T.Type) -> (eigenvalues: Tensor, eigenvectors: Tensor) {
  let n = a.shape[0]
  if n == 0 { return (Tensor.zeros([0], dtype: a.dtype), Tensor.zeros([0, 0], dtype: a.dtype)) }
  // LAPACK is column-major: the row-major transpose of A is A itself for a symmetric matrix, and
  // its lower triangle in column-major order is A's lower triangle read row by row as columns,
  // i.e. the upper triangle of the row-major copy. So ask for 'U' on the row-major copy.
  var matrix = a.contiguous().toArray(T.self)
  var values = [T](repeating: 0, count: n)
  var info: Int32 = 0
  var size = Int32(n)
  let (jobz, uplo) = (Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")))
  // A workspace query first (lwork = liwork = -1), then the solve.
  var workSize = [T](repeating: 0, count: 1), iworkSize = [Int32](repeating: 0, count: 1)
  var (query, iquery): (Int32, Int32) = (-1, -1)
  syevd(T.self, jobz, uplo, &size, &matrix, &values, &workSize, &query, &iworkSize, &iquery, &info)
  var lwork = Int32(Double(workSize[0]).rounded(.up)), liwork = iworkSize[0]
  var work = [T](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
  syevd(T.self, jobz, uplo, &size, &matrix, &values, &work, &lwork, &iwork, &liwork, &info)
  if info != 0 {
    fatalError("eigh: LAPACK's \(T.self == Float.self ? "ssyevd" : "dsyevd") failed (info = \(info)) on a \(n) × \(n) matrix"
               + (info > 0 ? ": the solver did not converge; does the matrix hold NaN or infinity?" : ""))
  }
  // The eigenvectors come back as the columns of a column-major matrix: row-major, that is Qᵀ.
  let qT = Tensor(matrix, shape: [n, n], dtype: T.dtype)
  return (Tensor(values, shape: [n], dtype: T.dtype), qT.transposed().contiguous())
}

/// Calls the float or double solver with the same arguments.
private func syevd<T: FloatElement>(_: T.Type, _ jobz: Int8, _ uplo: Int8, _ n: inout Int32, _ a: inout [T], _ w: inout [T],
                                    _ work: inout [T], _ lwork: inout Int32, _ iwork: inout [Int32], _ liwork: inout Int32,
                                    _ info: inout Int32) {
  var (jobz, uplo) = (jobz, uplo)
  var lda = max(n, 1)
  a.withUnsafeMutableBytes { a in
    w.withUnsafeMutableBytes { w in
      work.withUnsafeMutableBytes { work in
        if T.self == Float.self {
          ssyevd_(&jobz, &uplo, &n, a.baseAddress!.assumingMemoryBound(to: Float.self), &lda,
                  w.baseAddress!.assumingMemoryBound(to: Float.self), work.baseAddress!.assumingMemoryBound(to: Float.self),
                  &lwork, &iwork, &liwork, &info)
        } else {
          dsyevd_(&jobz, &uplo, &n, a.baseAddress!.assumingMemoryBound(to: Double.self), &lda,
                  w.baseAddress!.assumingMemoryBound(to: Double.self), work.baseAddress!.assumingMemoryBound(to: Double.self),
                  &lwork, &iwork, &liwork, &info)
        }
      }
    }
  }
}
