/*
 * gen_ops.h - the op set of the compute engine: descriptors and exact semantics.
 *
 * Every backend (the plain-C reference, Vulkan, the fast CPU backend) implements exactly
 * these ops with exactly these semantics; tests hold them to it. This header holds only
 * plain descriptors and shape helpers, no backend code.
 *
 * Conventions for every op:
 * - Tensors are fp32, NCHW, densely packed: element (n, c, y, x) is at
 *   ((n * C + c) * H + y) * W + x.
 * - Gradient rule (llm.c): parameter gradients (dw, db, dgamma, dbeta) always accumulate
 *   (+=). Activation gradients (din, da, db of elementwise ops, dx of losses) are written
 *   with the op's `acc` flag: acc == 0 overwrites (=), acc == 1 adds (+=), for places where
 *   branches join (residual skips, several losses on one tensor).
 * - Losses write their value to a 1-element tensor (overwrite) in forward, and in backward
 *   write `scale * dL/dx` into dx (with acc), where scale carries the loss weight and the
 *   upstream gradient.
 */
#ifndef GEN_OPS_H
#define GEN_OPS_H

#include <stddef.h>
#include <stdint.h>

/* How a convolution reads outside the image. */
typedef enum gen_pad_mode {
    GEN_PAD_ZERO = 0,       /* zeros outside */
    GEN_PAD_REFLECT = 1,    /* mirror without repeating the edge: -1 -> 1 (PyTorch "reflect") */
    GEN_PAD_REPLICATE = 2,  /* clamp to the edge: -1 -> 0 */
    GEN_PAD_CIRCULAR_X = 3, /* wrap around along x (360 content), reflect along y */
    GEN_PAD_COUNT
} gen_pad_mode;

/*
 * conv2d: out[n,o,y,x] = b[o] + sum_{i,ky,kx} w[o,i,ky,kx] * in[n,i, y*s+ky-pad, x*s+kx-pad]
 * where an index outside the image is mapped by pad_mode (see gen_pad_index()).
 *   in:  (n, ic, ih, iw)    w: (oc, ic, k, k)    b: (oc) or none
 *   out: (n, oc, oh, ow)    oh = (ih + 2*pad - k) / stride + 1, same for ow
 * k is 1..9, stride 1 or 2, pad 0..k-1 (usually k/2).
 */
typedef struct gen_conv2d_desc {
    int n, ic, ih, iw;
    int oc, k, stride, pad;
    gen_pad_mode pad_mode;
    int has_bias;
    /* forward only: the input tensor is (n, ic, ih/2, iw/2) and the convolution sees it
     * upsampled 2x by nearest neighbour (ih, iw even): in[y][x] reads stored[y/2][x/2].
     * An inference graph fuses a nearest upsampling into the convolution after it this
     * way, so the upsampled activation is never stored. */
    int up2;
} gen_conv2d_desc;

static inline int gen_conv2d_oh(const gen_conv2d_desc *d)
{
    return (d->ih + 2 * d->pad - d->k) / d->stride + 1;
}
static inline int gen_conv2d_ow(const gen_conv2d_desc *d)
{
    return (d->iw + 2 * d->pad - d->k) / d->stride + 1;
}

/*
 * Maps a possibly out-of-range index i along an axis of size n to a source index for the
 * reflect and replicate modes, or returns -1 for zero padding. Reflect is defined for any
 * n >= 1 by repeated mirroring (n == 1 maps everything to 0); circular wraps modulo n.
 */
static inline int gen_pad_reflect(int i, int n)
{
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}
static inline int gen_pad_index(int i, int n, gen_pad_mode mode, int along_x)
{
    if (i >= 0 && i < n) return i;
    switch (mode) {
    case GEN_PAD_ZERO:
        return -1;
    case GEN_PAD_REPLICATE:
        return i < 0 ? 0 : n - 1;
    case GEN_PAD_CIRCULAR_X:
        if (along_x) return ((i % n) + n) % n;
        return gen_pad_reflect(i, n);
    case GEN_PAD_REFLECT:
    default:
        return gen_pad_reflect(i, n);
    }
}

/* 2x upsampling: out (n, c, 2h, 2w). Bilinear uses align_corners = false (PyTorch
 * nn.Upsample(scale_factor=2, mode="bilinear") default): source coordinate
 * (dst + 0.5) / 2 - 0.5, clamped to >= 0, neighbours clamped to the edge. */
