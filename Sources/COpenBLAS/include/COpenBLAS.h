// OpenBLAS for Torchlight: the standard CBLAS declarations, served by a loader that picks the
// fastest OpenBLAS core this CPU can run (see openblas_loader.c and docs/blas-cores.md).
#ifndef TORCHLIGHT_COPENBLAS_H
#define TORCHLIGHT_COPENBLAS_H

#include <cblas.h>
#include <stdbool.h>

/// What the CPU and the operating system let a program run: the instruction sets that decide
/// which of OpenBLAS's kernels ("cores") can work here. `osYMM`/`osZMM` say whether the OS saves
/// the AVX (YMM) and AVX-512 (opmask, ZMM) register state, read from XCR0 with XGETBV.
typedef struct {
  bool x86;
  bool avx, avx2, fma;
  bool avx512f, avx512bw, avx512dq, avx512vl, avx512bf16;
  bool osYMM, osZMM;
} tl_cpu_features;

/// The features of the CPU this process runs on (all false off x86-64).
tl_cpu_features tl_cpu_features_read(void);

/// The core Torchlight asks OpenBLAS for when it picked `openblasCore` by itself: "SkylakeX" when
/// OpenBLAS fell back to a generic pre-AVX core but AVX-512 (F, BW, DQ, VL) runs here, else
/// "Haswell" when AVX2 and FMA do; NULL to keep OpenBLAS's own choice. Pure: no I/O.
const char *tl_blas_better_core(const char *openblasCore, tl_cpu_features f);

/// The instruction set a named OpenBLAS core needs that this CPU (or its OS) lacks, such as
/// "AVX-512" for "SkylakeX"; NULL when the core can run here or is not known. Pure.
const char *tl_blas_missing_isa(const char *core, tl_cpu_features f);

/// Who chose the core OpenBLAS runs: itself, Torchlight, or the user's OPENBLAS_CORETYPE.
typedef enum { TL_CORE_BY_OPENBLAS = 0, TL_CORE_BY_TORCHLIGHT = 1, TL_CORE_BY_USER = 2 } tl_core_source;

/// Loads OpenBLAS if it is not loaded yet (every CBLAS call does this on first use).
void tl_blas_load(void);
/// The core OpenBLAS runs on, e.g. "SkylakeX".
const char *tl_blas_core(void);
/// The core OpenBLAS picked by itself before Torchlight stepped in (equal to tl_blas_core() unless
/// the source is TL_CORE_BY_TORCHLIGHT).
const char *tl_blas_openblas_core(void);
tl_core_source tl_blas_core_source(void);

/// LAPACK's symmetric eigensolvers (divide and conquer), which OpenBLAS exports.
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

#endif
