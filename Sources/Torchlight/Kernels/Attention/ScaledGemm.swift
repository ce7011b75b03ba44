import COpenBLAS

/// C = α·op(A)·op(B) + β·C through OpenBLAS, for the attention kernels: their products carry the
/// scale s of the scores (α = s) and accumulate the key and value gradients over blocks of
/// queries (β = 1). Row-major; each operand is a pointer, a leading dimension and a transpose flag.
enum ScaledGemm {
  @inline(__always)
  static func run<T: FloatElement>(_ ta: CBLAS_TRANSPOSE, _ a: UnsafePointer<T>, _ lda: Int,
                                   _ tb: CBLAS_TRANSPOSE, _ b: UnsafePointer<T>, _ ldb: Int,
                                   _ c: UnsafeMutablePointer<T>, _ ldc: Int,
                                   m: Int, n: Int, k: Int, alpha: Double, beta: Double) {
    Gemm.general(ta, tb, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
  }
}

/// The transpose of a BLAS view: the same memory read the other way round.
@inline(__always)
func flipped(_ t: CBLAS_TRANSPOSE) -> CBLAS_TRANSPOSE { t == CblasNoTrans ? CblasTrans : CblasNoTrans }
