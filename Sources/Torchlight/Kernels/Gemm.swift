import COpenBLAS

/// Matrix products through OpenBLAS. A matrix view reaches BLAS as a pointer, a leading dimension
/// and a transpose flag, so both row-major and transposed (column-major) views go in without a
/// copy; only a view with no unit stride is first made contiguous.
enum Gemm {
  /// How BLAS can read a `rows × cols` view with strides `(rowStride, colStride)`, or nil.
  static func blasLayout(rows: Int, cols: Int, rowStride: Int, colStride: Int) -> (CBLAS_TRANSPOSE, Int32)? {
    if colStride == 1 || cols == 1 {
      let ld = rows == 1 ? Swift.max(cols, 1) : rowStride
      if ld >= Swift.max(cols, 1) { return (CblasNoTrans, Int32(ld)) }
    }
    if rowStride == 1 || rows == 1 {
      let ld = cols == 1 ? Swift.max(rows, 1) : colStride
      if ld >= Swift.max(rows, 1) { return (CblasTrans, Int32(ld)) }
    }
    return nil
  }

  /// c = a·b for one pair of matrices given by base pointers and strides; c is contiguous `m × n`.
  /// With `accumulate`, c += a·b instead (BLAS's β = 1): c must hold values already.
  static func gemm<T: FloatElement>(
    _ a: UnsafePointer<T>, _ la: (CBLAS_TRANSPOSE, Int32),
    _ b: UnsafePointer<T>, _ lb: (CBLAS_TRANSPOSE, Int32),
    _ c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int, accumulate: Bool = false
  ) {
    general(la.0, lb.0, m: m, n: n, k: k, a, lda: Int(la.1), b, ldb: Int(lb.1),
            beta: accumulate ? 1 : 0, c, ldc: Swift.max(n, 1))
  }

  /// C = α·op(A)·op(B) + β·C for row-major matrices, each given by a pointer and a leading
  /// dimension: the one place the kernels call OpenBLAS's `sgemm`/`dgemm`. With k = 0 the product
  /// is empty: C becomes 0 for β = 0 and is left as it is otherwise (the kernels use β = 0 or 1).
  @inline(__always)
  static func general<T: FloatElement>(_ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE, m: Int, n: Int, k: Int, alpha: Double = 1,
                                       _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
                                       beta: Double, _ c: UnsafeMutablePointer<T>, ldc: Int) {
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

/// C = op(A)·op(B) + β·C on row-major matrices, the transposes given as flags: the form the
/// convolution and recurrent kernels call (`Gemm.general`).
@inline(__always)
func gemm<T: FloatElement>(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
                           _ a: UnsafePointer<T>, lda: Int, _ b: UnsafePointer<T>, ldb: Int,
                           beta: T, _ c: UnsafeMutablePointer<T>, ldc: Int) {
  Gemm.general(transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m: m, n: n, k: k,
               a, lda: lda, b, ldb: ldb, beta: Double(beta), c, ldc: ldc)
}
