// Which OpenBLAS core this CPU can run: read the CPUID and XGETBV bits, then decide with pure
// functions that the tests feed recorded flag sets.
#include "COpenBLAS.h"
#include <strings.h>

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return ((unsigned long long)edx << 32) | eax;
}

tl_cpu_features tl_cpu_features_read(void) {
  tl_cpu_features f = {0};
  unsigned int a, b, c, d;
  f.x86 = true;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  f.fma = (c >> 12) & 1;
  bool osxsave = (c >> 27) & 1;
  f.avx = (c >> 28) & 1;
  if (osxsave) {
    unsigned long long xcr0 = read_xcr0();
    f.osYMM = (xcr0 & 0x6) == 0x6;    // SSE and AVX state
    f.osZMM = (xcr0 & 0xe6) == 0xe6;  // plus opmask, ZMM0-15 upper halves, ZMM16-31
  }
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = (b >> 5) & 1;
    f.avx512f = (b >> 16) & 1;
    f.avx512dq = (b >> 17) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
  }
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512bf16 = (a >> 5) & 1;
  return f;
}
#else
tl_cpu_features tl_cpu_features_read(void) {
  tl_cpu_features f = {0};
  return f;
}
#endif

static bool runs_avx2(tl_cpu_features f) { return f.x86 && f.avx && f.avx2 && f.fma && f.osYMM; }
static bool runs_avx512(tl_cpu_features f) {
  return runs_avx2(f) && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.osZMM;
}

/// OpenBLAS's x86 cores that use no AVX at all: what it falls back to for a CPU it does not know.
static const char *const generic_cores[] = {
  "Unknown", "Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn",
  "Dunnington", "Nehalem", "Athlon", "Opteron", "Opteron_SSE3", "Barcelona", "Nano", "Bobcat", 0};

const char *tl_blas_better_core(const char *openblasCore, tl_cpu_features f) {
  if (!openblasCore || !f.x86) return 0;
  bool generic = false;
  for (int i = 0; generic_cores[i]; i++) generic |= strcasecmp(openblasCore, generic_cores[i]) == 0;
  if (!generic) return 0;
  if (runs_avx512(f)) return "SkylakeX";
  if (runs_avx2(f)) return "Haswell";
  return 0;
}

const char *tl_blas_missing_isa(const char *core, tl_cpu_features f) {
  if (!core) return 0;
  if (strcasecmp(core, "Cooperlake") == 0)
    return !runs_avx512(f) ? "AVX-512" : f.avx512bf16 ? 0 : "AVX-512 BF16";
  static const char *const avx512[] = {"SkylakeX", 0};
  static const char *const avx2[] = {"Haswell", "Zen", "Excavator", "Steamroller", 0};
  static const char *const avx[] = {"Sandybridge", "Bulldozer", "Piledriver", 0};
  for (int i = 0; avx512[i]; i++)
    if (strcasecmp(core, avx512[i]) == 0) return runs_avx512(f) ? 0 : "AVX-512";
  for (int i = 0; avx2[i]; i++)
    if (strcasecmp(core, avx2[i]) == 0) return runs_avx2(f) ? 0 : "AVX2";
  for (int i = 0; avx[i]; i++)
    if (strcasecmp(core, avx[i]) == 0) return (f.x86 && f.avx && f.osYMM) ? 0 : "AVX";
  return 0;
}
