import COpenBLAS
import Torchlight

/// `Tensor.matmul` against calling `cblas_sgemm` directly on the same sizes: the ratio shows
/// what the tensor layer costs on top of BLAS (goal ≥ 0.95).
func benchMatmul(threads: Int) {
  for n in [128, 512, 1024] {
    let a = Tensor.randn([n, n], generator: Generator(seed: 1))
    let b = Tensor.randn([n, n], generator: Generator(seed: 2))
    let bt = b.t().contiguous().t()  // same values, column-major: BLAS reads it transposed
    let flops = 2 * Double(n * n * n)
    let repeats = n >= 1024 ? 5 : (n >= 512 ? 10 : 200)

    let pa = a.toArray(Float.self), pb = b.toArray(Float.self)
    var pc = [Float](repeating: 0, count: n * n)
    let direct = bestTime(repeats: repeats) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                  pa, Int32(n), pb, Int32(n), 0, &pc, Int32(n))
    }
    let ours = bestTime(repeats: repeats) { blackHole(a.matmul(b)) }
    let oursT = bestTime(repeats: repeats) { blackHole(a.matmul(bt)) }
    report("matmul", ["n": Double(n), "threads": Double(threads),
                      "gflops": flops / ours / 1e9, "blas_gflops": flops / direct / 1e9,
                      "ratio": direct / ours, "ratio_transposed_b": direct / oursT])
  }
}
