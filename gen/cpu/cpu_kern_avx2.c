/*
 * cpu_kern_avx2.c - the CPU kernels for AVX2 + FMA (8 floats per vector, 16 registers):
 * forward 4 channels x 3 vectors, weight gradient 4 x 2. Built with -mavx2 -mfma
 * (CMakeLists.txt); only called after __builtin_cpu_supports says so. The code is
 * cpu_kern.inc.
 */
#if defined(__x86_64__) || defined(__i386__)
#define VW         8
#define KSUF       avx2
#define CAT_STR(x) "avx2"
#define NV8        0
#define NV4        3
#define NV3        3
#define DW_OCB     4
#define DW_TB      2
#include "gen/cpu/cpu_kern.inc"
#endif