typedef enum gen_upsample_mode {
    GEN_UPSAMPLE_NEAREST = 0,
    GEN_UPSAMPLE_BILINEAR = 1
} gen_upsample_mode;

/* Pointwise activations. leaky_relu uses slope `alpha` for x < 0. */
typedef enum gen_act {
    GEN_ACT_RELU = 0,
    GEN_ACT_LEAKY_RELU = 1,
    GEN_ACT_TANH = 2,
    GEN_ACT_SIGMOID = 3,
    GEN_ACT_COUNT
} gen_act;

/* Instance norm over H*W per (n, c): y = (x - mean) * rstd * gamma[c] + beta[c],
 * var biased (divide by H*W), rstd = 1 / sqrt(var + eps). eps is GEN_IN_EPS.
 * Forward also writes stats (n, c, 2) = {mean, rstd} for the backward. */
#define GEN_IN_EPS 1e-5f

/*
 * Tiled inference (gen/gen_tile.h) splits instance norm into its two halves so that the
 * statistics can come from the whole frame while the activations come from one tile:
 *
 * instnorm_apply: y = (x - mean) * rstd * gamma[c] + beta[c] with {mean, rstd} =
 *   stats (n, c, 2) given (read only), as gen_instnorm_forward would have written them.
 *
 * moments_accumulate: for each (n, c), over the rectangle x0 <= x < x1, y0 <= y < y1 of
 *   the plane (0 <= x0 < x1 <= w, 0 <= y0 < y1 <= h), shifted by m = stats[n, c, 0]:
 *     acc[n, c, 0] += sum (x - m)      acc[n, c, 1] += sum (x - m)^2
 *   The shift is the current estimate of the mean, so var = S2/N - (S1/N)^2 does not cancel
 *   (raw sums of squares would lose every digit when |mean| >> std). Backends sum in float
 *   within one call; callers combine calls (tiles) in double.
 *
 * window: out (n, c, oh, ow) from in (n, c, ih, iw), a box filter of f x f (1 <= f <= 16):
 *     out[n, c, y, x] = 1/f^2 sum_{0 <= dy, dx < f} in[n, c, Y(y0 + f y + dy), X(x0 + f x + dx)]
 *   with Y(i) = gen_pad_index(i, ih, pad_mode, 0), X(i) = gen_pad_index(i, iw, pad_mode, 1)
 *   (zero padding reads 0). f = 1 is a crop that may reach outside the picture (a tile with
 *   its context; GEN_PAD_CIRCULAR_X takes 360 context from the other side), f > 1 a box
 *   downscale. x0, y0 may be negative.
 */

/*
 * tile_blend: adds a tile's output, feathered, into the frame: out (n, c, H, W) += w * tile
 * (n, c, th, tw). Tile pixel (tx, ty) lies at frame position u = ox + tx, v = oy + ty (with
 * wrap_x, u is taken modulo W; otherwise pixels outside the frame are skipped) and has the
 * weight w = ramp(u - x0) ramp(x1 - 1 - u) ramp(v - y0) ramp(y1 - 1 - v), where
 *   ramp(d) = clamp((d + 0.5) / band + 0.5, 0, 1)   (band > 0),   d >= 0 ? 1 : 0  (band 0),
 * except that a core edge on the frame's own edge (x0 == 0 or x1 == W without wrap_x,
 * y0 == 0, y1 == H) has no ramp (factor 1). Since ramp(d) + ramp(-1 - d) = 1, cores that
 * partition the frame, blended with one band, give weights that sum to exactly 1 at every
 * pixel (for an even band they are multiples of 1 / (2 band), exact in float). Pixels with
 * w = 0 are not touched. Preconditions (texel rows): W, tw and ox are multiples of 4.
 */
typedef struct gen_blend_desc {
    int ox, oy;         /* frame position of tile pixel (0, 0); ox may be < 0 with wrap_x */
    int x0, y0, x1, y1; /* the tile's core in frame coordinates: 0 <= x0 < x1 <= W, same y */
    int band;           /* feather width in pixels, even, >= 0 */
    int wrap_x;         /* the frame wraps along x (360 content) */
} gen_blend_desc;

