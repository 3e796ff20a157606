/*
 * vk_ops.c - the Vulkan planners of the elementwise and small ops: for each node, the
 * shader variants, push constants (each with its C mirror struct next to it), bindings and
 * group counts. Convolution has its own file (vk_ops_conv.c).
 */
#include "gen/vk/vk_ops.h"

#include <string.h>

#include "common/vg_error.h"

void vk_ops_plan_conv(vk_plan *pl, const gen_node *nd); /* vk_ops_conv.c */

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
    vk_dispatch *d = vk_plan_add(pl, "fill", 256, 1, 1);
    pc_fill pc = {(uint32_t)gen_tensor_len(y), v};
    vk_bind(d, y);
    vk_push(d, &pc, sizeof(pc));
    vk_groups_1d(d, pc.len);
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

void vk_ops_plan(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t;
    switch (nd->op) {
    case GEN_OP_CONV2D_FWD:
    case GEN_OP_CONV2D_BWD: vk_ops_plan_conv(pl, nd); break;
    case GEN_OP_FILL: plan_fill(pl, t[0], nd->value); break;
    case GEN_OP_AXPBY: plan_axpby(pl, t[0], nd->alpha, t[1], nd->beta); break;
    default: VG_ASSERT(!"op not planned for Vulkan");
    }
}
