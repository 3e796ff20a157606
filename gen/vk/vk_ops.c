/*
 * vk_ops.c - the Vulkan planners of the elementwise and small ops: for each node, the
 * shader variants, push constants (each with its C mirror struct next to it), bindings and
 * group counts. Convolution has its own file (vk_ops_conv.c).
 */
#include "gen/vk/vk_ops.h"

#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"

void vk_ops_plan_conv(vk_plan *pl, const gen_node *nd);   /* vk_ops_conv.c */
void vk_ops_plan_colour(vk_plan *pl, const gen_node *nd); /* vk_ops_colour.c */
void vk_ops_plan_tile(vk_plan *pl, const gen_node *nd);   /* vk_ops_tile.c */
void vk_ops_plan_view(vk_plan *pl, const gen_node *nd);   /* vk_ops_view.c */

/* fill.comp */
typedef struct pc_fill {
    uint32_t len;
    float value;
} pc_fill;
_Static_assert(sizeof(pc_fill) <= VK_PUSH_BYTES, "push constants");

/* axpby.comp */
typedef struct pc_axpby {
    uint32_t len;
    float alpha, beta;
} pc_axpby;
_Static_assert(sizeof(pc_axpby) <= VK_PUSH_BYTES, "push constants");

static void plan_fill(vk_plan *pl, gen_tensor y, float v)
{
    pc_fill pc = {(uint32_t)gen_tensor_len(y), v};
    int tx = pc.len % 4 == 0; /* whole texels: no storage-buffer range limit */
    vk_dispatch *d = vk_plan_add(pl, tx ? "fill_tx" : "fill", 256, 1, 1);
    vk_bind_as(d, y, tx ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, tx ? pc.len / 4 : pc.len);
}

static void plan_axpby(vk_plan *pl, gen_tensor y, float alpha, gen_tensor x, float beta)
{
    vk_dispatch *d = vk_plan_add(pl, "axpby", 256, 1, 1);
    pc_axpby pc = {(uint32_t)gen_tensor_len(y), alpha, beta};
    vk_bind(d, y);
    vk_bind(d, x);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, pc.len);
}

/* temporal_hold.comp */
typedef struct pc_temporal_hold {
    uint32_t hw, len;
    float still, rate;
} pc_temporal_hold;
_Static_assert(sizeof(pc_temporal_hold) <= VK_PUSH_BYTES, "push constants");

static void plan_temporal_hold(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t;
    vk_dispatch *d = vk_plan_add(pl, "temporal_hold", 256, 1, 1);
    VG_ASSERT(gen_tensor_len(t[0]) <= UINT32_MAX);
    pc_temporal_hold pc = {(uint32_t)t[0].h * t[0].w, (uint32_t)t[0].n * t[0].h * t[0].w, nd->value,
                           nd->alpha};
    for (int i = 0; i < 4; i++) vk_bind(d, t[i]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, pc.len);
}

/* fma_peak.comp */
typedef struct pc_fma_peak {
    uint32_t len;
    float a, b;
} pc_fma_peak;
_Static_assert(sizeof(pc_fma_peak) <= VK_PUSH_BYTES, "push constants");

static void plan_fma_peak(vk_plan *pl, gen_tensor out, int rounds)
{
    vk_dispatch *d = vk_plan_add(pl, "fma_peak", 256, 1, 1);
    pc_fma_peak pc = {(uint32_t)gen_tensor_len(out), 0.999f, 0.001f};
    vk_spec(d, (uint32_t)rounds);
    vk_bind(d, out);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, pc.len, 1, 1);
}

/*
 * Everything below uses 1D work groups of VK_OPS_WG invocations (a multiple of 16, as the
 * work-group sums of common/reduce.glsl need), except the gram kernels (16x16).
 * Spec constants 0..2 are the work group size; ACC (the activation-gradient acc flag) and
 * mode switches follow as spec constants, so acc == 0 compiles to code that never reads the
 * destination. An absent output (buf == NULL) plans no dispatch.
 */
