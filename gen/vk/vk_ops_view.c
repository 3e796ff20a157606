/*
 * vk_ops_view.c - the Vulkan planner of view_render (gen_ops.h), the OpenXR viewer's
 * per-eye renderer: one dispatch of shaders/view_render.comp, one invocation per output
 * pixel. The layout is a specialization constant; the view itself (pose, fov, screen,
 * room colour) is bound as a buffer (an RGBA32F texel view: see the shader) and never
 * pushed, because the host rewrites it between replays of the recorded command buffer.
 * Push constants hold only the fixed sizes.
 */
#include "gen/vk/vk_ops.h"

#include "common/vg_error.h"

/* view_render.comp: grid (x, y) of 8x8 groups; spec 3 = LAYOUT */
typedef struct pc_view_render {
    int32_t w, h, sw, sh; /* output and source sizes */
} pc_view_render;
_Static_assert(sizeof(pc_view_render) <= VK_PUSH_BYTES, "push constants");

/* t: out, src, params */
void vk_ops_plan_view(vk_plan *pl, const gen_node *nd)
{
    gen_tensor out = nd->t[0], src = nd->t[1], params = nd->t[2];
    VG_ASSERT(nd->op == GEN_OP_VIEW_RENDER);
    VG_ASSERT(gen_tensor_len(src) < (1u << 31)); /* texel indices are int32 */
    VG_ASSERT(gen_tensor_len(out) < (1u << 31));
    VG_ASSERT(gen_tensor_len(params) == GEN_VIEW_PARAMS_LEN);
    pc_view_render pc = {out.w, out.h, src.w, src.h};
    vk_dispatch *d = vk_plan_add(pl, "view_render", 8, 8, 1);
    vk_spec(d, (uint32_t)nd->mode);
    vk_bind(d, out);
    vk_bind_as(d, src, VK_BIND_TEXEL_R);
    vk_bind_as(d, params, VK_BIND_TEXEL_RGBA); /* same texels in every lane: broadcast */
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)out.w, (uint64_t)out.h, 1);
}
