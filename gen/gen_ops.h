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

#endif /* GEN_OPS_H */
