/*
 * cpu_kern_generic.c - the CPU kernels for any machine: 4-float vectors (SSE2 on x86-64,
 * NEON on Arm, scalar code elsewhere), forward 4 channels x 3 vectors, weight gradient
 * 4 x 2. The fallback when no better instruction set is present. The code is cpu_kern.inc.
 */
#define VW         4
#define KSUF       generic
#define CAT_STR(x) "generic"
#define NV8        0
#define NV4        3
#define NV3        3
#define DW_OCB     4
#define DW_TB      2
#include "gen/cpu/cpu_kern.inc"
