/*
 * vk_ops_conv.c - the Vulkan planner for conv2d forward and backward: picks the kernel
 * variant for a shape and sets its push constants and group counts.
 */
#include "gen/vk/vk_ops.h"

#include <stdio.h>

#include <stdlib.h>

#include "common/vg_error.h"

/* conv2d_bwd_data.comp, conv2d_bwd_weight.comp */
typedef struct pc_conv {
    int32_t n, ic, ih, iw, oc, oh, ow, pad;
} pc_conv;
_Static_assert(sizeof(pc_conv) <= VK_PUSH_BYTES, "push constants");

static pc_conv conv_pc(const gen_conv2d_desc *c)
{
    pc_conv pc = {c->n, c->ic, c->ih, c->iw, c->oc, gen_conv2d_oh(c), gen_conv2d_ow(c), c->pad};
    return pc;
}

/* conv2d_pad.comp */
typedef struct pc_conv_pad {
    int32_t nc, ih, iw, hp, wp4, pad, t_lo, t_hi, region;
} pc_conv_pad;
_Static_assert(sizeof(pc_conv_pad) <= VK_PUSH_BYTES, "push constants");

/* conv2d_pack.comp */
typedef struct pc_conv_pack {
    int32_t ic, oc, nob;
} pc_conv_pack;
_Static_assert(sizeof(pc_conv_pack) <= VK_PUSH_BYTES, "push constants");

/* conv2d_fwd_tx.comp */
typedef struct pc_conv_tx {
    int32_t n, ic, hp, wp4, oc, oh, ow, nob;
} pc_conv_tx;
_Static_assert(sizeof(pc_conv_tx) <= VK_PUSH_BYTES, "push constants");

/* Invocations per work group along x for the texel kernels: one SIMD vector (8 lanes) on
 * CPU implementations, where each group runs on one thread; more on GPUs. */
static uint32_t tx_lanes(const vk_plan *pl)
{
    const char *e = getenv("VRGEN_TX_LANES"); /* tuning and tests: 8, 16, 32, 64, 128 */
    if (e && atoi(e) >= 1 && atoi(e) <= 256) return (uint32_t)atoi(e);
    return pl->ctx->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? 8 : 32;
}

/*
 * Pads in (n, ic, ih, iw) into xpad (n, ic, hp, wp4 texels). With iw % 4 == 0 the texels
 * whose source lies inside the image take the fast aligned path and only the border
 * texels pay for the padding map; otherwise one general pass does all.
 */
static void plan_pad(vk_plan *pl, const gen_conv2d_desc *c, gen_tensor xpad, gen_tensor in,
                     int hp, int wp4)
{
    const int nc = c->n * c->ic, pad = c->pad;
    /* texel columns t whose floats t*4-pad .. t*4+3-pad all lie in [0, iw) */
    int t_lo = (pad + 3) / 4, t_hi = (c->iw + pad - 4) / 4 + 1;
    if (t_hi > wp4) t_hi = wp4;
    pc_conv_pad pc = {nc, c->ih, c->iw, hp, wp4, pad, t_lo, t_hi, 0};
    if (c->iw % 4 || t_hi <= t_lo) {
        vk_dispatch *d = vk_plan_add(pl, "conv2d_pad", 8, 8, 1);
        vk_spec(d, (uint32_t)c->pad_mode);
        vk_spec(d, 0);
        vk_bind_scratch_as(d, xpad, VK_BIND_IMAGE_RGBA);
        vk_bind_as(d, in, VK_BIND_TEXEL_R);
        vk_push(d, &pc, sizeof(pc));
        vk_groups(d, (uint64_t)wp4, (uint64_t)hp, (uint64_t)nc);
        return;
    }
    vk_dispatch *d = vk_plan_add(pl, "conv2d_pad_interior", 8, 8, 1);
    vk_spec(d, (uint32_t)c->pad_mode);
    vk_spec(d, (uint32_t)((4 - pad % 4) % 4)); /* first source float mod 4 */
    vk_bind_scratch_as(d, xpad, VK_BIND_IMAGE_RGBA);
    vk_bind_as(d, in, VK_BIND_TEXEL_RGBA);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)(t_hi - t_lo), (uint64_t)c->ih, (uint64_t)nc);

    pc.region = 1; /* side columns of every row */
    d = vk_plan_add(pl, "conv2d_pad", 8, 8, 1);
    vk_spec(d, (uint32_t)c->pad_mode);
    vk_spec(d, 0);
    vk_bind_scratch_as(d, xpad, VK_BIND_IMAGE_RGBA);
    vk_bind_as(d, in, VK_BIND_TEXEL_R);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)(t_lo + wp4 - t_hi), (uint64_t)hp, (uint64_t)nc);

    if (pad > 0) {
        pc.region = 2; /* middle columns of the padding rows */
        d = vk_plan_add(pl, "conv2d_pad", 8, 8, 1);
        vk_spec(d, (uint32_t)c->pad_mode);
        vk_spec(d, 0);
        vk_bind_scratch_as(d, xpad, VK_BIND_IMAGE_RGBA);
        vk_bind_as(d, in, VK_BIND_TEXEL_R);
        vk_push(d, &pc, sizeof(pc));
        vk_groups(d, (uint64_t)(t_hi - t_lo), (uint64_t)(2 * pad), (uint64_t)nc);
    }
}

