/*
 * cpu_priv.h - the fast CPU backend's private types: its backend, buffer and program
 * objects and the per-node plans that compile fills in. Private to gen/cpu/.
 */
#ifndef CPU_PRIV_H
#define CPU_PRIV_H

#include "gen/gen_backend_priv.h"
#include "gen/cpu/cpu_kern.h"
#include "gen/cpu/cpu_pool.h"

typedef struct cpu_backend {
    gen_backend base;
    cpu_pool *pool;
    const cpu_kern *k;
    int nthreads;
    /* Convolution scratch, shared by every program: programs run one at a time, in the
     * thread that submits them (the pool, too, serves one thread at a time). Grown by
     * compile to the largest program's need. */
    float *scratch;
    size_t scratch_len;
    int no_up3;  /* VRGEN_CPU_NO_UP3: nearest-2x 3x3 convolutions take the general path */
    int no_wino; /* VRGEN_CPU_NO_WINO: 3x3 convolutions without Winograd */
    int profile; /* VRGEN_CPU_PROFILE: time every node, print at destroy */
    double prof_s[GEN_OP_COUNT][2]; /* seconds per op: [0] fast kernels, [1] reference */
    long prof_n[GEN_OP_COUNT][2];
} cpu_backend;

typedef struct cpu_buf {
    gen_buf base;
    float *data; /* 64-byte aligned */
} cpu_buf;

/* Elementwise loops that gain from wider vectors (the colour conversions) are built for
 * AVX-512, AVX2 and the baseline, and the loader picks one (GCC and Clang function
 * multiversioning). Those files are compiled without FP contraction, so the clones compute
 * the same floats. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CPU_CLONES
#endif

static inline float *cpu_ptr(gen_tensor t)
{
    return ((cpu_buf *)t.buf)->data + t.off;
}

/* How one convolution node runs (forward or backward); offsets are floats into the
 * program's scratch. */
typedef struct cpu_conv_plan {
    int s, hp, wp, hq, wq, nplanes, oh, ow;
    size_t ps;       /* plane stride of the whole padded input (hq * wq) */
    int band, brows; /* forward: output rows per band; rows of a band's padded planes */
    size_t psb;      /* plane stride the taps use: brows * wq (brows = hq: whole planes) */
    size_t in_len;   /* padded input floats, slack included (per worker in bands) */
    int nbands;      /* forward in bands: bands, each padded and computed by one worker */
    /* forward of a 3x3, pad 1 convolution of a nearest-2x input (cpu_conv_up.c): four 2x2
     * convolutions of the half-size input, one per output phase */
    int up3;
    int qh, qw;              /* the half-size input, and each phase's output */
    int trows;               /* rows of a band's phase outputs */
    size_t off_tmp, tmp_len; /* per worker: 4 phases x ocp planes of trows x qw floats */
    /* forward of a 3x3, pad 1 convolution by Winograd F(2x2, 3x3) (cpu_conv_wino.c) */
    int wino;
    int th, tw;                  /* tiles: rows, columns (band: tile rows per band) */
    size_t vs, rowlen;           /* floats per V/M plane; per even/odd padded half-row */
    size_t w_row, w_v, w_m, w_y; /* offsets in a worker's part (tmp_len floats) */
    int taps, *toff;             /* forward taps: ic * k * k */
    int ocb, ocp, nj, nblocks;
    size_t off_in, off_w; /* scratch: padded input, packed weights */
    /* backward */
    int kh;                  /* taps per axis of the data gradient: ceil(k / s) */
    size_t dstride, dmargin; /* wide output gradient: row pitch, leading zeros */
    int dw_ocp, tapsp, *toff_dw;
    int bd_taps, bd_ocb, bd_ocp, bd_nblocks, *toff_bd;
    size_t off_dout, off_dacc, off_bdw, off_dp;
} cpu_conv_plan;

