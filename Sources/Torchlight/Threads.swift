import COpenBLAS
import Dispatch

/// How many cores Torchlight's own kernels and OpenBLAS may use.
public enum Threads {
  nonisolated(unsafe) private static var current = Swift.max(1, Int(openblas_get_num_threads()))

  /// The number of threads in use.
  public static var count: Int { current }

  /// Sets the number of threads for OpenBLAS and for Torchlight's parallel kernels
  /// (`torch.set_num_threads`). With 1, every result is bit-for-bit reproducible.
  public static func set(_ n: Int) {
    precondition(n >= 1, "Threads.set: need at least one thread, got \(n)")
    current = n
    openblas_set_num_threads(Int32(n))
  }

  /// `body(start, end)` over contiguous slices covering 0..<n: one slice per thread when
  /// `parallel` (the caller judged the work large enough to pay for the threads), else one
  /// slice on this thread. Slices never split an index, so per-index results do not depend on
  /// the thread count.
  @inline(__always)
  static func splitRange(_ n: Int, parallel: Bool, _ body: (Int, Int) -> Void) {
    let chunks = parallel && n > 1 ? Swift.min(current, n) : 1
    if chunks <= 1 { body(0, n); return }
    parallelFor(chunks) { c in body(n * c / chunks, n * (c + 1) / chunks) }
  }

  /// Runs `body(chunk)` for chunks 0..<chunks, on up to `count` threads at once (one after the
  /// other when `count` is 1). Chunks must not write to the same memory.
  public static func parallelFor(_ chunks: Int, _ body: (Int) -> Void) {
    if chunks <= 1 || current == 1 {
      for c in 0..<chunks { body(c) }
    } else {
      withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { body($0) }
      }
    }
  }
}
