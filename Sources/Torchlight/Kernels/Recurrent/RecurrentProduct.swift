import Foundation
import TorchlightAVX512

/// The product with W_hh that every time step makes, C (+)= A·B with B fixed for the whole
/// sequence: B = W_hhᵀ forward (h·W_hhᵀ) and B = W_hh backward (∂a·W_hh); also the input
/// projection X·W_ihᵀ of all steps at once.
///
/// For float32 on a CPU with AVX-512, B is packed once (`PackedGemm`) and each step only
/// streams through it, which on a 32 × 256 · 256 × 1024 step is about a quarter faster than
/// OpenBLAS, which repacks B on every call. Otherwise (float64, other CPUs, or
/// `TORCHLIGHT_NO_AVX512=1` to compare) each step is one OpenBLAS GEMM.
struct RecurrentProduct<T: FloatElement> {
  let b: UnsafePointer<T>
  let transposed: Bool          // B is W_hhᵀ, read from W_hh [n, k]
  let k: Int, n: Int
  let packed: UnsafeMutablePointer<Float>?

  /// B is `weight` [k, n] itself, or, when `transposed`, the transpose of `weight` [n, k].
  init(_ weight: UnsafePointer<T>, k: Int, n: Int, transposed: Bool) {
    b = weight; self.k = k; self.n = n; self.transposed = transposed
    guard T.self == Float.self, CPUFeatures.avx512 else { packed = nil; return }
    let p = UnsafeMutablePointer<Float>.allocate(capacity: PackedGemm.packedCount(k: k, n: n))
    let w = UnsafeRawPointer(weight).assumingMemoryBound(to: Float.self)
    PackedGemm.pack(w, k: k, n: n, rowStride: transposed ? 1 : n, columnStride: transposed ? k : 1, into: p)
    packed = p
  }

  func deallocate() { packed?.deallocate() }

  /// C[m, n] = A[m, k]·B, or C += A·B when `accumulate`.
  func apply(_ a: UnsafePointer<T>, lda: Int, m: Int, _ c: UnsafeMutablePointer<T>, ldc: Int, accumulate: Bool) {
    guard let packed else {
      gemm(false, transposed, m: m, n: n, k: k, a, lda: lda, b, ldb: transposed ? k : n,
           beta: accumulate ? 1 : 0, c, ldc: ldc)
      return
    }
    nonisolated(unsafe) let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
    nonisolated(unsafe) let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
    nonisolated(unsafe) let p = UnsafePointer(packed)
    let (k, n) = (self.k, self.n)
    let panels = (n + PackedGemm.panelWidth - 1) / PackedGemm.panelWidth
    Threads.splitRange(panels, parallel: m * n * k >= 1 << 20) { p0, p1 in
      PackedGemm.multiply(a, lda: lda, packed: p, k: k, n: n, panels: p0..<p1, c, ldc: ldc, m: m, accumulate: accumulate)
    }
  }
}

/// What the CPU can run, read once.
enum CPUFeatures {
  /// AVX-512 (F, CD, BW, DQ, VL: what `-target-cpu skylake-avx512` may use), enabled by the OS,
  /// and the AVX-512 module built for it. `TORCHLIGHT_NO_AVX512=1` turns it off.
  static let avx512: Bool = {
    guard PackedGemm.isCompiled, ProcessInfo.processInfo.environment["TORCHLIGHT_NO_AVX512"] == nil else { return false }
    #if os(Linux)
    // The kernel lists only the features it has enabled (saving the AVX-512 registers included).
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let have = Set(flags.split(separator: " ").map(String.init))
    return ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(have.contains)
    #else
    return false
    #endif
  }()
}