#define VK_OPS_WG 256

/* Lengths and indices are uint32 in the shaders; 2^31 keeps i + stride from wrapping. */
static uint32_t len32(size_t v)
{
    VG_ASSERT(v > 0 && v < (1u << 31));
    return (uint32_t)v;
}

static size_t div_up(size_t a, size_t b)
{
    return (a + b - 1) / b;
}

/* add.comp */
typedef struct pc_len {
    uint32_t len;
} pc_len;
_Static_assert(sizeof(pc_len) <= VK_PUSH_BYTES, "push constants");

static void plan_add(vk_plan *pl, const gen_node *nd)
{
    pc_len pc = {len32(gen_tensor_len(nd->t[0]))};
    if (pc.len % 4 == 0) { /* whole texels: one call per 4 floats on lavapipe */
        vk_dispatch *d = vk_plan_add(pl, "add_tx", VK_OPS_WG, 1, 1);
        vk_bind_as(d, nd->t[0], VK_BIND_IMAGE_RGBA);
        vk_bind_as(d, nd->t[1], VK_BIND_TEXEL_RGBA);
        vk_bind_as(d, nd->t[2], VK_BIND_TEXEL_RGBA);
        vk_push(d, &pc, sizeof(pc));
        vk_groups_1d(d, pc.len / 4);
        return;
    }
    vk_dispatch *d = vk_plan_add(pl, "add", VK_OPS_WG, 1, 1);
    for (int i = 0; i < 3; i++) vk_bind(d, nd->t[i]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, div_up(pc.len, 4)); /* ew_loop: 4 items per invocation */
}

/* act.comp: spec 3 = gen_act, spec 4 = ACC */
typedef struct pc_act {
    uint32_t len;
    float alpha;
} pc_act;
_Static_assert(sizeof(pc_act) <= VK_PUSH_BYTES, "push constants");

static void plan_act(vk_plan *pl, const gen_node *nd, int bwd)
{
    if (!nd->t[0].buf) return;
    VG_ASSERT(nd->mode >= 0 && nd->mode < GEN_ACT_COUNT);
    pc_act pc = {len32(gen_tensor_len(nd->t[0])), nd->alpha};
    if (!bwd && pc.len % 4 == 0) { /* whole texels */
        vk_dispatch *d = vk_plan_add(pl, "act_fwd_tx", VK_OPS_WG, 1, 1);
        vk_spec(d, (uint32_t)nd->mode);
        vk_spec(d, 0);
        vk_bind_as(d, nd->t[0], VK_BIND_IMAGE_RGBA);
        vk_bind_as(d, nd->t[1], VK_BIND_TEXEL_RGBA);
        vk_push(d, &pc, sizeof(pc));
        vk_groups_1d(d, pc.len / 4);
        return;
    }
    vk_dispatch *d = vk_plan_add(pl, bwd ? "act_bwd" : "act_fwd", VK_OPS_WG, 1, 1);
    vk_spec(d, (uint32_t)nd->mode);
    vk_spec(d, bwd ? (uint32_t)(nd->acc != 0) : 0);
    for (int i = 0; i < (bwd ? 4 : 2); i++) vk_bind(d, nd->t[i]); /* absent in/out: dummy */
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, div_up(pc.len, 4)); /* ew_loop: 4 items per invocation */
}

/* concat.comp: spec 3 = ACC; one dispatch per half, work group y = image */
typedef struct pc_concat {
    uint32_t len, dst_stride, dst_off, src_stride, src_off;
} pc_concat;
_Static_assert(sizeof(pc_concat) <= VK_PUSH_BYTES, "push constants");

