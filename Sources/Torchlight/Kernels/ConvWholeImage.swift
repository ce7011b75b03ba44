/// A kernel as large as the unpadded image gives one output pixel per image and channel, and the
/// unfolded column of image n is then image n itself, read as one row of c·h·w values. Each of
/// the three products over the whole batch is one matrix product, those of a dense layer:
///
///     Y = X·Wᵀ + b,    dX = dY·W,    dW = dYᵀ·X        (X: [n, c·h·w], W: [o, c·h·w], Y: [n, o])
///
/// DCGAN meets this twice: its generator's first layer, a transposed convolution from a 1 × 1
/// noise "image" to a 7 × 7 map, is the input gradient of such a convolution, and its
/// discriminator's last layer is one (a 7 × 7 kernel over a 7 × 7 map). The unfolding routes would
/// treat every image as a product of its own with a single column.
extension Conv {
  static func coversImage(_ g: ConvGeometry) -> Bool {
    g.groups == 1 && g.oh == 1 && g.ow == 1 && g.ph == 0 && g.pw == 0 && g.kh == g.h && g.kw == g.w
  }

  /// Y = X·Wᵀ + b.
  static func wholeImageForward<T: FloatElement>(x: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                                 out: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    if let bias {
      for i in 0..<g.n { (out + i * g.o).update(from: bias, count: g.o) }
    }
    gemm(false, true, m: g.n, n: g.o, k: g.k, x, lda: g.k, weight, ldb: g.k, beta: bias == nil ? 0 : 1, out, ldc: g.o)
  }

  /// dX = dY·W.
  static func wholeImageInputGradient<T: FloatElement>(gy: UnsafePointer<T>, weight: UnsafePointer<T>,
                                                       dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    gemm(false, false, m: g.n, n: g.k, k: g.o, gy, lda: g.o, weight, ldb: g.k, beta: 0, dx, ldc: g.k)
  }

  /// dW = dYᵀ·X.
  static func wholeImageWeightGradient<T: FloatElement>(x: UnsafePointer<T>, gy: UnsafePointer<T>,
                                                        dw: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
    gemm(true, false, m: g.o, n: g.k, k: g.n, gy, lda: g.o, x, ldb: g.k, beta: 0, dw, ldc: g.k)
  }
}