/*
 * temporal_hold: holds the style still where the scene is still. y (n, 3, h, w) is the
 * network's output for input x (n, 3, h, w), both in [-1, 1]; pl (n, 1, h, w, the previous
 * frame's luma) and r (n, 3, h, w, the held residual) are state, updated in place. Per pixel:
 *     l = sum_c k_c x_c,  k = (0.299, 0.587, 0.114)
 *     d = 127.5 |l - pl|  (the luma change since the previous frame, in 8-bit code values)
 *     s = clamp((d - still) / still, 0, 1),  a = rate + (1 - rate) s^2 (3 - 2 s)
 *     r_c += a (y_c - x_c - r_c),  y_c = x_c + r_c,  pl = l
 * So where the luma changes by less than `still` code values the style residual y - x moves
 * only by `rate` of the way toward the new one (the input itself passes through unchanged,
 * so fades and slow light changes stay exact); from 2 still up it is the network's output.
 * A sequence starts (or restarts after a seek) with pl filled with GEN_TEMPORAL_RESET and r
 * with 0 (finite: fresh memory may hold NaN): then a = 1 everywhere and y keeps the
 * network's output.
 */
#define GEN_TEMPORAL_RESET 1e6f

/* Hinge loss variants (SAGAN / BigGAN style). */
typedef enum gen_hinge_mode {
    GEN_HINGE_REAL = 0, /* L = mean(relu(1 - x)) : discriminator on real samples */
    GEN_HINGE_FAKE = 1, /* L = mean(relu(1 + x)) : discriminator on fake samples */
    GEN_HINGE_GEN = 2,  /* L = -mean(x)          : generator */
} gen_hinge_mode;

/*
 * Adam / AdamW hyper-parameters. They live in a small device tensor (GEN_ADAM_HYPER_LEN
 * floats, layout below) so a recorded program can be replayed while lr and step change.
 * Update for each element, with t the 1-based step:
 *   g' = g + wd * p                    (Adam, decoupled == 0)
 *   p  = p - lr * wd * p               (AdamW, decoupled == 1, applied before the step)
 *   m  = b1 * m + (1 - b1) * g'
 *   v  = b2 * v + (1 - b2) * g' * g'
 *   p  = p - lr * (m / bc1) / (sqrt(v / bc2) + eps),  bc1 = 1 - b1^t, bc2 = 1 - b2^t
 * The host fills bc1 and bc2 (gen_adam_hyper_fill()).
 */
enum {
    GEN_ADAM_LR = 0,
    GEN_ADAM_B1 = 1,
    GEN_ADAM_B2 = 2,
    GEN_ADAM_EPS = 3,
    GEN_ADAM_WD = 4,
    GEN_ADAM_BC1 = 5,
    GEN_ADAM_BC2 = 6,
    GEN_ADAM_DECOUPLED = 7, /* 0.0f or 1.0f */
    GEN_ADAM_HYPER_LEN = 8
};

/*
 * Colour conversion between the decoder's planar frames and the network's RGB tensors.
 *
 * A frame travels as a *packed* tensor: the raw bytes of its three planes inside one
 * tensor's range (its float count covers all planes; gen_yuv_packed_bytes()). Plane p
 * (0: Y or G, 1: Cb or B, 2: Cr or R) starts at byte offset[p] and has rows of stride[p]
 * bytes; planes share no bytes. A sample is one byte (bits == 8) or a little-endian 16-bit
 * word (bits 9..16) whose low `bits` bits are the code value (readers ignore the upper
 * bits, writers zero them). Plane 0 is width x height samples; planes 1 and 2 are
 * ceil(width / 2^log2_cw) x ceil(height / 2^log2_ch). GEN_CS_RGB needs log2_cw == log2_ch
 * == 0.
 */
typedef enum gen_colorspace {
    GEN_CS_BT601 = 0,
    GEN_CS_BT709 = 1,
    GEN_CS_BT2020 = 2, /* non-constant luminance */
    GEN_CS_RGB = 3     /* planes G, B, R: no matrix */
} gen_colorspace;

typedef struct gen_yuv_desc {
    int width, height;    /* picture size in luma samples (as decoded, before rotation) */
    int bits;             /* significant bits 8..16; 8: one byte per sample; >8: two bytes
                             little-endian, value in the low bits */
    int log2_cw, log2_ch; /* chroma subsampling: 0,0 = 4:4:4 (also RGB), 1,0 = 4:2:2,
                             1,1 = 4:2:0 */
    gen_colorspace cs;
    int full_range;   /* 0 limited: Y 16..235, C 16..240 scaled by 2^(bits-8); 1 full:
                         0..2^bits-1, C centred at 2^(bits-1) */
    size_t offset[3]; /* byte offset of each plane inside the packed buffer (multiples of 4) */
    int stride[3];    /* bytes per row of each plane (multiples of 4) */
} gen_yuv_desc;