static void plan_strided_copy(vk_plan *pl, gen_tensor dst, gen_tensor src, int rows, pc_concat pc,
                              int acc)
{
    vk_dispatch *d = vk_plan_add(pl, "concat", VK_OPS_WG, 1, 1);
    vk_spec(d, (uint32_t)(acc != 0));
    vk_bind(d, dst);
    vk_bind(d, src);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, div_up(pc.len, 16)); /* ew_loop: 4 items per invocation; rows share */
    VG_ASSERT(rows >= 1 && rows <= 65535);
    d->groups[1] = (uint32_t)rows;
}

static void plan_concat(vk_plan *pl, const gen_node *nd, int bwd)
{
    /* fwd: out, a, b; bwd: da, db, dout. a/da (n, ca, hw), b/db (n, cb, hw). */
    gen_tensor a = bwd ? nd->t[0] : nd->t[1], b = bwd ? nd->t[1] : nd->t[2];
    gen_tensor o = bwd ? nd->t[2] : nd->t[0];
    uint32_t hw = len32((size_t)o.h * o.w);
    uint32_t la = len32((size_t)a.c * hw), lb = len32((size_t)b.c * hw), lo = la + lb;
    len32(gen_tensor_len(o));
    if (!bwd) {
        plan_strided_copy(pl, o, a, o.n, (pc_concat){la, lo, 0, la, 0}, 0);
        plan_strided_copy(pl, o, b, o.n, (pc_concat){lb, lo, la, lb, 0}, 0);
        return;
    }
    if (a.buf) plan_strided_copy(pl, a, o, o.n, (pc_concat){la, la, 0, lo, 0}, nd->acc);
    if (b.buf) plan_strided_copy(pl, b, o, o.n, (pc_concat){lb, lb, 0, lo, la}, nd->acc);
}

/* upsample.comp: spec 3 = bilinear, spec 4 = ACC */
typedef struct pc_upsample {
    uint32_t len, h, w; /* len = n * c * h * w of the small (input-side) tensor */
} pc_upsample;
_Static_assert(sizeof(pc_upsample) <= VK_PUSH_BYTES, "push constants");

static void plan_upsample(vk_plan *pl, const gen_node *nd, int bwd)
{
    gen_tensor small = bwd ? nd->t[0] : nd->t[1]; /* in or din */
    if (!nd->t[0].buf) return;
    VG_ASSERT(nd->mode == GEN_UPSAMPLE_NEAREST || nd->mode == GEN_UPSAMPLE_BILINEAR);
    len32(gen_tensor_len(small) * 4);
    pc_upsample pc = {len32(gen_tensor_len(small)), (uint32_t)small.h, (uint32_t)small.w};
    if (!bwd && small.w % 2 == 0) { /* output rows of whole texels */
        vk_dispatch *d = vk_plan_add(pl, "upsample_fwd_tx", 8, 8, 1);
        vk_spec(d, (uint32_t)(nd->mode == GEN_UPSAMPLE_BILINEAR));
        vk_spec(d, 0);
        vk_bind_as(d, nd->t[0], VK_BIND_IMAGE_RGBA);
        vk_bind_as(d, nd->t[1], VK_BIND_TEXEL_R);
        vk_push(d, &pc, sizeof(pc));
        vk_groups(d, (uint64_t)small.w / 2, (uint64_t)small.h * 2, (uint64_t)small.n * small.c);
        return;
    }
    vk_dispatch *d = vk_plan_add(pl, bwd ? "upsample_bwd" : "upsample_fwd", VK_OPS_WG, 1, 1);
    vk_spec(d, (uint32_t)(nd->mode == GEN_UPSAMPLE_BILINEAR));
    vk_spec(d, bwd ? (uint32_t)(nd->acc != 0) : 0);
    vk_bind(d, nd->t[0]);
    vk_bind(d, nd->t[1]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, pc.len);
}

/* avgpool.comp: spec 3 = ACC */
typedef struct pc_avgpool {
    uint32_t len, h, w, oh, ow, k, s;
} pc_avgpool;
_Static_assert(sizeof(pc_avgpool) <= VK_PUSH_BYTES, "push constants");

