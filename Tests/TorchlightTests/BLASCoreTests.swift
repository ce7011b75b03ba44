import COpenBLAS
import Foundation
import Testing
@testable import Torchlight

/// Recorded CPUID/XGETBV flag sets, as `tl_cpu_features_read` returns them on real machines.
enum RecordedCPU {
  /// Intel Xeon, family 6 model 207 (Emerald Rapids): AVX-512 with BF16, unknown to OpenBLAS 0.3.21.
  static let xeon207 = tl_cpu_features(x86: true, avx: true, avx2: true, fma: true, avx512f: true, avx512bw: true,
                                       avx512dq: true, avx512vl: true, avx512bf16: true, osYMM: true, osZMM: true)
  /// AMD EPYC Zen 4: AVX-512 with BF16 (OpenBLAS 0.3.21 runs it as Cooperlake).
  static let zen4 = xeon207
  /// An AVX2 + FMA CPU without AVX-512 (Haswell to Alder Lake, Zen 1-3).
  static let avx2Only = tl_cpu_features(x86: true, avx: true, avx2: true, fma: true, avx512f: false, avx512bw: false,
                                        avx512dq: false, avx512vl: false, avx512bf16: false, osYMM: true, osZMM: false)
  /// An AVX-512 CPU whose operating system does not save the ZMM state (XCR0 bits 5-7 clear).
  static let avx512OSDisabled = tl_cpu_features(x86: true, avx: true, avx2: true, fma: true, avx512f: true,
                                                avx512bw: true, avx512dq: true, avx512vl: true, avx512bf16: false,
                                                osYMM: true, osZMM: false)
  /// Skylake-SP: AVX-512 F/BW/DQ/VL without BF16.
  static let skylakeSP = tl_cpu_features(x86: true, avx: true, avx2: true, fma: true, avx512f: true, avx512bw: true,
                                         avx512dq: true, avx512vl: true, avx512bf16: false, osYMM: true, osZMM: true)
  /// A CPU with AVX but no AVX2 (Sandy/Ivy Bridge).
  static let avxOnly = tl_cpu_features(x86: true, avx: true, avx2: false, fma: false, avx512f: false, avx512bw: false,
                                       avx512dq: false, avx512vl: false, avx512bf16: false, osYMM: true, osZMM: false)
  /// Not x86 (an ARM machine): no flags at all.
  static let arm = tl_cpu_features()
}

@Suite("OpenBLAS core choice") struct BLASCoreTests {
  func better(_ core: String, _ cpu: tl_cpu_features) -> String? {
    tl_blas_better_core(core, cpu).map { String(cString: $0) }
  }

  func missing(_ core: String, _ cpu: tl_cpu_features) -> String? {
    tl_blas_missing_isa(core, cpu).map { String(cString: $0) }
  }

  @Test("a generic fallback on an AVX-512 CPU becomes SkylakeX")
  func fallbackOnAVX512() {
    #expect(better("Prescott", RecordedCPU.xeon207) == "SkylakeX")
    #expect(better("prescott", RecordedCPU.xeon207) == "SkylakeX")
    #expect(better("Core2", RecordedCPU.skylakeSP) == "SkylakeX")
    #expect(better("Nehalem", RecordedCPU.zen4) == "SkylakeX")
  }

  @Test("AVX2 without AVX-512, or with the OS not saving ZMM state, becomes Haswell")
  func fallbackOnAVX2() {
    #expect(better("Prescott", RecordedCPU.avx2Only) == "Haswell")
    #expect(better("Katmai", RecordedCPU.avx512OSDisabled) == "Haswell")
  }

  @Test("a core OpenBLAS recognised is kept, and so is everything off x86 or without AVX2")
  func keeps() {
    for core in ["SkylakeX", "Cooperlake", "Haswell", "Zen", "Sandybridge"] {
      #expect(better(core, RecordedCPU.xeon207) == nil)
    }
    #expect(better("Cooperlake", RecordedCPU.zen4) == nil)
    #expect(better("Prescott", RecordedCPU.avxOnly) == nil)
    #expect(better("Prescott", RecordedCPU.arm) == nil)
    #expect(better("ARMV8", RecordedCPU.arm) == nil)
  }

  @Test("a user's core names the instruction set this CPU lacks")
  func missingInstructionSets() {
    #expect(missing("SkylakeX", RecordedCPU.avx2Only) == "AVX-512")
    #expect(missing("SkylakeX", RecordedCPU.avx512OSDisabled) == "AVX-512")
    #expect(missing("Cooperlake", RecordedCPU.skylakeSP) == "AVX-512 BF16")
    #expect(missing("Haswell", RecordedCPU.avxOnly) == "AVX2")
    #expect(missing("Sandybridge", RecordedCPU.arm) == "AVX")
    #expect(missing("SkylakeX", RecordedCPU.xeon207) == nil)
    #expect(missing("Cooperlake", RecordedCPU.zen4) == nil)
    #expect(missing("Haswell", RecordedCPU.avx2Only) == nil)
    #expect(missing("Prescott", RecordedCPU.avx2Only) == nil)
  }

  @Test("this process runs the core the rule gives for this CPU")
  func thisMachine() {
    let cpu = tl_cpu_features_read()
    switch BLASCore.chosenBy {
    case .torchlight:
      #expect(BLASCore.name.caseInsensitiveCompare(better(BLASCore.openBLASChoice, cpu) ?? "") == .orderedSame)
    case .openBLAS:
      #expect(better(BLASCore.openBLASChoice, cpu) == nil)
      #expect(BLASCore.name == BLASCore.openBLASChoice)
    case .user:
      #expect(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil)
    }
    // The variable is set only while OpenBLAS loads, so child processes see the environment as it was.
    if BLASCore.chosenBy != .user { #expect(getenv("OPENBLAS_CORETYPE") == nil) }
    #expect(missing(BLASCore.name, cpu) == nil)
  }
}
