import COpenBLAS

/// Which of OpenBLAS's kernel sets ("cores") runs Torchlight's matrix products, and who chose it.
///
/// OpenBLAS picks a core for the CPU when it loads. On a CPU newer than the library it falls back
/// to a generic SSE3 core about five times slower than the AVX-512 one; Torchlight then loads it
/// again on `SkylakeX` (AVX-512) or `Haswell` (AVX2 + FMA), unless `OPENBLAS_CORETYPE` is set.
public enum BLASCore {
  /// Who decided the core: OpenBLAS by itself, Torchlight, or the user's `OPENBLAS_CORETYPE`.
  public enum Chooser: Sendable { case openBLAS, torchlight, user }

  /// The core OpenBLAS runs on, e.g. "SkylakeX".
  public static var name: String { String(cString: tl_blas_core()) }

  /// The core OpenBLAS picked by itself (the same as `name` unless Torchlight stepped in).
  public static var openBLASChoice: String { String(cString: tl_blas_openblas_core()) }

  public static var chosenBy: Chooser {
    switch tl_blas_core_source() {
    case TL_CORE_BY_TORCHLIGHT: .torchlight
    case TL_CORE_BY_USER: .user
    default: .openBLAS
    }
  }

  /// One line for logs: `OpenBLAS core SkylakeX (chosen by Torchlight; OpenBLAS alone picked Prescott)`.
  public static var summary: String {
    switch chosenBy {
    case .openBLAS: "OpenBLAS core \(name)"
    case .torchlight: "OpenBLAS core \(name) (chosen by Torchlight; OpenBLAS alone picked \(openBLASChoice))"
    case .user: "OpenBLAS core \(name) (set by OPENBLAS_CORETYPE)"
    }
  }
}