static void plan_avgpool(vk_plan *pl, const gen_node *nd, int bwd)
{
    gen_tensor big = bwd ? nd->t[0] : nd->t[1], small = bwd ? nd->t[1] : nd->t[0];
    if (!nd->t[0].buf) return;
    vk_dispatch *d = vk_plan_add(pl, bwd ? "avgpool_bwd" : "avgpool_fwd", VK_OPS_WG, 1, 1);
    pc_avgpool pc = {len32(gen_tensor_len(bwd ? big : small)),
                     (uint32_t)big.h,
                     (uint32_t)big.w,
                     (uint32_t)small.h,
                     (uint32_t)small.w,
                     (uint32_t)nd->k,
                     (uint32_t)nd->s};
    len32(gen_tensor_len(big));
    vk_spec(d, bwd ? (uint32_t)(nd->acc != 0) : 0);
    vk_bind(d, nd->t[0]);
    vk_bind(d, nd->t[1]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, pc.len);
}

/*
 * Instance norm splits each (n, c) plane into nchunk chunks, one work group each (grid
 * (nchunk, n * c)), so that a few big planes still fill every core: about 16384 elements
 * (64 per invocation) per chunk, more chunks (down to 1024 elements) while there are fewer
 * than 128 groups, and at most VK_OPS_WG chunks (the merge gives one partial to each
 * invocation).
 */
static void instnorm_chunks(size_t hw, size_t planes, uint32_t *chunk, uint32_t *nchunk)
{
    size_t nc = div_up(hw, 16384), want = div_up(128, planes), most = div_up(hw, 1024);
    if (nc < want) nc = want < most ? want : most;
    if (nc > VK_OPS_WG) nc = VK_OPS_WG;
    if (nc < 1) nc = 1;
    size_t ch = div_up(hw, nc);
    *chunk = (uint32_t)ch;
    *nchunk = (uint32_t)div_up(hw, ch); /* every chunk non-empty */
}

/* instnorm_fwd.comp: scratch part (n * c * nchunk) vec2 */
typedef struct pc_instnorm_fwd {
    uint32_t hw, chunk, nchunk, c;
    float eps;
} pc_instnorm_fwd;
_Static_assert(sizeof(pc_instnorm_fwd) <= VK_PUSH_BYTES, "push constants");

static void plan_instnorm_fwd(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t; /* out, stats, in, gamma, beta */
    gen_tensor in = t[2];
    size_t planes = (size_t)in.n * in.c;
    pc_instnorm_fwd pc = {len32((size_t)in.h * in.w), 0, 0, (uint32_t)in.c, GEN_IN_EPS};
    len32(gen_tensor_len(in));
    instnorm_chunks(pc.hw, planes, &pc.chunk, &pc.nchunk);
    /* planes of whole texels: the texel variant (4 floats per fetch and store) */
    int tx = pc.hw % 4 == 0;
    if (tx && pc.chunk % 4) {
        pc.chunk = (pc.chunk + 3) / 4 * 4;
        pc.nchunk = (pc.hw + pc.chunk - 1) / pc.chunk;
    }

    vk_dispatch *d =
        vk_plan_add(pl, tx ? "instnorm_fwd_stats_tx" : "instnorm_fwd_stats", VK_OPS_WG, 1, 1);
    gen_tensor part = vk_bind_scratch(pl, d, planes * pc.nchunk * 2);
    vk_bind_as(d, in, tx ? VK_BIND_TEXEL_RGBA : VK_BIND_SSBO);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.nchunk * VK_OPS_WG, planes, 1);

    d = vk_plan_add(pl, tx ? "instnorm_fwd_norm_tx" : "instnorm_fwd_norm", VK_OPS_WG, 1, 1);
    vk_bind_scratch_view(d, part);
    vk_bind_as(d, in, tx ? VK_BIND_TEXEL_RGBA : VK_BIND_SSBO);
    vk_bind_as(d, t[0], tx ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    vk_bind(d, t[1]);
    vk_bind(d, t[3]);
    vk_bind(d, t[4]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.nchunk * VK_OPS_WG, planes, 1);
}

