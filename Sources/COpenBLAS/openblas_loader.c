// Loads OpenBLAS at run time instead of linking it, so that Torchlight can choose its core first.
//
// OpenBLAS built with DYNAMIC_ARCH (Debian's is) picks a kernel set ("core") for the CPU when it
// is loaded. A CPU newer than the library gets a generic SSE3 core (Prescott) that runs sgemm at a
// fifth of the speed of the AVX-512 one. The only public switch is OPENBLAS_CORETYPE, read once at
// load time. So on the first CBLAS call we load OpenBLAS with dlopen, ask which core it picked,
// and when that is a generic fallback on a CPU that runs AVX-512 or AVX2 we unload it and load it
// again with OPENBLAS_CORETYPE set (then unset, so child processes see the environment as it was).
// A core set by the user is kept, with a warning if this CPU cannot run it.
//
// Every CBLAS/LAPACK function Torchlight calls is defined below with the header's own signature and
// forwards to the loaded library. To call one more, add one FORWARD line.
#include "COpenBLAS.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const library_names[] = {"libopenblas.so.0", "libopenblas.so", 0};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *library;
static char openblas_core[32] = "Unknown", core_in_use[32] = "Unknown";
static tl_core_source core_source = TL_CORE_BY_OPENBLAS;

static void *open_library(void) {
  for (int i = 0; library_names[i]; i++) {
    void *h = dlopen(library_names[i], RTLD_NOW | RTLD_LOCAL);
    if (h) return h;
  }
  fprintf(stderr, "torchlight: cannot load OpenBLAS (%s); install it with `apt-get install "
          "libopenblas-dev`\n", dlerror());
  exit(1);
}

static void *symbol(const char *name) {
  void *p = dlsym(library, name);
  if (!p) {
    fprintf(stderr, "torchlight: the OpenBLAS library has no %s; install Debian's "
            "libopenblas-dev (0.3.21 or newer)\n", name);
    exit(1);
  }
  return p;
}

static void core_name(char out[32]) {
  char *(*name)(void) = (char *(*)(void))symbol("openblas_get_corename");
  snprintf(out, 32, "%s", name());
}

// OpenBLAS packs its operands into large buffers (one per thread), mapped but not touched until a
// product needs them. Its kernels prefetch a little past the part a product packs; where that
// lands on a page never touched, each prefetch costs a page walk, every time. Small products (a
// dense layer at batch 256, 256 × 256 × 784) ran at a third of their speed, 12 against 36 GFLOP/s
// on an AMD Zen core, until some larger product had touched the pages beyond. So, once per process,
// one 512 × 512 × 512 product on all of OpenBLAS's threads touches them first (about 20 ms).
static void warm_up(void) {
  enum { n = 512 };
  void (*sgemm)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint, blasint, blasint, float,
                const float *, blasint, const float *, blasint, float, float *, blasint) = symbol("cblas_sgemm");
  float *a = calloc(n * n, sizeof(float)), *b = calloc(n * n, sizeof(float)), *c = calloc(n * n, sizeof(float));
  if (a && b && c) sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
  free(a); free(b); free(c);
}

static void load(void) {
  tl_cpu_features cpu = tl_cpu_features_read();
  const char *user = getenv("OPENBLAS_CORETYPE");
  library = open_library();
  core_name(openblas_core);
  if (user && *user) {
    core_source = TL_CORE_BY_USER;
    const char *missing = tl_blas_missing_isa(user, cpu);
    if (missing)
      fprintf(stderr, "torchlight: warning: OPENBLAS_CORETYPE=%s needs %s, which this CPU or its "
              "operating system does not provide; OpenBLAS may stop with an illegal instruction\n",
              user, missing);
  } else {
    const char *better = tl_blas_better_core(openblas_core, cpu);
    if (better) {
      dlclose(library);
      setenv("OPENBLAS_CORETYPE", better, 1);
      library = open_library();
      unsetenv("OPENBLAS_CORETYPE");
      core_source = TL_CORE_BY_TORCHLIGHT;
    }
  }
  core_name(core_in_use);
  warm_up();
}

void tl_blas_load(void) { pthread_once(&once, load); }
const char *tl_blas_core(void) { tl_blas_load(); return core_in_use; }
const char *tl_blas_openblas_core(void) { tl_blas_load(); return openblas_core; }
tl_core_source tl_blas_core_source(void) { tl_blas_load(); return core_source; }

// FORWARD(return type, name, (parameters), (arguments)): defines `name` to load the library on
// first use, look `name` up once, and call it.
#define FORWARD(type, name, params, args)                                     \
  type name params {                                                          \
    static type (*target) params;                                             \
    type (*call) params = __atomic_load_n(&target, __ATOMIC_ACQUIRE);         \
    if (!call) {                                                              \
      tl_blas_load();                                                         \
      call = (type (*) params)symbol(#name);                                  \
      __atomic_store_n(&target, call, __ATOMIC_RELEASE);                      \
    }                                                                         \
    return call args;                                                         \
  }

#define C OPENBLAS_CONST
typedef enum CBLAS_ORDER Order;
typedef enum CBLAS_TRANSPOSE Trans;

FORWARD(void, openblas_set_num_threads, (int n), (n))
FORWARD(int, openblas_get_num_threads, (void), ())
FORWARD(char *, openblas_get_config, (void), ())
FORWARD(char *, openblas_get_corename, (void), ())
FORWARD(float, cblas_sdot, (C blasint n, C float *x, C blasint incx, C float *y, C blasint incy),
        (n, x, incx, y, incy))
FORWARD(double, cblas_ddot, (C blasint n, C double *x, C blasint incx, C double *y, C blasint incy),
        (n, x, incx, y, incy))
FORWARD(void, cblas_sgemm,
        (C Order o, C Trans ta, C Trans tb, C blasint m, C blasint n, C blasint k, C float alpha,
         C float *a, C blasint lda, C float *b, C blasint ldb, C float beta, float *c, C blasint ldc),
        (o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
FORWARD(void, cblas_dgemm,
        (C Order o, C Trans ta, C Trans tb, C blasint m, C blasint n, C blasint k, C double alpha,
         C double *a, C blasint lda, C double *b, C blasint ldb, C double beta, double *c, C blasint ldc),
        (o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
FORWARD(void, ssyevd_,
        (const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
         float *work, const int *lwork, int *iwork, const int *liwork, int *info),
        (jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info))
FORWARD(void, dsyevd_,
        (const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
         double *work, const int *lwork, int *iwork, const int *liwork, int *info),
        (jobz, uplo, n, a, lda, w, work, lwork, iwork, liwork, info))
