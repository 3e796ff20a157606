/*
 * vk_ops_conv.c - the Vulkan planner for conv2d forward and backward: picks the kernel
 * variant for a shape and sets its push constants and group counts.
 */
#include "gen/vk/vk_ops.h"

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

static void plan_fwd(vk_plan *pl, const gen_node *nd)
{
    const gen_conv2d_desc *c = &nd->conv;
    pc_conv pc = conv_pc(c);
    vk_dispatch *d = vk_plan_add(pl, "conv2d_fwd_naive", 16, 16, 1);
    conv_spec(d, c);
    for (int i = 0; i < 4; i++) vk_bind(d, nd->t[i]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.ow, (uint64_t)pc.oh, (uint64_t)pc.n * pc.oc);
}

void vk_ops_plan_conv(vk_plan *pl, const gen_node *nd)
{
    if (nd->op == GEN_OP_CONV2D_FWD)
        plan_fwd(pl, nd);
    else
        VG_ASSERT(!"conv backward not planned yet");
}