/*
 * yuv_to_rgb: packed frame -> rgb (1, 3, H', W'), channels R, G, B, each value 2 * E' - 1
 * with E' the gamma-encoded normalized component (so [0, 1] -> [-1, 1]).
 * - Normalization, with s = 2^(bits - 8) and M = 2^bits - 1 (gen_yuv_plane_range()):
 *     limited: Y' = (Y - 16 s) / (219 s)    Pb = (Cb - 128 s) / (224 s)    (Pr alike)
 *     full:    Y' = Y / M                   Pb = (Cb - 2^(bits - 1)) / M
 *   GEN_CS_RGB normalizes all three planes like Y and takes them as G', B', R'.
 * - Matrix, Kr and Kb from gen_yuv_kr_kb(), Kg = 1 - Kr - Kb (BT.2020: non-constant
 *   luminance):
 *     R' = Y' + 2 (1 - Kr) Pr
 *     G' = Y' - 2 Kb (1 - Kb) / Kg * Pb - 2 Kr (1 - Kr) / Kg * Pr
 *     B' = Y' + 2 (1 - Kb) Pb
 *   No clamping: the conversion stays affine, so rgb_to_yuv inverts it exactly.
 * - Chroma upsampling by replication: chroma sample (cx, cy) covers the 2^log2_cw x
 *   2^log2_ch block of luma samples (x, y) with x >> log2_cw == cx, y >> log2_ch == cy.
 * - rotation (0, 90, 180, 270 degrees clockwise) turns the frame upright: the picture is
 *   pw x ph = width x height for 0 and 180, height x width for 90 and 270
 *   (gen_yuv_picture_size()), and upright pixel (x, y) is frame sample
 *     0: (x, y)   90: (y, height-1-x)   180: (width-1-x, height-1-y)   270: (width-1-y, x)
 * - The tensor may be larger than the picture (H' >= ph, W' >= pw, e.g. padded to a
 *   multiple of 4 for the generator): element (y, x) holds picture pixel
 *   (gen_pad_reflect(y, ph), gen_pad_reflect(x, pw)), i.e. the picture mirrored around its
 *   last row and column as GEN_PAD_REFLECT does, so the network sees no hard edge.
 *
 * rgb_to_yuv: rgb (1, 3, H', W') -> the packed frame described by desc; the inverse.
 * - It reads the top-left pw x ph region (upright) and writes the frame in its decoded
 *   orientation (undoing `rotation`, same mapping as above).
 * - E' = (v + 1) / 2, then the inverse matrix:
 *     Y' = Kr R' + Kg G' + Kb B'    Pb = (B' - Y') / (2 (1 - Kb))    Pr = (R' - Y') / (2 (1 - Kr))
 * - Chroma downsampling averages Pb and Pr over each block's samples inside the picture
 *   (box filter: the exact inverse of replication).
 * - Codes: x = zero + scale * value (limited: Y = 16 s + 219 s Y', C = 128 s + 224 s Pb;
 *   full: Y = M Y', C = 2^(bits - 1) + M Pb), rounded to nearest (floor(x + 0.5)) and
 *   clamped to the codes the samples can hold, 0 .. M, in both ranges: limited-range
 *   footroom and headroom (super-white, out-of-range chroma) survive as in FFmpeg.
 * - It writes only the sample bytes of the picture: row padding and bytes outside the
 *   planes keep their values.
 * An identity network round-trips: yuv_to_rgb then rgb_to_yuv returns every code of the
 * frame exactly (within 1 where float rounding meets a .5 boundary).
 */

/* Kr, Kb of a YUV matrix (Kg = 1 - Kr - Kb); GEN_CS_RGB has none (0, 0). */
static inline void gen_yuv_kr_kb(gen_colorspace cs, double *kr, double *kb)
{
    switch (cs) {
    case GEN_CS_BT601:
        *kr = 0.299, *kb = 0.114;
        break;
    case GEN_CS_BT709:
        *kr = 0.2126, *kb = 0.0722;
        break;
    case GEN_CS_BT2020:
        *kr = 0.2627, *kb = 0.0593;
        break;
    default:
        *kr = 0.0, *kb = 0.0;
    }
}

