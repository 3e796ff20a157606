/*
 * vk_ops_tile.c - the Vulkan planners of the tiled-inference ops (gen_ops.h): instance
 * norm with given statistics, shifted moments of a rectangle, windows (tile extraction and
 * box downscale) and feathered tile blending. Push-constant mirrors sit next to their
 * dispatch code. Inference only: these ops have no backward.
 */
#include "gen/vk/vk_ops.h"

#include "common/vg_error.h"

#define TILE_WG 256 /* 1D work groups (a multiple of 16 for common/reduce.glsl) */

static uint32_t u32(size_t v)
{
    VG_ASSERT(v < (1u << 31));
    return (uint32_t)v;
}

/* instnorm_apply.comp: grid (items of a plane, plane), x capped with a grid stride */
typedef struct pc_instnorm_apply {
    uint32_t hw, c;
} pc_instnorm_apply;
_Static_assert(sizeof(pc_instnorm_apply) <= VK_PUSH_BYTES, "push constants");

static void plan_instnorm_apply(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t; /* out, stats, in, gamma, beta */
    gen_tensor in = t[2];
    pc_instnorm_apply pc = {u32((size_t)in.h * in.w), (uint32_t)in.c};
    u32(gen_tensor_len(in));
    int tx = pc.hw % 4 == 0;
    vk_dispatch *d = vk_plan_add(pl, tx ? "instnorm_apply_tx" : "instnorm_apply", TILE_WG, 1, 1);
    vk_bind_as(d, t[0], tx ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    vk_bind_as(d, in, tx ? VK_BIND_TEXEL_RGBA : VK_BIND_SSBO);
    vk_bind(d, t[1]);
    vk_bind(d, t[3]);
    vk_bind(d, t[4]);
    vk_push(d, &pc, sizeof(pc));
    size_t items = tx ? pc.hw / 4 : pc.hw, gx = (items + TILE_WG - 1) / TILE_WG;
    if (gx > 64) gx = 64; /* 64 groups x planes keep every core busy; the rest loops */
    vk_groups(d, gx * TILE_WG, (uint64_t)in.n * in.c, 1);
}

/* moments.comp (PASS_PARTIAL, PASS_MERGE): scratch part (np, nchunk) vec2 */
typedef struct pc_moments {
    uint32_t w, h, x0, y0, rw, rh, rows, nchunk;
} pc_moments;
_Static_assert(sizeof(pc_moments) <= VK_PUSH_BYTES, "push constants");

/*
 * The rectangle's rows are split into nchunk chunks of `rows` rows, one work group each:
 * about 16384 elements per chunk, more chunks while fewer than 128 groups run, at most
 * TILE_WG (the merge gives one partial to each invocation).
 */
static void plan_moments(vk_plan *pl, const gen_node *nd)
{
    const gen_tensor *t = nd->t; /* acc, in, stats */
    gen_tensor in = t[1];
    const int *r = nd->rect;
    size_t planes = (size_t)in.n * in.c, rw = (size_t)(r[2] - r[0]), rh = (size_t)(r[3] - r[1]);
    u32(gen_tensor_len(in));
    size_t nc = (rw * rh + 16383) / 16384, want = (128 + planes - 1) / planes;
    if (nc < want) nc = want;
    if (nc > TILE_WG) nc = TILE_WG;
    if (nc > rh) nc = rh;
    size_t rows = (rh + nc - 1) / nc;
    nc = (rh + rows - 1) / rows; /* every chunk non-empty */
    pc_moments pc = {(uint32_t)in.w, (uint32_t)in.h, (uint32_t)r[0], (uint32_t)r[1],
                     (uint32_t)rw,   (uint32_t)rh,   (uint32_t)rows, (uint32_t)nc};

    vk_dispatch *d = vk_plan_add(pl, "moments_partial", TILE_WG, 1, 1);
    gen_tensor part = vk_bind_scratch(pl, d, planes * nc * 2);
    vk_bind_as(d, in, VK_BIND_TEXEL_R);
    vk_bind(d, t[2]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, nc * TILE_WG, planes, 1);

    d = vk_plan_add(pl, "moments_merge", TILE_WG, 1, 1);
    vk_bind_scratch_view(d, part);
    vk_bind(d, t[0]);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, TILE_WG, planes, 1);
}

/* window.comp: grid (x, y, plane) of 8x8 groups */
typedef struct pc_window {
    int32_t ih, iw, oh, ow, x0, y0, f, mode;
    float scale;
} pc_window;
_Static_assert(sizeof(pc_window) <= VK_PUSH_BYTES, "push constants");

static void plan_window(vk_plan *pl, const gen_node *nd)
{
    gen_tensor out = nd->t[0], in = nd->t[1];
    u32(gen_tensor_len(in));
    u32(gen_tensor_len(out));
    pc_window pc = {in.h,  in.w,        out.h,
                    out.w, nd->rect[0], nd->rect[1],
                    nd->k, nd->mode,    (float)(1.0 / ((double)nd->k * nd->k))};
    vk_dispatch *d = vk_plan_add(pl, "window", 8, 8, 1);
    vk_bind(d, out);
    vk_bind_as(d, in, VK_BIND_TEXEL_R);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)out.w, (uint64_t)out.h, (uint64_t)out.n * out.c);
}

/* tile_blend.comp: grid (tile texel column, tile row, plane) of 8x8 groups */
typedef struct pc_tile_blend {
    int32_t H, W, th, tw, ox, oy, x0, y0, x1, y1, band, wrap;
} pc_tile_blend;
_Static_assert(sizeof(pc_tile_blend) <= VK_PUSH_BYTES, "push constants");

static void plan_tile_blend(vk_plan *pl, const gen_node *nd)
{
    gen_tensor out = nd->t[0], tile = nd->t[1];
    const gen_blend_desc *b = &nd->blend;
    u32(gen_tensor_len(out));
    u32(gen_tensor_len(tile));
    /* a wrapped tile must not reach one frame texel twice with a nonzero weight */
    if (b->wrap_x) VG_ASSERT(b->x1 - b->x0 + b->band <= out.w);
    pc_tile_blend pc = {out.h, out.w, tile.h, tile.w, b->ox,   b->oy,
                        b->x0, b->y0, b->x1,  b->y1,  b->band, b->wrap_x != 0};
    vk_dispatch *d = vk_plan_add(pl, "tile_blend", 8, 8, 1);
    vk_bind_as(d, out, VK_BIND_IMAGE_RGBA);
    vk_bind_as(d, tile, VK_BIND_TEXEL_RGBA);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)tile.w / 4, (uint64_t)tile.h, (uint64_t)out.n * out.c);
}

void vk_ops_plan_tile(vk_plan *pl, const gen_node *nd)
{
    switch (nd->op) {
    case GEN_OP_INSTNORM_APPLY:
        plan_instnorm_apply(pl, nd);
        break;
    case GEN_OP_MOMENTS_ACC:
        plan_moments(pl, nd);
        break;
    case GEN_OP_WINDOW:
        plan_window(pl, nd);
        break;
    case GEN_OP_TILE_BLEND:
        plan_tile_blend(pl, nd);
        break;
    default:
        VG_ASSERT(!"not a tiling op");
    }
}
