/*
 * cpu_kern.h - the CPU backend's SIMD kernels, compiled once per instruction set
 * (cpu_kern_avx512.c, cpu_kern_avx2.c, cpu_kern_generic.c from the one template
 * cpu_kern.inc) and picked at run time by cpu_kern_select().
 *
 * The convolution works on a "wide" layout: the input, padded by the conv's pad mode and,
 * for stride 2, split into its four polyphase planes, is stored as planes of hq x wq floats
 * (`ps` floats apart), and output pixel (y, x) is flat index j = y * wq + x. Then every tap
 * (input channel, ky, kx) is a constant offset into the padded input, toff[t], and
 *     out[o][j] = sum_t w[o][t] * in[toff[t] + j]
 * is one loop for every kernel size, stride and pad mode. Flat indices with x >= ow are
 * computed and thrown away (2 to 5 % of the work for the generator's layers).
 * Not here: padding, weight packing, scheduling (cpu_conv.c).
 */
#ifndef CPU_KERN_H
#define CPU_KERN_H

#include <stddef.h>

/* One image of a convolution in the wide layout (forward, or the data gradient run as a
 * forward convolution over the output gradient). */
typedef struct cpu_conv_args {
    const float *in;  /* padded input planes */
    const float *wpk; /* packed weights: [ocp / ocb][taps][ocb] */
    const int *toff;  /* taps offsets into `in` */
    int taps;
    int ocb;           /* output channels per block: the kernel's ocb8, 4, or 3 (RGB) */
    int oc, ocp;       /* output channels stored, and rounded up to ocb */
    int oh, ow, wq;    /* output rows and columns stored; flat row pitch */
    float *out;        /* (oc, oh, ow) */
    const float *bias; /* (oc) or NULL */
    size_t ostride;    /* floats between output planes; 0: oh * ow */
} cpu_conv_args;

/* Weight gradient: dw[o][t] += sum_j dout[o][j] * in[toff[t] + j] over a j range. */
typedef struct cpu_dw_args {
    const float *dout; /* (ocp, dstride): output gradient in the wide layout, 0 where x >= ow */
    size_t dstride;
    const float *in;
    const int *toff; /* tapsp entries (padding taps point at offset 0) */
    int ocp, tapsp;  /* multiples of dw_ocb and dw_tb */
} cpu_dw_args;

typedef struct cpu_kern {
    const char *isa; /* "avx512", "avx2", "generic" */
    int vw;          /* floats per vector */
    int ocb8;        /* 8 when the forward has an 8-channel kernel, else 0 */
    int block8;      /* flat pixels per forward block of the 8-channel kernel */
    int block4;      /* flat pixels per forward block of the 4-channel kernel */
    int block3;      /* ... and of the 3-channel one (the generator's RGB output layer) */
    int dw_ocb, dw_tb;
    /* Forward blocks [jb0, jb1) of block8, block4 or block3 pixels (a->ocb), all channel
     * blocks. */
    void (*conv_fwd)(const cpu_conv_args *a, int jb0, int jb1);
    /* Weight gradient of output channel block ob (dw_ocb channels), tap blocks [tb0, tb1)
     * (dw_tb taps each), over flat pixels [j0, j1) (multiples of vw): acc[o * tapsp + t] +=
     * one float sum per lane and tile, added in double. */
    void (*conv_dw)(const cpu_dw_args *a, int ob, int tb0, int tb1, int j0, int j1, double *acc);
    /* GEN_OP_FMA_PEAK (GEN_FMA_PEAK_CHAINS == 16) over out[i0 .. i1), i1 - i0 a multiple of vw. */
    void (*fma_peak)(float *out, size_t i0, size_t i1, int rounds);
    /* Instance norm of one plane: mean and sum of squared deviations (in double) ... */
    void (*plane_stats)(const float *x, int n, double *mean, double *m2);
    /* ... and y = act((x - mean) * a + b), act 0 relu, 1 leaky relu (alpha), -1 none. */
    void (*norm_apply)(const float *x, float *y, int n, float mean, float a, float b, int act,
                       float alpha);
    /* sum of a[i] * b[i] (float within chunks of 256, double across) */
    double (*dot)(const float *a, const float *b, int n);
    /* y[i] += alpha * x[i] */
    void (*axpy)(float *y, const float *x, int n, float alpha);
    /* y = tanh(x) (tanh_ 1) or the logistic sigmoid (0), n floats; x and y may be the same */
    void (*act_smooth)(const float *x, float *y, size_t n, int tanh_);
    /* dst[i] = src[2 i] (a stride-2 polyphase row); dst[i] = src[i >> 1] (a row upsampled
     * 2x by nearest); i < n */
    void (*take2)(float *restrict dst, const float *restrict src, int n);
    void (*dup2)(float *restrict dst, const float *restrict src, int n);
    /* dst[2 i] = a[i], dst[2 i + 1] = b[i], i < n (two column phases into one row) */
    void (*zip2)(float *restrict dst, const float *restrict a, const float *restrict b, int n);
    /* Winograd F(2x2, 3x3) transforms of one row of tiles (cpu_conv_wino.c): the input, from
     * the even and odd columns of four padded rows, into V[xi * vs + t]; the output, from
     * M[xi * ms + t], into rows y[0] (tile row 0, even columns), y[1] (row 0, odd), y[2],
     * y[3] (row 1), bias added; both in whole vectors, up to VW - 1 floats past n */
    void (*wino_in)(const float *const e[4], const float *const o[4], int n, float *V, size_t vs);
    void (*wino_out)(const float *M, size_t ms, int n, float bias, float *const y[4]);
} cpu_kern;

extern const cpu_kern cpu_kern_generic;
#if defined(__x86_64__) || defined(__i386__)
#define CPU_KERN_X86 1
extern const cpu_kern cpu_kern_avx2;
extern const cpu_kern cpu_kern_avx512;
#endif

/* The best kernels this CPU runs; VRGEN_CPU_ISA=generic|avx2|avx512 picks a lower one. */
const cpu_kern *cpu_kern_select(void);

#endif /* CPU_KERN_H */