/* Bytes per sample: 1 for 8 bits, 2 for 9..16. */
static inline int gen_yuv_bps(const gen_yuv_desc *d)
{
    return d->bits > 8 ? 2 : 1;
}

/* Size of plane p in samples. */
static inline int gen_yuv_plane_w(const gen_yuv_desc *d, int p)
{
    int l = p ? d->log2_cw : 0;
    return (d->width + (1 << l) - 1) >> l;
}
static inline int gen_yuv_plane_h(const gen_yuv_desc *d, int p)
{
    int l = p ? d->log2_ch : 0;
    return (d->height + (1 << l) - 1) >> l;
}

/* Bytes from the start of the packed buffer to the end of the last sample of any plane:
 * the packed tensor needs at least (this + 3) / 4 floats. */
static inline size_t gen_yuv_packed_bytes(const gen_yuv_desc *d)
{
    size_t end = 0;
    for (int p = 0; p < 3; p++) {
        size_t e = d->offset[p] + (size_t)(gen_yuv_plane_h(d, p) - 1) * (size_t)d->stride[p] +
                   (size_t)gen_yuv_plane_w(d, p) * (size_t)gen_yuv_bps(d);
        if (e > end) end = e;
    }
    return end;
}

/* Sample (x, y) of plane p of a packed frame: its code, the bits above d->bits ignored. */
static inline unsigned gen_yuv_read_code(const gen_yuv_desc *d, const uint8_t *packed, int p, int x,
                                         int y)
{
    const uint8_t *s = packed + d->offset[p] + (size_t)y * (size_t)d->stride[p];
    if (d->bits == 8) return s[x];
    unsigned v = (unsigned)s[2 * x] | (unsigned)s[2 * x + 1] << 8;
    return v & ((1u << d->bits) - 1u);
}

/* Writes code v to sample (x, y) of plane p (one byte, or two little-endian). */
static inline void gen_yuv_write_code(const gen_yuv_desc *d, uint8_t *packed, int p, int x, int y,
                                      unsigned v)
{
    uint8_t *s = packed + d->offset[p] + (size_t)y * (size_t)d->stride[p];
    if (d->bits == 8) {
        s[x] = (uint8_t)v;
    } else {
        s[2 * x] = (uint8_t)(v & 0xffu);
        s[2 * x + 1] = (uint8_t)(v >> 8);
    }
}

/* The upright picture size for a rotation of 0, 90, 180 or 270 degrees clockwise. */
static inline void gen_yuv_picture_size(const gen_yuv_desc *d, int rotation, int *pw, int *ph)
{
    int turn = rotation == 90 || rotation == 270;
    *pw = turn ? d->height : d->width;
    *ph = turn ? d->width : d->height;
}

/* How plane p's codes map to normalized values: value = (code - zero) / scale; legal codes
 * are lo .. hi. Chroma planes (1, 2 of a YUV frame) have value range [-0.5, 0.5], the
 * others [0, 1]. */
static inline void gen_yuv_plane_range(const gen_yuv_desc *d, int p, double *zero, double *scale,
                                       int *lo, int *hi)
{
    int chroma = p > 0 && d->cs != GEN_CS_RGB;
    int s = 1 << (d->bits - 8), m = (1 << d->bits) - 1;
    if (d->full_range) {
        *zero = chroma ? (double)(1 << (d->bits - 1)) : 0.0;
        *scale = (double)m;
        *lo = 0;
        *hi = m;
    } else {
        *zero = (chroma ? 128.0 : 16.0) * s;
        *scale = (chroma ? 224.0 : 219.0) * s;
        /* clamp to what the samples can hold, not to the nominal range: footroom and
           headroom values (super-white, out-of-range chroma) survive a round trip */
        *lo = 0;
        *hi = m;
    }
}

/* Frame sample (sx, sy) of upright picture pixel (x, y) for a rotation (see above), and
 * the inverse. */
static inline void gen_yuv_upright_to_frame(const gen_yuv_desc *d, int rotation, int x, int y,
                                            int *sx, int *sy)
{
    switch (rotation) {
    case 90:
        *sx = y, *sy = d->height - 1 - x;
        break;
    case 180:
        *sx = d->width - 1 - x, *sy = d->height - 1 - y;
        break;
    case 270:
        *sx = d->width - 1 - y, *sy = x;
        break;
    default:
        *sx = x, *sy = y;
    }
}

