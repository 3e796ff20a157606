/*
 * cpu_kern_avx512.c - the CPU kernels for AVX-512 (16 floats per vector, 32 registers):
 * forward 8 channels x 3 vectors (24 accumulators) or 4 x 6, weight gradient 4 x 6.
 * Built with -mavx512f -mavx512vl -mfma (CMakeLists.txt); only called after
 * __builtin_cpu_supports says so. The code is cpu_kern.inc.
 */
#if defined(__x86_64__) || defined(__i386__)
#define VW         16
#define KSUF       avx512
#define CAT_STR(x) "avx512"
#define NV8        3
#define NV4        6
#define NV3        7
#define DW_OCB     4
#define DW_TB      6
#include "gen/cpu/cpu_kern.inc"
#endif