/* instnorm_bwd.comp: spec 3 = ACC, 4..6 = din, dgamma, dbeta present */
typedef struct pc_instnorm_bwd {
    uint32_t hw, chunk, nchunk, c, n;
} pc_instnorm_bwd;
_Static_assert(sizeof(pc_instnorm_bwd) <= VK_PUSH_BYTES, "push constants");

static void plan_instnorm_bwd(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t; /* din, dgamma, dbeta, dout, in, stats, gamma */
    gen_tensor in = t[4];
    if (!t[0].buf && !t[1].buf && !t[2].buf) return;
    size_t planes = (size_t)in.n * in.c;
    pc_instnorm_bwd pc = {len32((size_t)in.h * in.w), 0, 0, (uint32_t)in.c, (uint32_t)in.n};
    len32(gen_tensor_len(in));
    instnorm_chunks(pc.hw, planes, &pc.chunk, &pc.nchunk);

    vk_dispatch *d = vk_plan_add(pl, "instnorm_bwd_sums", VK_OPS_WG, 1, 1);
    gen_tensor part = vk_bind_scratch(pl, d, planes * pc.nchunk * 2);
    vk_bind(d, t[3]);
    vk_bind(d, in);
    vk_bind(d, t[5]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.nchunk * VK_OPS_WG, planes, 1);

    d = vk_plan_add(pl, "instnorm_bwd_apply", VK_OPS_WG, 1, 1);
    vk_spec(d, (uint32_t)(nd->acc != 0));
    vk_spec(d, t[0].buf != NULL);
    vk_spec(d, t[1].buf != NULL);
    vk_spec(d, t[2].buf != NULL);
    vk_bind_scratch_view(d, part);
    vk_bind(d, t[3]);
    vk_bind(d, in);
    vk_bind(d, t[5]);
    vk_bind(d, t[0]);
    vk_bind(d, t[1]);
    vk_bind(d, t[2]);
    vk_bind(d, t[6]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.nchunk * VK_OPS_WG, planes, 1);
}

/* reduce.comp: spec 3 = gen_hinge_mode */
typedef struct pc_reduce {
    uint32_t len, chunk, w, h;
    float target, scale;
} pc_reduce;
_Static_assert(sizeof(pc_reduce) <= VK_PUSH_BYTES, "push constants");

/*
 * Reduces len terms to loss[0] = scale * sum: G groups of about 4096 terms (16 per
 * invocation; G <= 1024) write partial sums to scratch, then one group sums the partials.
 * A single group writes loss[0] directly.
 */
static void plan_reduce(vk_plan *pl, const char *shader, gen_tensor loss, gen_tensor a,
                        gen_tensor b, pc_reduce pc, int hmode)
{
    size_t len = pc.len, g = div_up(len, 4096);
    if (g > 1024) g = 1024;
    pc.chunk = (uint32_t)div_up(len, g);
    g = div_up(len, pc.chunk);
    float scale = pc.scale;
    if (g > 1) pc.scale = 1.0f;

    vk_dispatch *d = vk_plan_add(pl, shader, VK_OPS_WG, 1, 1);
    vk_spec(d, (uint32_t)hmode);
    gen_tensor part = {0};
    if (g > 1)
        part = vk_bind_scratch(pl, d, g);
    else
        vk_bind(d, loss);
    vk_bind(d, a);
    if (b.buf) vk_bind(d, b);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)g * VK_OPS_WG, 1, 1);
    if (g == 1) return;

    pc_reduce pc2 = {(uint32_t)g, (uint32_t)g, 1, 1, 0.0f, scale};
    d = vk_plan_add(pl, "reduce_sum", VK_OPS_WG, 1, 1);
    vk_spec(d, 0);
    vk_bind(d, loss);
    vk_bind_scratch_view(d, part);
    vk_push(d, &pc2, sizeof(pc2));
    vk_groups(d, VK_OPS_WG, 1, 1);
}

