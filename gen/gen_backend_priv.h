/*
 * gen_backend_priv.h - what backends implement: the node list of a program and the
 * backend function table. Private to gen/; users include gen_backend.h.
 */
#ifndef GEN_BACKEND_PRIV_H
#define GEN_BACKEND_PRIV_H

#include "gen/gen_backend.h"

typedef enum gen_op {
    GEN_OP_CONV2D_FWD,     /* t: out, in, w, b */
    GEN_OP_CONV2D_BWD,     /* t: din, dw, db, dout, in, w */
    GEN_OP_UPSAMPLE_FWD,   /* t: out, in; mode */
    GEN_OP_UPSAMPLE_BWD,   /* t: din, dout; mode */
    GEN_OP_INSTNORM_FWD,   /* t: out, stats, in, gamma, beta */
    GEN_OP_INSTNORM_BWD,   /* t: din, dgamma, dbeta, dout, in, stats, gamma */
    GEN_OP_INSTNORM_APPLY, /* t: out, stats, in, gamma, beta */
    GEN_OP_MOMENTS_ACC,    /* t: acc, in, stats; rect = x0, y0, x1, y1 */
    GEN_OP_WINDOW,         /* t: out, in; rect[0..1] = x0, y0; k = f; mode = gen_pad_mode */
    GEN_OP_TILE_BLEND,     /* t: out, tile; blend */
    GEN_OP_TEMPORAL_HOLD,  /* t: y, x, pl, r; value = still, alpha = rate */
    GEN_OP_ACT_FWD,        /* t: out, in; mode = gen_act, alpha */
    GEN_OP_ACT_BWD,        /* t: din, dout, in, out; mode, alpha */
    GEN_OP_ADD,            /* t: out, a, b */
    GEN_OP_AXPBY,          /* t: y, x; alpha, beta */
    GEN_OP_FILL,           /* t: y; value */
    GEN_OP_CONCAT_FWD,     /* t: out, a, b */
    GEN_OP_CONCAT_BWD,     /* t: da, db, dout */
    GEN_OP_AVGPOOL_FWD,    /* t: out, in; k, s */
    GEN_OP_AVGPOOL_BWD,    /* t: din, dout; k, s */
    GEN_OP_L1_FWD,         /* t: loss, a, b */
    GEN_OP_L1_BWD,         /* t: da, a, b; scale */
    GEN_OP_MSE_FWD,        /* t: loss, a, b */
    GEN_OP_MSE_BWD,        /* t: da, a, b; scale */
    GEN_OP_LSGAN_FWD,      /* t: loss, x; target */
    GEN_OP_LSGAN_BWD,      /* t: dx, x; target, scale */
    GEN_OP_HINGE_FWD,      /* t: loss, x; mode */
    GEN_OP_HINGE_BWD,      /* t: dx, x; mode, scale */
    GEN_OP_GRAM_FWD,       /* t: g, f */
    GEN_OP_GRAM_BWD,       /* t: df, dg, f */
    GEN_OP_TV_FWD,         /* t: loss, x */
    GEN_OP_TV_BWD,         /* t: dx, x; scale */
    GEN_OP_SUM,            /* t: out, x */
    GEN_OP_ADAM,           /* t: param, grad, m, v, hyper */
    GEN_OP_FMA_PEAK,       /* t: out; k = rounds: the device's FMA throughput (bench) */
    GEN_OP_YUV_TO_RGB,     /* t: rgb, packed; yuv, rotation */
    GEN_OP_RGB_TO_YUV,     /* t: packed, rgb; yuv, rotation */
    GEN_OP_VIEW_RENDER,    /* t: out, src, params; mode = gen_view_layout */
    GEN_OP_COUNT
} gen_op;

#define GEN_NODE_MAX_T 8

/* One recorded op. Tensors with buf == NULL are absent (e.g. an unwanted gradient). */
typedef struct gen_node {
    gen_op op;
    int nt;
    gen_tensor t[GEN_NODE_MAX_T];
    gen_conv2d_desc conv; /* conv ops */
    int mode;             /* gen_act, gen_upsample_mode, gen_hinge_mode or gen_view_layout */
    int k, s;             /* avgpool kernel and stride */
    int acc;              /* activation-gradient accumulate flag */
    float alpha, beta, scale, target, value;
    gen_yuv_desc yuv; /* colour ops: the frame */
    int rotation;     /* colour ops: 0, 90, 180, 270 degrees clockwise */
    int rect[4];      /* moments: x0, y0, x1, y1; window: x0, y0 */
    gen_blend_desc blend;
} gen_node;

typedef struct gen_backend_vtbl {
    void (*destroy)(gen_backend *be);
    int (*buf_create)(gen_backend *be, size_t nfloats, gen_buf **out);
    void (*buf_destroy)(gen_buf *b);
    int (*upload)(gen_backend *be, gen_tensor t, const float *src);
    int (*download)(gen_backend *be, gen_tensor t, float *dst);
    float *(*host)(gen_tensor t);     /* host-memory backends: the tensor's memory; else NULL */
    int (*prog_compile)(gen_prog *p); /* sets p->impl */
    int (*prog_submit)(gen_prog *p);
    int (*prog_wait)(gen_prog *p);
    void (*prog_release)(gen_prog *p); /* frees p->impl */
} gen_backend_vtbl;

struct gen_backend {
    const gen_backend_vtbl *vt;
    gen_backend_kind kind;
    char name[256];
    gen_backend_stats stats;
    uint64_t heap_bytes; /* gen_backend_heap_bytes(); 0: unknown */
    int quiet_oom;       /* gen_backend_set_quiet_oom(): out of memory without a log line */
};

/* Backends embed this as the first member of their buffer struct. */
struct gen_buf {
    gen_backend *be;
    size_t len; /* floats */
};

struct gen_prog {
    gen_backend *be;
    gen_node *nodes;
    int count, cap;
    int compiled;
    int quiet_limits; /* gen_prog_try_compile: VG_ERR_LIMIT without a log line */
    void *impl;
};

/* Backend constructors. */
int gen_ref_backend_create(const gen_backend_config *cfg, gen_backend **out);
int gen_vk_backend_create(const gen_backend_config *cfg, gen_backend **out);
int gen_cpu_backend_create(const gen_backend_config *cfg, gen_backend **out);

/* The reference executor: runs one node on host memory with the gen_ref_* functions.
 * base(t) gives the host pointer of a tensor. Shared by host-memory backends. */
typedef float *(*gen_host_ptr_fn)(gen_tensor t);
void gen_ref_exec_node(const gen_node *nd, gen_host_ptr_fn base);

#endif /* GEN_BACKEND_PRIV_H */
