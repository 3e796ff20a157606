/*
 * vk_ops_conv.c - the Vulkan planner for conv2d forward and backward: picks the kernel
 * variant for a shape, its scratch, push constants and group counts. The kernels' layout
 * rules (margins, tiles, windows) are mirrored here; the shaders' headers explain them.
 */
#include "gen/vk/vk_ops.h"

#include <stdio.h>

#include <stdlib.h>

#include "common/vg_error.h"

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
static void plan_pad(vk_plan *pl, const gen_conv2d_desc *c, gen_tensor xpad, gen_tensor in, int hp,
                     int wp4)
{
    const int nc = c->n * c->ic, pad = c->pad;
    /* texel columns t whose floats t*4-pad .. t*4+3-pad all lie in [0, iw) */
    int t_lo = (pad + 3) / 4, t_hi = (c->iw + pad - 4) / 4 + 1;
    if (t_hi > wp4) t_hi = wp4;
    pc_conv_pad pc = {nc, c->ih, c->iw, hp, wp4, pad, t_lo, t_hi, 0};
    if (c->iw % 4 || t_hi <= t_lo || c->up2) {
        vk_dispatch *d = vk_plan_add(pl, "conv2d_pad", 8, 8, 1);
        vk_spec(d, (uint32_t)c->pad_mode);
        vk_spec(d, 0);
        vk_spec(d, (uint32_t)c->up2);
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
    int hp = c->ih + 2 * c->pad;
    /* 3x3 stride 2 reads its (texel-aligned) input directly: no padded copy */
    const int direct = c->k == 3 && c->stride == 2 && c->pad == 1 && c->iw % 4 == 0 && c->iw >= 4 &&
                       c->ih >= 2 && !c->up2 && !getenv("VRGEN_CONV_PAD");
    gen_tensor xpad = {0};
    if (direct) {
        hp = c->ih;
        wp4 = c->iw / 4;
    } else {
        xpad = vk_scratch_take(pl, (size_t)c->n * c->ic * hp * wp4 * 4);
        plan_pad(pl, c, xpad, nd->t[1], hp, wp4);
    }

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
    snprintf(name, sizeof(name), "conv2d_fwd_tx%s%s_k%ds%dm%d", direct ? "d" : "",
             img_out ? "i" : "", c->k, c->stride, m);
    d = vk_plan_add(pl, name, lx, 1, 1);
    vk_spec(d, (uint32_t)c->has_bias);
    vk_spec(d, (uint32_t)c->pad_mode);
    pc_conv_tx pc = {c->n, c->ic, hp, wp4, c->oc, oh, ow, nob};
    vk_bind_as(d, nd->t[0], img_out ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    if (direct)
        vk_bind_as(d, nd->t[1], VK_BIND_TEXEL_RGBA);
    else
        vk_bind_scratch_as(d, xpad, VK_BIND_TEXEL_RGBA);
    vk_bind_scratch_as(d, wpk, VK_BIND_TEXEL_RGBA);
    vk_bind(d, nd->t[3]);
    vk_push(d, &pc, sizeof(pc));
    d->groups[0] = (uint32_t)ntx;
    d->groups[1] = (uint32_t)(c->n * nob);
    d->groups[2] = (uint32_t)oh;
    VG_ASSERT(oh <= 65535 && c->n * nob <= 65535);
}

/*
 * Backward. Gradient rule (gen_ops.h): dw and db accumulate (+=); din is written with the
 * node's acc flag (0: =, 1: +=). Scratch, fresh per node: dout framed by zeros, the packed
 * weights and the border gradient (din); the padded edge windows of the input (or the
 * whole padded input when iw % 4 != 0) and the partial sums (dw). No kernel zeroes a
 * tensor of the program; every sum runs in a fixed order, so results are deterministic.
 *
 * din (conv2d_bwd_data.comp): the gradient with respect to the padded input is the
 * correlation of dout with the flipped, transposed weights, a register-tiled texel kernel
 * like the forward's (16 input channels x 8 columns per invocation). It writes image
 * pixels straight into din; in the reflect, replicate and circular modes it also computes
 * the border rows and columns into scratch, which conv2d_bwd_fold.comp adds to the pixels
 * they were read from. Stride 2 multiplies only the taps whose parity matches the column
 * (no zeros inserted). dw (conv2d_bwd_weight.comp): lanes over (input channel, kernel
 * rows), 16 output channels x 3 rows x 3 taps per invocation for 3x3, dout fetched once
 * per 4 positions for all lanes; partial sums per chunk of rows, added by
 * conv2d_bwd_wsum.comp. db: conv2d_bwd_bias.comp.
 * At most 8 dispatches (VK_MAX_DISPATCH): 3 for dw, 1 for db, 4 for din.
 */

/* conv2d_bwd_pad.comp */
typedef struct pc_bwd_pad {
    int32_t nc, sh, sw, dh, dw4, t, l, vw, split, jump;
} pc_bwd_pad;
_Static_assert(sizeof(pc_bwd_pad) <= VK_PUSH_BYTES, "push constants");

/* conv2d_bwd_pack.comp */
typedef struct pc_bwd_pack {
    int32_t ic, oc, nib;
} pc_bwd_pack;
_Static_assert(sizeof(pc_bwd_pack) <= VK_PUSH_BYTES, "push constants");

/* conv2d_bwd_data.comp */
typedef struct pc_bwd_data {
    int32_t ic, oc, ih, iw, pad, hp, ws4, oh, dh, dw4, nib, cl;
    int32_t tiles, tin0, tins, gmain, gbrow, tpb, ncolt;
} pc_bwd_data;
_Static_assert(sizeof(pc_bwd_data) <= VK_PUSH_BYTES, "push constants");

/* conv2d_bwd_fold.comp */
typedef struct pc_bwd_fold {
    int32_t nc, ih, iw, hp, ws4, pad, cl, ntexw, nr, tl, tr0, nedge;
} pc_bwd_fold;
_Static_assert(sizeof(pc_bwd_fold) <= VK_PUSH_BYTES, "push constants");

/* conv2d_bwd_weight.comp */
typedef struct pc_bwd_weight {
    int32_t ic, oc, oh, ow, hp, wp4, ntx, rows, nchunk, ih, iw, pad, xa, xb, nedge, we4, wsk;
} pc_bwd_weight;
_Static_assert(sizeof(pc_bwd_weight) <= VK_PUSH_BYTES, "push constants");

/* conv2d_bwd_wsum.comp */
typedef struct pc_bwd_wsum {
    int32_t ic, oc, nunits, np;
} pc_bwd_wsum;
_Static_assert(sizeof(pc_bwd_wsum) <= VK_PUSH_BYTES, "push constants");

/* conv2d_bwd_bias.comp */
typedef struct pc_bwd_bias {
    int32_t n, oc, hw;
} pc_bwd_bias;
_Static_assert(sizeof(pc_bwd_bias) <= VK_PUSH_BYTES, "push constants");

static int div_floor(int a, int b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int div_ceil(int a, int b)
{
    return -div_floor(-a, b);
}

/*
 * Copies src (nc, sh, sw) into dst (nc, dh rows, dw4 texels) with a top margin t and a left
 * margin l, the padding map of `mode` outside the image and zeros from column vw on.
 */
static void plan_frame(vk_plan *pl, gen_tensor dst, gen_tensor src, gen_pad_mode mode,
                       pc_bwd_pad pc)
{
    vk_dispatch *d = vk_plan_add(pl, "conv2d_bwd_pad", 8, 8, 1);
    vk_spec(d, (uint32_t)mode);
    vk_spec(d, pc.sw % 4 == 0);
    vk_spec(d, (uint32_t)((4 - pc.l % 4) % 4));
    vk_bind_scratch_as(d, dst, VK_BIND_IMAGE_RGBA);
    vk_bind_as(d, src, VK_BIND_TEXEL_R);
    vk_bind_as(d, src, VK_BIND_TEXEL_RGBA);
    vk_push(d, &pc, sizeof(pc));
    vk_groups(d, (uint64_t)pc.dw4, (uint64_t)pc.dh, (uint64_t)pc.nc);
}

/* din (n, ic, ih, iw) (acc) from dout (n, oc, oh, ow) and w (oc, ic, k, k). */
static void plan_bwd_data(vk_plan *pl, const gen_conv2d_desc *c, gen_tensor din, gen_tensor dout,
                          gen_tensor w, int acc)
{
    const int k = c->k, s = c->stride, pad = c->pad;
    const int oh = gen_conv2d_oh(c), ow = gen_conv2d_ow(c);
    const int hp = c->ih + 2 * pad;
    /* input channels x columns per invocation: 16 x 8 reuses each fetch for the most
     * multiply-adds (on lavapipe 16 x 8 takes 0.7 of the time of 8 x 4); fewer channels
     * when there are fewer (stride 2 has 4 and 16 only, see shaders/CMakeLists.txt) */
    const int m = c->ic <= 4 ? 4 : c->ic <= 8 && s == 1 ? 8 : 16;
    const int nib = (c->ic + m - 1) / m;
    const int j = 8;
    /* tiles of j columns c = j t - cl .. j t - cl + j - 1 (c = px - pad). Zero padding drops
     * the border gradient: the image columns and rows only; otherwise also the border rows
     * and the cl = pad rounded up to 4 border columns on the left, pad on the right. Tiles
     * tin0 .. tin0 + tins - 1 lie inside the image; the edge tiles around them share their
     * columns between the image and the border. */
    const int border = c->pad_mode != GEN_PAD_ZERO && pad > 0;
    const int cl = border ? 4 * div_ceil(pad, 4) : 0;
    const int tiles = div_ceil(cl + c->iw + (border ? pad : 0), j);
    const int tin0 = div_ceil(cl, j);
    const int tins = (c->iw + cl) / j > tin0 ? (c->iw + cl) / j - tin0 : 0;
    const int ws4 = tiles * j / 4;
    const uint32_t lx = tx_lanes(pl);
    const int rb = div_ceil(div_ceil(c->ih, s), (int)lx); /* row blocks of the image */
    const int tpb = div_ceil(tiles, (int)lx);             /* tile blocks of a border row */
    const int gmain = tins * rb, gbrow = border ? 2 * pad * tpb : 0;
    const int ncolt = tiles - tins;
    const int groups = gmain + gbrow + rb * ncolt;
    /* dout framed by zeros: td rows on top, ld floats on the left, so that the window of
     * tile t starts at texel t j / 4 (stride 1) or t j / 8 (stride 2): the shader's V0 */
    const int podd = s == 2 ? pad % 2 : 0;
    int td, ld, nt;
    if (s == 1) {
        const int a = (k + 2) / 4;
        td = k - 1;
        ld = 4 * a + cl - pad;
        nt = a + j / 4;
    } else {
        int b = 0; /* the shader's B: the smallest with V0 + floor((podd - (k-1)) / 2) >= 0 */
        while (4 * b - podd + div_floor(podd - (k - 1), 2) < 0) b++;
        td = k / 2;
        ld = 4 * b - (pad + 1) / 2 + cl / 2;
        nt = b + j / 8;
    }
    VG_ASSERT(ld >= 0);
    const int dh = (hp - 1) / s + td + 1;
    const int dw4 = tiles * (s == 1 ? j / 4 : j / 8) + nt - 1;

    gen_tensor frame = vk_scratch_take(pl, (size_t)c->n * c->oc * dh * dw4 * 4);
    pc_bwd_pad pf = {c->n * c->oc, oh, ow, dh, dw4, td, ld, dw4 * 4, dw4, 0};
    plan_frame(pl, frame, dout, GEN_PAD_ZERO, pf);

    vk_dispatch *d = vk_plan_add(pl, "conv2d_bwd_pack", 256, 1, 1);
    vk_spec(d, (uint32_t)k);
    vk_spec(d, (uint32_t)m);
    pc_bwd_pack pk = {c->ic, c->oc, nib};
    gen_tensor wpk = vk_bind_scratch(pl, d, (size_t)nib * c->oc * k * k * m);
    vk_bind(d, w);
    vk_push(d, &pk, sizeof(pk));
    vk_groups_1d(d, (uint64_t)wpk.w);

    char name[40];
    if (s == 1)
        snprintf(name, sizeof(name), "conv2d_bwd_data_k%ds1m%d", k, m);
    else
        snprintf(name, sizeof(name), "conv2d_bwd_data_k%ds2m%dp%d", k, m, podd);
    const int img = c->iw % 4 == 0;
    d = vk_plan_add(pl, name, lx, 1, 1);
    vk_spec(d, (uint32_t)acc);
    vk_spec(d, (uint32_t)img);
    vk_spec(d, (uint32_t)border);
    gen_tensor bpad = vk_scratch_take(pl, border ? (size_t)c->n * c->ic * hp * ws4 * 4 : 4);
    pc_bwd_data pd = {c->ic, c->oc, c->ih, c->iw, pad,  hp,    ws4,   oh,  dh,   dw4,
                      nib,   cl,    tiles, tin0,  tins, gmain, gbrow, tpb, ncolt};
    vk_bind_as(d, din, VK_BIND_IMAGE_RGBA);
    vk_bind(d, din);
    vk_bind_scratch_as(d, bpad, VK_BIND_IMAGE_RGBA);
    vk_bind_scratch_as(d, frame, VK_BIND_TEXEL_RGBA);
    vk_bind_scratch_as(d, wpk, VK_BIND_TEXEL_RGBA);
    vk_push(d, &pd, sizeof(pd));
    d->groups[0] = (uint32_t)groups;
    d->groups[1] = 1;
    d->groups[2] = (uint32_t)(c->n * nib * s);
    VG_ASSERT(groups <= 65535 && c->n * nib * s <= 65535);
    if (!border) return;

    /* the border gradient, added to the texels within pad of an edge */
    const int ntexw = (c->iw + 3) / 4;
    const int nre = c->ih < 2 * (pad + 1) ? c->ih : 2 * (pad + 1);
    const int tl = ntexw < pad / 4 + 1 ? ntexw : pad / 4 + 1;
    int tr0 = div_ceil(c->iw - 4 - pad, 4);
    if (tr0 < tl) tr0 = tl;
    const int nedge = nre * ntexw + (c->ih - nre) * (tl + ntexw - tr0);
    d = vk_plan_add(pl, img ? "conv2d_bwd_foldi" : "conv2d_bwd_fold", 64, 1, 1);
    vk_spec(d, (uint32_t)c->pad_mode);
    pc_bwd_fold pfo = {c->n * c->ic, c->ih, c->iw, hp, ws4, pad, cl, ntexw, nre, tl, tr0, nedge};
    vk_bind_as(d, din, img ? VK_BIND_IMAGE_RGBA : VK_BIND_SSBO);
    vk_bind_scratch_as(d, bpad, VK_BIND_TEXEL_R);
    vk_bind_scratch_as(d, bpad, VK_BIND_TEXEL_RGBA);
    vk_push(d, &pfo, sizeof(pfo));
    vk_groups(d, (uint64_t)nedge, 1, (uint64_t)c->n * c->ic);
}

/* dw (oc, ic, k, k) += from dout (n, oc, oh, ow) and in (n, ic, ih, iw). */
static void plan_bwd_weight(vk_plan *pl, const gen_conv2d_desc *c, gen_tensor dw, gen_tensor dout,
                            gen_tensor in)
{
    const int k = c->k, s = c->stride, pad = c->pad;
    const int oh = gen_conv2d_oh(c), ow = gen_conv2d_ow(c);
    const int hp = c->ih + 2 * pad;
    /* output channels x kernel rows x k taps per invocation: the most that still compile
     * to a fast kernel (conv2d_bwd_weight.comp, shaders/CMakeLists.txt), fewer channels when
     * there are fewer */
    const int mo = c->oc <= 4 ? 4 : c->oc <= 8 || k > 3 ? 8 : 16;
    const int ky = k <= 4 ? k : k % 3 == 0 && mo == 4 ? 3 : 1;
    const int nob = (c->oc + mo - 1) / mo;
    const int kp4 = (k + 3) / 4;
    const int ntx = (ow + 3) / 4; /* steps of 4 positions per row */
    const int nt = (3 * s + k + 3) / 4;
    /* rows of whole texels: read the input itself with aligned fetches for the steps
     * xa .. xb, whose window lies inside the row, and pad only the windows of the other
     * (edge) steps into scratch: the left ones, then the right ones (we4 texels a row).
     * Otherwise pad the whole input into scratch first. */
    const int direct = c->iw % 4 == 0;
    const int shx = (4 - pad % 4) % 4;
    int xa = 0, xb = ntx - 1, wl = 0, we4 = 0;
    int wp4 = (ntx - 1) * s + nt;
    if (wp4 * 4 < c->iw + 2 * pad) wp4 = (c->iw + 2 * pad + 3) / 4;
    if (direct) {
        xa = div_ceil(pad + shx, 4 * s);
        if (xa > ntx) xa = ntx;
        xb = div_floor(c->iw / 4 - 1 - nt + (shx + 3 * s + k <= 4 * nt) + (pad + shx) / 4, s);
        if (xb > ntx - 1) xb = ntx - 1;
        if (xb < xa - 1) xb = xa - 1;
        wl = xa > 0 ? (xa - 1) * s + nt : 0;
        we4 = wl + (xb < ntx - 1 ? (ntx - 2 - xb) * s + nt : 0);
    }
    const int nedge = ntx - (xb - xa + 1);
    gen_tensor xpad = {0};
    if (!direct || we4 > 0) {
        const int w4 = direct ? we4 : wp4;
        xpad = vk_scratch_take(pl, (size_t)c->n * c->ic * hp * w4 * 4);
        pc_bwd_pad pf = {c->n * c->ic,
                         c->ih,
                         c->iw,
                         hp,
                         w4,
                         pad,
                         pad,
                         c->iw + 2 * pad,
                         direct ? wl : w4,
                         direct ? (xb + 1) * s - wl : 0};
        plan_frame(pl, xpad, in, c->pad_mode, pf);
    }

    /* lanes over units (i, ky); split the rows into chunks until there are enough groups
     * to fill the device; every chunk adds one partial per weight */
    const int nu = c->ic * (k / ky);
    uint32_t lx = tx_lanes(pl);
    while (lx > 8 && (int)lx / 2 >= nu) lx /= 2;
    const int gx = div_ceil(nu, (int)lx);
    const int want = pl->ctx->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? 64 : 4096;
    int nchunk = div_ceil(want, gx * nob * c->n);
    if (nchunk > oh) nchunk = oh;
    const int rows = div_ceil(oh, nchunk);
    nchunk = div_ceil(oh, rows);
    const int np = c->n * nchunk;
    const int nunits = nob * c->ic * k;

    char name[40];
    snprintf(name, sizeof(name), "conv2d_bwd_weight_k%ds%dm%d", k, s, mo);
    vk_dispatch *d = vk_plan_add(pl, name, lx, 1, 1);
    vk_spec(d, ow % 4 != 0);
    vk_spec(d, (uint32_t)direct);
    vk_spec(d, (uint32_t)c->pad_mode);
    vk_spec(d, (uint32_t)shx);
    gen_tensor part = vk_scratch_take(pl, (size_t)np * nunits * mo * kp4 * 4);
    vk_bind_scratch_as(d, part, VK_BIND_IMAGE_RGBA);
    pc_bwd_weight pw = {c->ic, c->oc, oh,  ow, hp, wp4,   ntx, rows,       nchunk,
                        c->ih, c->iw, pad, xa, xb, nedge, we4, wl - xa * s};
    vk_bind_as(d, dout, VK_BIND_TEXEL_RGBA);
    vk_bind_as(d, dout, VK_BIND_TEXEL_R);
    if (direct)
        vk_bind_as(d, in, VK_BIND_TEXEL_RGBA);
    else
        vk_bind_scratch_as(d, xpad, VK_BIND_TEXEL_RGBA);
    if (xpad.w && direct)
        vk_bind_scratch_as(d, xpad, VK_BIND_TEXEL_RGBA);
    else
        vk_bind_as(d, in, VK_BIND_TEXEL_RGBA); /* unread */
    vk_push(d, &pw, sizeof(pw));
    d->groups[0] = (uint32_t)gx;
    d->groups[1] = (uint32_t)np;
    d->groups[2] = (uint32_t)nob;
    VG_ASSERT(gx <= 65535 && np <= 65535 && nob <= 65535);

    d = vk_plan_add(pl, "conv2d_bwd_wsum", 64, 1, 1);
    vk_spec(d, (uint32_t)k);
    vk_spec(d, (uint32_t)mo);
    pc_bwd_wsum ps = {c->ic, c->oc, nunits, np};
    vk_bind(d, dw);
    vk_bind_scratch_as(d, part, VK_BIND_TEXEL_RGBA);
    vk_push(d, &ps, sizeof(ps));
    vk_groups_1d(d, (uint64_t)nunits * mo * kp4);
}

/* db (oc) += the sums of dout (n, oc, oh, ow) over positions. */
static void plan_bwd_bias(vk_plan *pl, const gen_conv2d_desc *c, gen_tensor db, gen_tensor dout)
{
    const int hw = gen_conv2d_oh(c) * gen_conv2d_ow(c);
    vk_dispatch *d = vk_plan_add(pl, "conv2d_bwd_bias", tx_lanes(pl), 1, 1);
    vk_spec(d, hw % 4 == 0);
    pc_bwd_bias pb = {c->n, c->oc, hw};
    vk_bind(d, db);
    vk_bind_as(d, dout, VK_BIND_TEXEL_R);
    vk_bind_as(d, dout, VK_BIND_TEXEL_RGBA);
    vk_push(d, &pb, sizeof(pb));
    d->groups[0] = (uint32_t)c->oc;
    d->groups[1] = d->groups[2] = 1;
}

/* t: din, dw, db, dout, in, w */
static void plan_bwd(vk_plan *pl, const gen_node *nd)
{
    const gen_conv2d_desc *c = &nd->conv;
    const gen_tensor *t = nd->t;
    if (t[1].buf) plan_bwd_weight(pl, c, t[1], t[3], t[4]);
    if (t[2].buf) plan_bwd_bias(pl, c, t[2], t[3]);
    if (t[0].buf) plan_bwd_data(pl, c, t[0], t[3], t[5], nd->acc);
}

void vk_ops_plan_conv(vk_plan *pl, const gen_node *nd)
{
    if (nd->op == GEN_OP_CONV2D_FWD)
        plan_fwd(pl, nd);
    else
        plan_bwd(pl, nd);
}