static void plan_loss_fwd(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t; /* loss, a or x, b */
    gen_tensor x = t[1], none = {0};
    pc_reduce pc = {len32(gen_tensor_len(x)), 0, 1, 1, nd->target, 0.0f};
    pc.scale = (float)(1.0 / (double)pc.len);
    switch (nd->op) {
    case GEN_OP_L1_FWD:
        plan_reduce(pl, "reduce_l1", t[0], x, t[2], pc, 0);
        break;
    case GEN_OP_MSE_FWD:
        plan_reduce(pl, "reduce_mse", t[0], x, t[2], pc, 0);
        break;
    case GEN_OP_LSGAN_FWD:
        plan_reduce(pl, "reduce_lsgan", t[0], x, none, pc, 0);
        break;
    case GEN_OP_HINGE_FWD:
        VG_ASSERT(nd->mode >= GEN_HINGE_REAL && nd->mode <= GEN_HINGE_GEN);
        plan_reduce(pl, "reduce_hinge", t[0], x, none, pc, nd->mode);
        break;
    case GEN_OP_TV_FWD:
        pc.w = (uint32_t)x.w;
        pc.h = (uint32_t)x.h;
        plan_reduce(pl, "reduce_tv", t[0], x, none, pc, 0);
        break;
    case GEN_OP_SUM:
        pc.scale = 1.0f;
        plan_reduce(pl, "reduce_sum", t[0], x, none, pc, 0);
        break;
    default:
        VG_ASSERT(!"not a loss");
    }
}

/* loss_bwd.comp: spec 3 = ACC, spec 4 = gen_hinge_mode */
typedef struct pc_loss_bwd {
    uint32_t len, w, h;
    float k, target;
} pc_loss_bwd;
_Static_assert(sizeof(pc_loss_bwd) <= VK_PUSH_BYTES, "push constants");

static void plan_loss_bwd(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t; /* dx, a or x, b */
    if (!t[0].buf) return;
    gen_tensor x = t[1];
    pc_loss_bwd pc = {len32(gen_tensor_len(x)), (uint32_t)x.w, (uint32_t)x.h, 0.0f, nd->target};
    double k = (double)nd->scale / (double)pc.len; /* dL/dx of the mean, times scale */
    const char *shader = NULL;
    int two_inputs = 0;
    switch (nd->op) {
    case GEN_OP_L1_BWD:
        shader = "loss_bwd_l1", two_inputs = 1;
        break;
    case GEN_OP_MSE_BWD:
        shader = "loss_bwd_mse", two_inputs = 1, k *= 2.0;
        break;
    case GEN_OP_LSGAN_BWD:
        shader = "loss_bwd_lsgan", k *= 2.0;
        break;
    case GEN_OP_HINGE_BWD:
        VG_ASSERT(nd->mode >= GEN_HINGE_REAL && nd->mode <= GEN_HINGE_GEN);
        shader = "loss_bwd_hinge";
        break;
    case GEN_OP_TV_BWD:
        shader = "loss_bwd_tv", k *= 2.0;
        break;
    default:
        VG_ASSERT(!"not a loss backward");
    }
    pc.k = (float)k;
    vk_dispatch *d = vk_plan_add(pl, shader, VK_OPS_WG, 1, 1);
    vk_spec(d, (uint32_t)(nd->acc != 0));
    vk_spec(d, (uint32_t)nd->mode);
    vk_bind(d, t[0]);
    vk_bind(d, x);
    if (two_inputs) vk_bind(d, t[2]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, div_up(pc.len, 4)); /* ew_loop: 4 items per invocation */
}

