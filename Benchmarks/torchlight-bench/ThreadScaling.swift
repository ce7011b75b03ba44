import COpenBLAS
import Torchlight

/// How much faster OpenBLAS's sgemm runs on `threads` threads than on one (n = 768, best of 5).
/// Every figure at two threads depends on it: where the CPUs the system reports are hardware
/// threads of one physical core (a virtual machine often cannot tell), they share one set of
/// floating-point units, and GEMM-bound work gains nothing from the second thread. The line
/// says so, so a reader does not blame the engine for it.
func benchThreadScaling(threads: Int) {
  let n = 768, flops = 2 * Double(n * n * n)
  let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
  var c = [Float](repeating: 0, count: n * n)
  func gflops(_ t: Int) -> Double {
    Threads.set(t)
    let seconds = bestTime(repeats: 5) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
    }
    return flops / seconds / 1e9
  }
  let one = gflops(1), many = gflops(threads)
  Threads.set(1)
  let speedup = many / one
  report("thread_scaling", ["threads": Double(threads), "sgemm_gflops_1": one, "sgemm_gflops_n": many, "speedup": speedup])
  if speedup < 1.3 {
    print("# note: sgemm runs only \(String(format: "%.2f", speedup))× faster on \(threads) threads than on one: these CPUs share "
          + "one core's floating-point units (hardware threads), so GEMM-bound work cannot scale with --threads on this machine")
  }
}
