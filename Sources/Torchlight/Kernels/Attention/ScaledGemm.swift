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
    if m == 0 || n == 0 { return }
    if k == 0 {
      if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
      return
    }
    if T.self == Float.self {
      cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                  UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Int32(lda),
                  UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                  UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
    } else {
      cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha,
                  UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Int32(lda),
                  UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Int32(ldb), beta,
                  UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
    }
  }
}

/// The transpose of a BLAS view: the same memory read the other way round.
@inline(__always)
func flipped(_ t: CBLAS_TRANSPOSE) -> CBLAS_TRANSPOSE { t == CblasNoTrans ? CblasTrans : CblasNoTrans }