/* gram_fwd.comp (tile and -DCOMBINE) */
typedef struct pc_gram_fwd {
    uint32_t c, hw, n, nb, plen, nsplit;
    float scale;
} pc_gram_fwd;
_Static_assert(sizeof(pc_gram_fwd) <= VK_PUSH_BYTES, "push constants");

#define GRAM_TILE 64 /* output tile edge of gram_fwd.comp and gram_bwd.comp (16x16 x 4x4) */

/*
 * Gram forward: one 16x16 group per (upper-triangle tile pair, split of hw, image). hw is
 * split so that about 256 groups run (each split >= 256 columns); several splits write
 * partial matrices to scratch (nsplit * n * c * c) and a combine pass sums them in order.
 */
static void plan_gram_fwd(vk_plan *pl, const gen_node *nd)
{
    gen_tensor g = nd->t[0], f = nd->t[1];
    size_t c = (size_t)f.c, hw = (size_t)f.h * f.w, n = (size_t)f.n;
    size_t nb = div_up(c, GRAM_TILE), ntri = nb * (nb + 1) / 2;
    size_t most = hw / 256 ? hw / 256 : 1, nsplit = div_up(256, n * ntri);
    if (nsplit > most) nsplit = most;
    size_t plen = div_up(div_up(hw, nsplit), 16) * 16;
    nsplit = div_up(hw, plen);
    float scale = (float)(1.0 / ((double)c * (double)hw));
    len32(gen_tensor_len(f));
    len32(nsplit * n * c * c);

    pc_gram_fwd pc = {(uint32_t)c,
                      (uint32_t)hw,
                      (uint32_t)n,
                      (uint32_t)nb,
                      (uint32_t)plen,
                      (uint32_t)nsplit,
                      nsplit > 1 ? 1.0f : scale};
    vk_dispatch *d = vk_plan_add(pl, "gram_fwd", 16, 16, 1);
    gen_tensor part = {0};
    if (nsplit > 1)
        part = vk_bind_scratch(pl, d, nsplit * n * c * c);
    else
        vk_bind(d, g);
    vk_bind(d, f);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, ntri * 16, nsplit * 16, n);
    if (nsplit == 1) return;

    pc.scale = scale;
    d = vk_plan_add(pl, "gram_fwd_combine", VK_OPS_WG, 1, 1);
    vk_bind(d, g);
    vk_bind_scratch_view(d, part);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, n * c * c);
}

/* gram_bwd.comp: spec 3 = ACC */
typedef struct pc_gram_bwd {
    uint32_t c, hw;
    float scale;
} pc_gram_bwd;
_Static_assert(sizeof(pc_gram_bwd) <= VK_PUSH_BYTES, "push constants");

static void plan_gram_bwd(vk_plan *pl, const gen_node *nd)
{
    gen_tensor df = nd->t[0], dg = nd->t[1], f = nd->t[2];
    if (!df.buf) return;
    size_t c = (size_t)f.c, hw = (size_t)f.h * f.w;
    pc_gram_bwd pc = {(uint32_t)c, len32(hw), (float)(1.0 / ((double)c * (double)hw))};
    len32(gen_tensor_len(f));
    vk_dispatch *d = vk_plan_add(pl, "gram_bwd", 16, 16, 1);
    vk_spec(d, (uint32_t)(nd->acc != 0));
    vk_bind(d, df);
    vk_bind(d, dg);
    vk_bind(d, f);
    vk_push(d, &pc, sizeof(pc));
    size_t ptiles = div_up(hw, GRAM_TILE); /* the shader loops when capped */
    vk_groups(d, (ptiles < 65535 ? ptiles : 65535) * 16, div_up(c, GRAM_TILE) * 16, (uint64_t)f.n);
}

