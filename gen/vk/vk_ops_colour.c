/*
 * vk_ops_colour.c - the Vulkan planners of the colour ops (yuv_to_rgb, rgb_to_yuv in
 * gen/gen_ops.h): fold range, matrix and the 2 E' - 1 tensor mapping into one affine map
 * per channel (in double, rounded to float once), pick the shader variant and set the
 * grids. The kernels are shaders/colour_yuv2rgb.comp and shaders/colour_rgb2yuv.comp.
 */
#include "gen/vk/vk_ops.h"

#include "common/vg_error.h"

/* colour_yuv2rgb.comp: spec 3..7 = ROT, SUBX, SUBY, BPS, MASK */
typedef struct pc_yuv2rgb {
    int32_t fw, fh, pw, ph, tw, th;
    uint32_t off[3], stride[3];
    float m[3][4]; /* channel c = m[c] . (code - zero) - 1 */
    float zero[4]; /* per plane */
} pc_yuv2rgb;
_Static_assert(sizeof(pc_yuv2rgb) == 112 && sizeof(pc_yuv2rgb) <= VK_PUSH_BYTES,
               "push constants (std430 layout of the shader's block)");

/* colour_rgb2yuv.comp: spec 3..7 = ROT, SUBX, SUBY, BPS, CHROMA */
typedef struct pc_rgb2yuv {
    int32_t fw, fh, tw, th;
    uint32_t off[3], stride[3];
    int32_t lo0, hi0, lo1, hi1, ntex, pad_;
    float a[3][4]; /* code of plane p = a[p] . rgb + a[p][3] */
} pc_rgb2yuv;
_Static_assert(sizeof(pc_rgb2yuv) == 112 && sizeof(pc_rgb2yuv) <= VK_PUSH_BYTES,
               "push constants (std430 layout of the shader's block)");

static uint32_t div_up(uint64_t a, uint64_t b)
{
    return (uint32_t)((a + b - 1) / b);
}

/* t: rgb, packed */
static void plan_yuv2rgb(vk_plan *pl, const gen_node *nd)
{
    const gen_yuv_desc *y = &nd->yuv;
    gen_tensor rgb = nd->t[0], packed = nd->t[1];
    double fwd[3][3], inv[3][3], zero[3], scale[3];
    gen_yuv_matrix(y->cs, fwd, inv);
    pc_yuv2rgb pc = {y->width, y->height, 0, 0, rgb.w, rgb.h, {0}, {0}, {{0}}, {0}};
    gen_yuv_picture_size(y, nd->rotation, &pc.pw, &pc.ph);
    for (int i = 0; i < 3; i++) {
        int lo, hi;
        gen_yuv_plane_range(y, i, &zero[i], &scale[i], &lo, &hi);
        pc.off[i] = (uint32_t)y->offset[i];
        pc.stride[i] = (uint32_t)y->stride[i];
        pc.zero[i] = (float)zero[i];
    }
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 3; i++) pc.m[c][i] = (float)(2.0 * fwd[c][i] / scale[i]);
    VG_ASSERT(gen_tensor_len(packed) < (1u << 30)); /* byte offsets are uint32 */
    VG_ASSERT(gen_tensor_len(rgb) < (1u << 31));    /* element indices are int32 */

    int img = rgb.w % 4 == 0;
    vk_dispatch *d = vk_plan_add(pl, img ? "colour_yuv2rgb" : "colour_yuv2rgb_ssbo", 8, 8, 1);
    vk_spec(d, (uint32_t)(nd->rotation / 90));
    vk_spec(d, (uint32_t)y->log2_cw);
    vk_spec(d, (uint32_t)y->log2_ch);
    vk_spec(d, (uint32_t)gen_yuv_bps(y));
    vk_spec(d, (1u << y->bits) - 1u);
    vk_bind_as(d, rgb, img ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    vk_bind(d, packed);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, div_up((uint64_t)rgb.w, 4), (uint64_t)rgb.h, 1);
}

/* t: packed, rgb. Two dispatches: plane 0, then planes 1 and 2 (disjoint bytes). */
static void plan_rgb2yuv(vk_plan *pl, const gen_node *nd)
{
    const gen_yuv_desc *y = &nd->yuv;
    gen_tensor packed = nd->t[0], rgb = nd->t[1];
    double fwd[3][3], inv[3][3];
    gen_yuv_matrix(y->cs, fwd, inv);
    int bps = gen_yuv_bps(y);
    pc_rgb2yuv pc = {y->width, y->height, rgb.w, rgb.h};
    for (int i = 0; i < 3; i++) {
        double zero, scale;
        int lo, hi;
        gen_yuv_plane_range(y, i, &zero, &scale, &lo, &hi);
        if (i == 0) pc.lo0 = lo, pc.hi0 = hi;
        if (i == 1) pc.lo1 = lo, pc.hi1 = hi;
        pc.off[i] = (uint32_t)y->offset[i];
        pc.stride[i] = (uint32_t)y->stride[i];
        gen_yuv_code_map(y, i, inv, pc.a[i]);
    }
    pc.ntex = (int32_t)div_up(gen_tensor_len(rgb), 4);
    VG_ASSERT(gen_tensor_len(packed) < (1u << 30));
    VG_ASSERT(gen_tensor_len(rgb) < (1u << 31));

    for (int chroma = 0; chroma <= 1; chroma++) {
        vk_dispatch *d = vk_plan_add(pl, "colour_rgb2yuv", 8, 8, 1);
        vk_spec(d, (uint32_t)(nd->rotation / 90));
        vk_spec(d, chroma ? (uint32_t)y->log2_cw : 0);
        vk_spec(d, chroma ? (uint32_t)y->log2_ch : 0);
        vk_spec(d, (uint32_t)bps);
        vk_spec(d, (uint32_t)chroma);
        vk_bind(d, packed);
        vk_bind_as(d, rgb, VK_BIND_TEXEL_RGBA);
        vk_push(d, &pc, sizeof(pc));
        /* one invocation per word: 4 / bps samples */
        vk_groups(d, div_up((uint64_t)gen_yuv_plane_w(y, chroma) * bps, 4),
                  (uint64_t)gen_yuv_plane_h(y, chroma), 1);
    }
}

void vk_ops_plan_colour(vk_plan *pl, const gen_node *nd)
{
    if (nd->op == GEN_OP_YUV_TO_RGB)
        plan_yuv2rgb(pl, nd);
    else
        plan_rgb2yuv(pl, nd);
}