static inline void gen_yuv_frame_to_upright(const gen_yuv_desc *d, int rotation, int sx, int sy,
                                            int *x, int *y)
{
    switch (rotation) {
    case 90:
        *x = d->height - 1 - sy, *y = sx;
        break;
    case 180:
        *x = d->width - 1 - sx, *y = d->height - 1 - sy;
        break;
    case 270:
        *x = sy, *y = d->width - 1 - sx;
        break;
    default:
        *x = sx, *y = sy;
    }
}

/* The matrix above as fwd[c][p]: channel c (R', G', B') from normalized plane value p
 * (Y', Pb, Pr, or G', B', R' for GEN_CS_RGB), and its inverse inv[p][c]. For the kernels
 * that fold it into affine maps (the reference applies the formulas one by one). */
static inline void gen_yuv_matrix(gen_colorspace cs, double fwd[3][3], double inv[3][3])
{
    if (cs == GEN_CS_RGB) {
        static const double perm[3][3] = {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}}; /* R <- plane 2 */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) fwd[i][j] = perm[i][j], inv[j][i] = perm[i][j];
        return;
    }
    double kr, kb;
    gen_yuv_kr_kb(cs, &kr, &kb);
    double kg = 1.0 - kr - kb;
    double f[3][3] = {{1.0, 0.0, 2.0 * (1.0 - kr)},
                      {1.0, -2.0 * kb * (1.0 - kb) / kg, -2.0 * kr * (1.0 - kr) / kg},
                      {1.0, 2.0 * (1.0 - kb), 0.0}};
    double g[3][3] = {{kr, kg, kb},
                      {-kr / (2.0 * (1.0 - kb)), -kg / (2.0 * (1.0 - kb)), 0.5},
                      {0.5, -kg / (2.0 * (1.0 - kr)), -kb / (2.0 * (1.0 - kr))}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) fwd[i][j] = f[i][j], inv[i][j] = g[i][j];
}

/* rgb_to_yuv folded: the (unrounded) code of plane p is a[0] R + a[1] G + a[2] B + a[3] for
 * tensor values R, G, B in [-1, 1]; inv from gen_yuv_matrix. */
static inline void gen_yuv_code_map(const gen_yuv_desc *d, int p, const double inv[3][3],
                                    float a[4])
{
    double zero, scale;
    int lo, hi;
    gen_yuv_plane_range(d, p, &zero, &scale, &lo, &hi);
    /* code = zero + scale * inv . (v + 1) / 2 */
    double bias = zero;
    for (int c = 0; c < 3; c++) {
        a[c] = (float)(scale * inv[p][c] / 2.0);
        bias += scale * inv[p][c] / 2.0;
    }
    a[3] = (float)bias;
}