/* adam.comp: hyper is bound, never pushed (the host rewrites it between replays) */
static void plan_adam(vk_plan *pl, const gen_node *nd)
{
    vk_dispatch *d = vk_plan_add(pl, "adam", VK_OPS_WG, 1, 1);
    pc_len pc = {len32(gen_tensor_len(nd->t[0]))};
    VG_ASSERT(gen_tensor_len(nd->t[4]) >= GEN_ADAM_HYPER_LEN);
    for (int i = 0; i < 5; i++) vk_bind(d, nd->t[i]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, pc.len);
}

void vk_ops_plan(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t;
    switch (nd->op) {
    case GEN_OP_CONV2D_FWD:
    case GEN_OP_CONV2D_BWD:
        vk_ops_plan_conv(pl, nd);
        break;
    case GEN_OP_FILL:
        plan_fill(pl, t[0], nd->value);
        break;
    case GEN_OP_AXPBY:
        plan_axpby(pl, t[0], nd->alpha, t[1], nd->beta);
        break;
    case GEN_OP_TEMPORAL_HOLD:
        plan_temporal_hold(pl, nd);
        break;
    case GEN_OP_FMA_PEAK:
        plan_fma_peak(pl, t[0], nd->k);
        break;
    case GEN_OP_UPSAMPLE_FWD:
        plan_upsample(pl, nd, 0);
        break;
    case GEN_OP_UPSAMPLE_BWD:
        plan_upsample(pl, nd, 1);
        break;
    case GEN_OP_INSTNORM_FWD:
        plan_instnorm_fwd(pl, nd);
        break;
    case GEN_OP_INSTNORM_BWD:
        plan_instnorm_bwd(pl, nd);
        break;
    case GEN_OP_ACT_FWD:
        plan_act(pl, nd, 0);
        break;
    case GEN_OP_ACT_BWD:
        plan_act(pl, nd, 1);
        break;
    case GEN_OP_ADD:
        plan_add(pl, nd);
        break;
    case GEN_OP_CONCAT_FWD:
        plan_concat(pl, nd, 0);
        break;
    case GEN_OP_CONCAT_BWD:
        plan_concat(pl, nd, 1);
        break;
    case GEN_OP_AVGPOOL_FWD:
        plan_avgpool(pl, nd, 0);
        break;
    case GEN_OP_AVGPOOL_BWD:
        plan_avgpool(pl, nd, 1);
        break;
    case GEN_OP_L1_FWD:
    case GEN_OP_MSE_FWD:
    case GEN_OP_LSGAN_FWD:
    case GEN_OP_HINGE_FWD:
    case GEN_OP_TV_FWD:
    case GEN_OP_SUM:
        plan_loss_fwd(pl, nd);
        break;
    case GEN_OP_L1_BWD:
    case GEN_OP_MSE_BWD:
    case GEN_OP_LSGAN_BWD:
    case GEN_OP_HINGE_BWD:
    case GEN_OP_TV_BWD:
        plan_loss_bwd(pl, nd);
        break;
    case GEN_OP_GRAM_FWD:
        plan_gram_fwd(pl, nd);
        break;
    case GEN_OP_GRAM_BWD:
        plan_gram_bwd(pl, nd);
        break;
    case GEN_OP_ADAM:
        plan_adam(pl, nd);
        break;
    case GEN_OP_YUV_TO_RGB:
    case GEN_OP_RGB_TO_YUV:
        vk_ops_plan_colour(pl, nd);
        break;
    case GEN_OP_INSTNORM_APPLY:
    case GEN_OP_MOMENTS_ACC:
    case GEN_OP_WINDOW:
    case GEN_OP_TILE_BLEND:
        vk_ops_plan_tile(pl, nd);
        break;
    case GEN_OP_VIEW_RENDER:
        vk_ops_plan_view(pl, nd);
        break;
    default:
        VG_ASSERT(!"op not planned for Vulkan");
    }
}
