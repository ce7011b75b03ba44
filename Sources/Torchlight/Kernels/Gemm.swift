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
    if m == 0 || n == 0 { return }
    if k == 0 { if !accumulate { c.update(repeating: 0, count: m * n) }; return }
    let ldc = Int32(Swift.max(n, 1)), beta = accumulate ? 1.0 : 0.0
    if T.self == Float.self {
      cblas_sgemm(CblasRowMajor, la.0, lb.0, Int32(m), Int32(n), Int32(k), 1,
                  UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), la.1,
                  UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), lb.1, Float(beta),
                  UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
    } else {
      cblas_dgemm(CblasRowMajor, la.0, lb.0, Int32(m), Int32(n), Int32(k), 1,
                  UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), la.1,
                  UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), lb.1, beta,
                  UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc)
    }
  }
}
