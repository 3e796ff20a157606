/*
 * vk_ops_conv.c - the Vulkan planner for conv2d forward and backward: picks the kernel
 * variant for a shape and sets its push constants and group counts.
 */
#include "gen/vk/vk_ops.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/vg_error.h"

/* conv2d_fwd_naive.comp */
typedef struct pc_conv {
    int32_t n, ic, ih, iw, oc, oh, ow, pad;
} pc_conv;
_Static_assert(sizeof(pc_conv) <= VK_PUSH_BYTES, "push constants");

static pc_conv conv_pc(const gen_conv2d_desc *c)
{
    pc_conv pc = {c->n, c->ic, c->ih, c->iw, c->oc, gen_conv2d_oh(c), gen_conv2d_ow(c), c->pad};
    return pc;
}

static void conv_spec(vk_dispatch *d, const gen_conv2d_desc *c)
{
    vk_spec(d, (uint32_t)c->k);
    vk_spec(d, (uint32_t)c->stride);
    vk_spec(d, (uint32_t)c->pad_mode);
    vk_spec(d, (uint32_t)c->has_bias);
}

static void plan_fwd_tile(vk_plan *pl, const gen_node *nd, int lx, int m, int px)
{
    const gen_conv2d_desc *c = &nd->conv;
    pc_conv pc = conv_pc(c);
    static char name[64];
    int texel = getenv("VRGEN_CONV_TEXEL") != NULL;
    snprintf(name, sizeof(name), "conv2d_fwd_k%ds%dm%dp%d%s", c->k, c->stride, m, px,
             texel ? "t" : "");
    vk_dispatch *d = vk_plan_add(pl, name, (uint32_t)lx, 1, 1);
    conv_spec(d, c);
    vk_bind(d, nd->t[0]);
    if (texel)
        vk_bind_texel(d, nd->t[1]);
    else
        vk_bind(d, nd->t[1]);
    vk_bind(d, nd->t[2]);
    vk_bind(d, nd->t[3]);
    vk_push(d, &pc, sizeof(pc));
    uint64_t nob = (uint64_t)(c->oc + m - 1) / m;
    vk_groups(d, (uint64_t)(pc.ow + px - 1) / px, (uint64_t)pc.oh, (uint64_t)pc.n * nob * 1);
    d->groups[1] = (uint32_t)pc.oh;
    d->groups[2] = (uint32_t)(pc.n * nob);
}

static void plan_exp(vk_plan *pl, const gen_node *nd, int m)
{
    const gen_conv2d_desc *c = &nd->conv;
    static char name[32];
    snprintf(name, sizeof(name), getenv("VRGEN_EXPU") ? "exp_conv_u%d" : "exp_conv%d", m);
    vk_dispatch *d = vk_plan_add(pl, name, 8, 1, 1);
    int nob = (c->oc + m - 1) / m;
    int32_t pc[8] = {c->n, c->ic, c->ih, c->iw / 4, c->oc, gen_conv2d_oh(c), gen_conv2d_ow(c), nob};
    vk_bind(d, nd->t[0]);
    vk_bind_texel4(d, nd->t[1]);
    vk_bind_texel4(d, nd->t[2]);
    vk_push(d, pc, sizeof(pc));
    d->groups[0] = (uint32_t)((c->iw + 31) / 32);
    d->groups[1] = (uint32_t)gen_conv2d_oh(c);
    d->groups[2] = (uint32_t)(c->n * nob);
}

static void plan_fwd(vk_plan *pl, const gen_node *nd)
{
    if (getenv("VRGEN_EXPCONV") && nd->conv.k == 3 && nd->conv.stride == 1) {
        plan_exp(pl, nd, atoi(getenv("VRGEN_EXPCONV")));
        return;
    }
    const char *v = getenv("VRGEN_CONV");
    if (v && nd->conv.k == 3 && nd->conv.stride == 1) {
        int lx = 8, m = 8, px = 2;
        sscanf(v, "%d,%d,%d", &lx, &m, &px);
        plan_fwd_tile(pl, nd, lx, m, px);
        return;
    }
    const gen_conv2d_desc *c = &nd->conv;
    pc_conv pc = conv_pc(c);
    vk_dispatch *d = vk_plan_add(pl, "conv2d_fwd_naive", 16, 16, 1);
    conv_spec(d, c);
    for (int i = 0; i < 4; i++) vk_bind(d, nd->t[i]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.ow, (uint64_t)pc.oh, (uint64_t)pc.n * pc.oc);
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