/* What compile decided for one node. */
typedef struct cpu_node_plan {
    int fast;     /* runs on the CPU kernels, else through gen_ref_exec_node */
    int fuse_act; /* instnorm forward also applies the next node's activation */
    int fuse_add; /* ... or the next node's residual add (out = r + its output) */
    int skip;     /* fused into the previous node */
    cpu_conv_plan conv;
} cpu_node_plan;

typedef struct cpu_prog {
    cpu_node_plan *plans;
    size_t scratch_len; /* floats of the backend's scratch this program uses */
} cpu_prog;

/* cpu_backend.c: 64-byte aligned floats (huge pages for big blocks); free() them. */
float *cpu_alloc(size_t nfloats);

/* Padded input per forward band of a convolution, at least (cpu_conv.c): 512 KiB. */
#define CPU_BAND_FLOATS (128 * 1024)

static inline size_t cpu_align16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static inline int cpu_roundup(int n, int m)
{
    return (n + m - 1) / m * m;
}

/* Flat pixels per forward block of the kernel for ocb output channels, and the most. */
static inline int cpu_block_of(const cpu_kern *k, int ocb)
{
    return ocb == 8 ? k->block8 : ocb == 3 ? k->block3 : k->block4;
}

static inline int cpu_blockmax(const cpu_kern *k)
{
    int m = k->block8 > k->block4 ? k->block8 : k->block4;
    return k->block3 > m ? k->block3 : m;
}

/* Output channels per forward block: 8 where the kernel has them and they divide, 3 for
 * RGB outputs (a 4-channel block would compute a quarter for nothing), else 4. */
static inline int cpu_ocb_for(const cpu_kern *k, int oc)
{
    return k->ocb8 && oc % 8 == 0 ? 8 : oc == 3 ? 3 : 4;
}

/* cpu_conv.c */
void cpu_conv_plan_init(cpu_conv_plan *cp, const gen_conv2d_desc *d, int backward,
                        const cpu_backend *be, size_t *scratch_len);
void cpu_conv_plan_fini(cpu_conv_plan *cp);
/* cpu_conv_up.c: plans the forward of d as four phase convolutions when d is a 3x3, pad 1,
 * stride 1 convolution of a nearest-2x input (d->up2) of even size; returns 0 (and plans
 * nothing) otherwise. */
int cpu_conv_up_plan(cpu_conv_plan *cp, const gen_conv2d_desc *d, const cpu_backend *be,
                     size_t *scratch_len);
/* cpu_conv_wino.c: plans the forward of d by Winograd F(2x2, 3x3) when d is a 3x3, pad 1,
 * stride 1 convolution of at least 2048 output tiles; returns 0 (plans nothing) otherwise. */
int cpu_conv_wino_plan(cpu_conv_plan *cp, const gen_conv2d_desc *d, const cpu_backend *be,
                       size_t *scratch_len);
void cpu_conv_wino_forward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd,
                           float *scratch);
void cpu_conv_up_forward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd,
                         float *scratch);
void cpu_conv_forward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd, float *scratch);
void cpu_conv_backward(cpu_backend *be, const cpu_conv_plan *cp, const gen_node *nd,
                       float *scratch);

/* cpu_colour.c */
void cpu_yuv_to_rgb(cpu_backend *be, const gen_node *nd);
void cpu_rgb_to_yuv(cpu_backend *be, const gen_node *nd);

/* cpu_ops.c: the other fast ops; return 0 when the node is not handled. */
int cpu_ops_supported(const gen_node *nd);
int cpu_ops_can_fuse_act(const gen_node *norm, const gen_node *act);
int cpu_ops_can_fuse_add(const gen_node *norm, const gen_node *add);
/* Runs nd; act or add (may be NULL) is the next node, fused into an instance norm. */
void cpu_ops_run(cpu_backend *be, const gen_node *nd, const gen_node *act, const gen_node *add);

#endif /* CPU_PRIV_H */