/*
 * Forward: pad the input into scratch (padding mode applied, rows a multiple of 4 floats),
 * pack the weights into [ob][ic][K][K][M], then the texel kernel. t: out, in, w, b.
 */
static void plan_fwd(vk_plan *pl, const gen_node *nd)
{
    const gen_conv2d_desc *c = &nd->conv;
    const int m = c->oc <= 4 ? 4 : 8;
    const int nob = (c->oc + m - 1) / m;
    const int oh = gen_conv2d_oh(c), ow = gen_conv2d_ow(c);
    const uint32_t lx = tx_lanes(pl);
    const int ntx = (ow + 4 * (int)lx - 1) / (4 * (int)lx);
    const int nv = 3 * c->stride + c->k;
    int wp4 = ((ntx * (int)lx - 1) * 4 * c->stride) / 4 + (nv + 3) / 4;
    if (wp4 * 4 < c->iw + 2 * c->pad) wp4 = (c->iw + 2 * c->pad + 3) / 4;
    const int hp = c->ih + 2 * c->pad;

    gen_tensor xpad = vk_scratch_take(pl, (size_t)c->n * c->ic * hp * wp4 * 4);
    plan_pad(pl, c, xpad, nd->t[1], hp, wp4);

    vk_dispatch *d;
    d = vk_plan_add(pl, "conv2d_pack", 256, 1, 1);
    vk_spec(d, (uint32_t)c->k);
    vk_spec(d, (uint32_t)m);
    pc_conv_pack pk = {c->ic, c->oc, nob};
    gen_tensor wpk = vk_bind_scratch(pl, d, (size_t)nob * c->ic * c->k * c->k * m);
    vk_bind(d, nd->t[2]);
    vk_push(d, &pk, sizeof(pk));
    vk_groups_1d(d, (uint64_t)wpk.w);

    char name[40];
    int img_out = ow % 4 == 0;
    snprintf(name, sizeof(name), "conv2d_fwd_tx%s_k%ds%dm%d", img_out ? "i" : "", c->k, c->stride,
             m);
    d = vk_plan_add(pl, name, lx, 1, 1);
    vk_spec(d, (uint32_t)c->has_bias);
    pc_conv_tx pc = {c->n, c->ic, hp, wp4, c->oc, oh, ow, nob};
    vk_bind_as(d, nd->t[0], img_out ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    vk_bind_scratch_as(d, xpad, VK_BIND_TEXEL_RGBA);
    vk_bind_scratch_as(d, wpk, VK_BIND_TEXEL_RGBA);
    vk_bind(d, nd->t[3]);
    vk_push(d, &pc, sizeof(pc));
    d->groups[0] = (uint32_t)ntx;
    d->groups[1] = (uint32_t)oh;
    d->groups[2] = (uint32_t)(c->n * nob);
    VG_ASSERT(oh <= 65535 && c->n * nob <= 65535);
}

/* conv2d_bwd_bias.comp */
typedef struct pc_conv_bias {
    int32_t n, oc, hw;
} pc_conv_bias;
_Static_assert(sizeof(pc_conv_bias) <= VK_PUSH_BYTES, "push constants");

/* t: din, dw, db, dout, in, w */
static void plan_bwd(vk_plan *pl, const gen_node *nd)
{
    const gen_conv2d_desc *c = &nd->conv;
    pc_conv pc = conv_pc(c);
    const gen_tensor *t = nd->t;
    if (t[0].buf) {
        vk_dispatch *d = vk_plan_add(pl, "conv2d_bwd_data", 16, 16, 1);
        vk_spec(d, (uint32_t)c->k);
        vk_spec(d, (uint32_t)c->stride);
        vk_spec(d, (uint32_t)c->pad_mode);
        vk_spec(d, (uint32_t)nd->acc);
        vk_bind(d, t[0]);
        vk_bind(d, t[3]);
        vk_bind(d, t[5]);
        vk_push(d, &pc, sizeof(pc));
        vk_groups(d, (uint64_t)c->iw, (uint64_t)c->ih, (uint64_t)c->n * c->ic);
    }
    if (t[1].buf) {
        vk_dispatch *d = vk_plan_add(pl, "conv2d_bwd_weight", 64, 1, 1);
        vk_spec(d, (uint32_t)c->k);
        vk_spec(d, (uint32_t)c->stride);
        vk_spec(d, (uint32_t)c->pad_mode);
        vk_bind(d, t[1]);
        vk_bind(d, t[3]);
        vk_bind(d, t[4]);
        vk_push(d, &pc, sizeof(pc));
        uint64_t groups = (uint64_t)c->oc * c->ic * c->k;
        d->groups[0] = (uint32_t)(groups < 65535 ? groups : 65535);
        d->groups[1] = (uint32_t)((groups + 65534) / 65535);
        d->groups[2] = 1;
    }
    if (t[2].buf) {
        vk_dispatch *d = vk_plan_add(pl, "conv2d_bwd_bias", 64, 1, 1);
        pc_conv_bias pb = {c->n, c->oc, pc.oh * pc.ow};
        vk_bind(d, t[2]);
        vk_bind(d, t[3]);
        vk_push(d, &pb, sizeof(pb));
        d->groups[0] = (uint32_t)c->oc;
        d->groups[1] = d->groups[2] = 1;
    }
}

void vk_ops_plan_conv(vk_plan *pl, const gen_node *nd)
{
    if (nd->op == GEN_OP_CONV2D_FWD)
        plan_fwd(pl, nd);
    else
        plan_bwd(pl, nd);
}