/*
 * view_render: what one eye of the OpenXR viewer sees, as packed RGBA8 words.
 *   out (1, 1, h, w): word (y, x) = R | G << 8 | B << 16 | 255 << 24 (R in the low byte),
 *     row 0 at the top; the words' bits are stored in the float tensor as they are.
 *   src (1, 3, H, W): the eye's upright picture, planes R, G, B, values in [-1, 1].
 *   params (GEN_VIEW_PARAMS_LEN floats, layout below): read on every run, because the host
 *     rewrites the pose every display frame and replays the recorded program (like the Adam
 *     hyper tensor). Only the layout (gen_view_layout) is fixed at record time.
 * Frames are OpenXR's, right-handed, in metres: +X right, +Y up, -Z forward, in view space
 * (the eye) and in world (content) space.
 *
 * The ray of output pixel (x, y), with L, R, D, U = params[GEN_VIEW_TAN_*]:
 *   tx = L + (x + 0.5) / w * (R - L)    ty = U - (y + 0.5) / h * (U - D)
 *   d = M * (tx, ty, -1)    o = params[GEN_VIEW_POS..+2]
 * with M the row-major 3x3 rotation params[GEN_VIEW_ROT..+8] (view -> world). Every test
 * below is invariant to the length of d, so backends need not normalize it.
 *
 * Where the ray meets the content (sw, sh, dist = params[GEN_VIEW_SCREEN_W, _H, _DIST]):
 * - GEN_VIEW_SCREEN: a flat screen in the plane z = -dist, x in [-sw/2, sw/2], y in
 *   [-sh/2, sh/2], facing +Z and seen only from the front: a hit needs d.z < 0 and
 *   o.z > -dist (so t > 0); p = o + t d with t = (-dist - o.z) / d.z, and
 *     u = (p.x + sw/2) / sw    v = (sh/2 - p.y) / sh    (v = 0: the top row).
 * - GEN_VIEW_CURVED: the inside of the vertical cylinder x^2 + z^2 = dist^2 about the Y axis
 *   through the world origin, eye inside: p = o + t d at the far root t > 0 of
 *   |o.xz + t d.xz| = dist (no hit when d.xz = 0), theta = atan2(p.x, -p.z); a hit needs
 *   |theta| <= sw / (2 dist) and |p.y| <= sh/2, and
 *     u = theta / (sw / dist) + 0.5    v = (sh/2 - p.y) / sh.
 *   (Backends take the far root in the cancellation-free form: with a = |d.xz|^2,
 *   b = o.xz . d.xz, c = |o.xz|^2 - dist^2, s = sqrt(b^2 - a c), t = (s - b) / a for b <= 0,
 *   t = -c / (b + s) for b > 0.)
 * - GEN_VIEW_EQUI360: a sphere at infinity (o ignored): lon = atan2(d.x, -d.z) (0 when
 *   d.x = d.z = 0), lat = atan2(d.y, |d.xz|) (= asin of the normalized d.y), and
 *     u = 0.5 + lon / (2 pi)    v = 0.5 - lat / pi.
 * - GEN_VIEW_EQUI180: the front half of it: u = 0.5 + lon / pi, a hit only for
 *   |lon| <= pi/2; v as for 360.
 * The comparisons are written so that NaN (a broken pose) is a miss, never an index.
 *
 * Colour: on a hit with params[GEN_VIEW_CONTENT] != 0, each channel is sampled bilinearly
 * at source pixel coordinates (u W - 0.5, v H - 0.5): x0 = floor(sx), fx = sx - x0, the
 * four neighbours (x0 | x0 + 1, y0 | y0 + 1) clamped to the picture (EQUI360: x wraps
 * around, y clamps), s = (1 - fy) ((1 - fx) s00 + fx s01) + fy ((1 - fx) s10 + fx s11);
 * then c = clamp(s * 0.5 + 0.5, 0, 1). Otherwise (no hit, or content 0) c is the room
 * colour params[GEN_VIEW_ROOM..+2], clamped to [0, 1]. Each byte is floor(c * 255 + 0.5);
 * alpha is 255. Backends compute in float: results are promised within 1 code of the
 * reference except where float differences flip a hit (the screen's silhouette, the
 * 180 seam).
 */
typedef enum gen_view_layout {
    GEN_VIEW_SCREEN = 0,  /* a flat virtual screen in a dim room */
    GEN_VIEW_CURVED = 1,  /* a cylindrical screen around the viewer */
    GEN_VIEW_EQUI180 = 2, /* the front half sphere, equirectangular */
    GEN_VIEW_EQUI360 = 3, /* the whole sphere, equirectangular */
    GEN_VIEW_LAYOUT_COUNT
} gen_view_layout;

enum {
    GEN_VIEW_TAN_LEFT = 0,     /* tan(angleLeft), negative (XrFovf) */
    GEN_VIEW_TAN_RIGHT = 1,    /* tan(angleRight) */
    GEN_VIEW_TAN_DOWN = 2,     /* tan(angleDown), negative */
    GEN_VIEW_TAN_UP = 3,       /* tan(angleUp) */
    GEN_VIEW_ROT = 4,          /* 9 floats: row-major rotation, view -> world directions */
    GEN_VIEW_POS = 13,         /* 3 floats: eye position in world space, metres */
    GEN_VIEW_SCREEN_W = 16,    /* screen width (flat) or arc length (curved), metres */
    GEN_VIEW_SCREEN_H = 17,    /* screen height, metres */
    GEN_VIEW_SCREEN_DIST = 18, /* flat: distance of the plane; curved: cylinder radius */
    GEN_VIEW_ROOM = 19,        /* 3 floats: room colour R, G, B in [0, 1] */
    GEN_VIEW_CONTENT = 22,     /* 1: content visible; 0: room colour only */
    GEN_VIEW_PARAMS_LEN = 32   /* the rest is reserved: write 0 */
};

#endif /* GEN_OPS_H */
