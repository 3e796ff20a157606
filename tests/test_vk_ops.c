/*
 * test_vk_ops.c - the Vulkan kernels of every op except conv2d against the C reference,
 * forward and backward (the tiled-inference ops: forward only), acc 0 and 1, on awkward
 * shapes (1x1, 3x5, 37x29, channel counts 3, 5, 7, n = 1 and 2) and at least one large
 * case per reduction, so that the multi-group paths (instance-norm chunks, two-stage loss
 * sums, split Gram, moment chunks) run. What it is not: a
 * gradient check (test_ref_grad.c checks the reference by finite differences).
 *
 * Before each op the test fills every tensor the op must overwrite (forward outputs and,
 * with acc == 0, activation gradients) with NaN, so an element left unwritten or a
 * destination read under acc == 0 shows up as NaN in the comparison.
 *
 * Tolerances, |vk - ref| <= atol + rtol * |ref|. The reference accumulates in double and
 * rounds once; each bound is about 10x the worst error seen on lavapipe, so a real bug
 * (a wrong weight, a missed element, a wrong count) still fails by orders of magnitude.
 *   op                              atol      rtol   why
 *   add, concat fwd/bwd acc 0,      0         0      one IEEE operation or a copy
 *     nearest upsample fwd,
 *     relu/leaky fwd
 *   concat bwd acc 1, act bwd       1e-7      1e-6   one or two float roundings
 *   tanh, sigmoid fwd               2e-7      2e-6   exp() within a few ulp, then a division
 *   upsample bwd, bilinear fwd,     1e-6      1e-6   float sums of <= 16 (or k*k) terms in
 *     avgpool fwd/bwd                                another order
 *   instnorm fwd                    2e-6      2e-6   float mean/var (chunk two-pass, tree
 *                                                    merge); outputs O(1)
 *   instnorm fwd, x in [100, 101)   2e-4      1e-5   x - mean carries ulp(100) = 8e-6 over a
 *                                                    std of 0.29 (a one-pass sum of squares
 *                                                    in float would be off by O(1))
 *   instnorm bwd                    2e-5      2e-5   dgamma, dbeta: float sums of n*hw terms
 *   loss / sum fwd                  1e-7      1e-6   float sums of up to 1M terms (16 per
 *                                                    invocation, then two work-group sums)
 *   loss bwd                        16e-6 *   1e-6   gradients are ~scale/len; float(scale /
 *                                   scale/len        len) rounds once
 *   gram fwd                        1e-7      1e-5   float sums of hw products, / (c*hw)
 *   gram bwd                        1e-8      1e-5   float sums of 2c products, / (c*hw)
 *   adam (3 steps)                  1e-7      1e-6   float vs double update of size ~lr
 *   instnorm apply                  2e-7      2e-6   (x - mean) * (rstd * gamma) + beta in float
 *   moments                         2e-7 * N  1e-5   float sums of N terms (N up to 180k)
 *   window f = 1                    0         0      a copy
 *   window f > 1, tile blend        1e-7,2e-7 1e-6   float sums of f^2 terms; one product
 *                                                    and sum with exact weights
 *   chain (several ops, 3 runs)     1e-6      1e-5   the above, composed
 */
#include "tests/vt_backend.h"

/* The ops of this test (the engine's node enum is private to gen/). */
typedef enum ops_op {
    OP_NONE,
    OP_UPSAMPLE_FWD,
    OP_UPSAMPLE_BWD,
    OP_INSTNORM_FWD,
    OP_INSTNORM_BWD,
    OP_ACT_FWD,
    OP_ACT_BWD,
    OP_ADD,
    OP_CONCAT_FWD,
    OP_CONCAT_BWD,
    OP_AVGPOOL_FWD,
    OP_AVGPOOL_BWD,
    OP_L1_FWD,
    OP_L1_BWD,
    OP_MSE_FWD,
    OP_MSE_BWD,
    OP_LSGAN_FWD,
    OP_LSGAN_BWD,
    OP_HINGE_FWD,
    OP_HINGE_BWD,
    OP_GRAM_FWD,
    OP_GRAM_BWD,
    OP_TV_FWD,
    OP_TV_BWD,
    OP_SUM,
    OP_INSTNORM_APPLY,
    OP_MOMENTS,
    OP_WINDOW,
    OP_TILE_BLEND,
    OP_TEMPORAL_HOLD,
} ops_op;

/* What one case records. The tensors t[] follow the node order of gen_backend_priv.h. */
typedef struct op_arg {
    ops_op op;
    int mode, acc, k, s;
    float alpha, target, scale;
    int inplace;     /* act forward: out = in */
    unsigned absent; /* bit i: pass t[i] as absent (buf = NULL, shape kept) */
    int rect[4];     /* moments: x0, y0, x1, y1; window: x0, y0 */
    gen_blend_desc blend;
} op_arg;

/* Tensors the op overwrites: forward outputs, and activation gradients when acc == 0. */
static unsigned overwritten(const op_arg *a)
{
    switch (a->op) {
    case OP_INSTNORM_FWD:
        return 3u;
    case OP_ACT_FWD:
        return a->inplace ? 0u : 1u;
    case OP_CONCAT_BWD:
        return a->acc ? 0u : 3u;
    case OP_MOMENTS: /* accumulate into their destination */
    case OP_TILE_BLEND:
    case OP_TEMPORAL_HOLD: /* reads its state and the output before updating them */
        return 0u;
    case OP_UPSAMPLE_BWD:
    case OP_INSTNORM_BWD:
    case OP_ACT_BWD:
    case OP_AVGPOOL_BWD:
    case OP_L1_BWD:
    case OP_MSE_BWD:
    case OP_LSGAN_BWD:
    case OP_HINGE_BWD:
    case OP_TV_BWD:
    case OP_GRAM_BWD:
        return a->acc ? 0u : 1u;
    default:
        return 1u;
    }
}

static void rec_op(gen_prog *p, gen_tensor *t0, const void *arg)
{
    const op_arg *a = arg;
    gen_tensor t[VT_MAX_T];
    for (int i = 0; i < VT_MAX_T; i++) {
        t[i] = t0[i];
        if (a->absent & (1u << i)) t[i].buf = NULL;
    }
    if (a->op == OP_INSTNORM_BWD) /* real stats: din, dgamma, dbeta, dout, in, stats, gamma, beta */
        gen_instnorm_forward(p, t0[0], t[5], t[4], t[6], t[7]);
    unsigned nan_mask = overwritten(a);
    for (int i = 0; i < VT_MAX_T; i++)
        if ((nan_mask & (1u << i)) && t[i].buf) gen_fill(p, t[i], NAN);

    switch (a->op) {
    case OP_UPSAMPLE_FWD:
        gen_upsample2x_forward(p, a->mode, t[0], t[1]);
        break;
    case OP_UPSAMPLE_BWD:
        gen_upsample2x_backward(p, a->mode, t[0], t[1], a->acc);
        break;
    case OP_INSTNORM_FWD:
        gen_instnorm_forward(p, t[0], t[1], t[2], t[3], t[4]);
        break;
    case OP_INSTNORM_BWD:
        gen_instnorm_backward(p, t[0], t[1], t[2], t[3], t[4], t[5], t[6], a->acc);
        break;
    case OP_ACT_FWD:
        gen_act_forward(p, a->mode, a->alpha, t[0], a->inplace ? t[0] : t[1]);
        break;
    case OP_ACT_BWD:
        gen_act_backward(p, a->mode, a->alpha, t[0], t[1], t[2], t[3], a->acc);
        break;
    case OP_ADD:
        gen_add(p, t[0], t[1], t[2]);
        break;
    case OP_CONCAT_FWD:
        gen_concat_forward(p, t[0], t[1], t[2]);
        break;
    case OP_CONCAT_BWD:
        gen_concat_backward(p, t[0], t[1], t[2], a->acc);
        break;
    case OP_AVGPOOL_FWD:
        gen_avgpool_forward(p, a->k, a->s, t[0], t[1]);
        break;
    case OP_AVGPOOL_BWD:
        gen_avgpool_backward(p, a->k, a->s, t[0], t[1], a->acc);
        break;
    case OP_L1_FWD:
        gen_l1_forward(p, t[0], t[1], t[2]);
        break;
    case OP_L1_BWD:
        gen_l1_backward(p, t[0], t[1], t[2], a->scale, a->acc);
        break;
    case OP_MSE_FWD:
        gen_mse_forward(p, t[0], t[1], t[2]);
        break;
    case OP_MSE_BWD:
        gen_mse_backward(p, t[0], t[1], t[2], a->scale, a->acc);
        break;
    case OP_LSGAN_FWD:
        gen_lsgan_forward(p, t[0], t[1], a->target);
        break;
    case OP_LSGAN_BWD:
        gen_lsgan_backward(p, t[0], t[1], a->target, a->scale, a->acc);
        break;
    case OP_HINGE_FWD:
        gen_hinge_forward(p, a->mode, t[0], t[1]);
        break;
    case OP_HINGE_BWD:
        gen_hinge_backward(p, a->mode, t[0], t[1], a->scale, a->acc);
        break;
    case OP_TV_FWD:
        gen_tv_forward(p, t[0], t[1]);
        break;
    case OP_TV_BWD:
        gen_tv_backward(p, t[0], t[1], a->scale, a->acc);
        break;
    case OP_SUM:
        gen_sum(p, t[0], t[1]);
        break;
    case OP_GRAM_FWD:
        gen_gram_forward(p, t[0], t[1]);
        break;
    case OP_GRAM_BWD:
        gen_gram_backward(p, t[0], t[1], t[2], a->acc);
        break;
    case OP_INSTNORM_APPLY:
        gen_instnorm_apply(p, t[0], t[1], t[2], t[3], t[4]);
        break;
    case OP_MOMENTS:
        gen_moments_accumulate(p, t[0], t[1], t[2], a->rect[0], a->rect[1], a->rect[2], a->rect[3]);
        break;
    case OP_WINDOW:
        gen_window(p, t[0], t[1], a->rect[0], a->rect[1], a->k, a->mode);
        break;
    case OP_TILE_BLEND:
        gen_tile_blend(p, t[0], t[1], &a->blend);
        break;
    case OP_TEMPORAL_HOLD:
        gen_temporal_hold(p, t[0], t[1], t[2], t[3], a->scale, a->alpha);
        break;
    default:
        VT_CHECK(0, "op %d not in this test", (int)a->op);
    }
}

static uint64_t g_seed = 1;

/* Builds and checks one case; shapes are given as nt groups of 4 ints. */
static int run_case(gen_backend *vk, gen_backend *ref, const char *name, const op_arg *a, int nt,
                    const int (*shape)[4], double atol, double rtol, int runs, float lo, float hi)
{
    vt_case c = {.name = name, .nt = nt, .record = rec_op, .arg = a};
    c.atol = atol;
    c.rtol = rtol;
    c.runs = runs;
    for (int i = 0; i < nt; i++) {
        memcpy(c.shape[i], shape[i], sizeof(shape[i]));
        c.lo[i] = lo;
        c.hi[i] = hi;
    }
    return vt_case_check(vk, ref, &c, g_seed++);
}

#define SHAPE(n, c, h, w)                                                                          \
    {                                                                                              \
        n, c, h, w                                                                                 \
    }

static const int shapes4[][4] = {{1, 1, 1, 1}, {2, 3, 3, 5}, {1, 5, 37, 29}, {2, 7, 1, 9}};
#define NSHAPES4 (int)(sizeof(shapes4) / sizeof(shapes4[0]))

static void test_elementwise(gen_backend *vk, gen_backend *ref)
{
    char name[160];
    for (int si = 0; si < NSHAPES4; si++) {
        const int *s = shapes4[si];
        int sh[3][4] = {SHAPE(s[0], s[1], s[2], s[3]), SHAPE(s[0], s[1], s[2], s[3]),
                        SHAPE(s[0], s[1], s[2], s[3])};
        snprintf(name, sizeof(name), "add %dx%dx%dx%d", s[0], s[1], s[2], s[3]);
        op_arg a = {.op = OP_ADD};
        run_case(vk, ref, name, &a, 3, sh, 0, 0, 1, -1, 1);

        for (int act = 0; act < GEN_ACT_COUNT; act++) {
            int smooth = act == GEN_ACT_TANH || act == GEN_ACT_SIGMOID;
            double atol = smooth ? 2e-7 : 0, rtol = smooth ? 2e-6 : 0;
            for (int inplace = 0; inplace <= 1; inplace++) {
                op_arg f = {.op = OP_ACT_FWD, .mode = act, .alpha = 0.2f, .inplace = inplace};
                snprintf(name, sizeof(name), "act %d fwd%s %dx%dx%dx%d", act,
                         inplace ? " in-place" : "", s[0], s[1], s[2], s[3]);
                run_case(vk, ref, name, &f, 2, sh, atol, rtol, 1, -4, 4);
            }
            for (int acc = 0; acc <= 1; acc++) {
                /* din, dout, in, out: relu/leaky read in, tanh/sigmoid out (in (0, 1)) */
                int sh4[4][4];
                for (int i = 0; i < 4; i++) memcpy(sh4[i], s, sizeof(sh4[i]));
                op_arg b = {.op = OP_ACT_BWD, .mode = act, .alpha = 0.2f, .acc = acc};
                b.absent = smooth ? 1u << 2 : 1u << 3;
                snprintf(name, sizeof(name), "act %d bwd acc%d %dx%dx%dx%d", act, acc, s[0], s[1],
                         s[2], s[3]);
                run_case(vk, ref, name, &b, 4, sh4, 1e-7, 1e-6, 1, smooth ? 0.0f : -1.0f, 1);
            }
        }
    }
    /* large |x|: tanh and sigmoid saturate without NaN */
    int big[2][4] = {SHAPE(1, 3, 37, 29), SHAPE(1, 3, 37, 29)};
    for (int act = GEN_ACT_TANH; act <= GEN_ACT_SIGMOID; act++) {
        op_arg f = {.op = OP_ACT_FWD, .mode = act};
        run_case(vk, ref, act == GEN_ACT_TANH ? "tanh |x| < 1e4" : "sigmoid |x| < 1e4", &f, 2, big,
                 2e-7, 2e-6, 1, -1e4f, 1e4f);
        run_case(vk, ref, act == GEN_ACT_TANH ? "tanh |x| < 0.3" : "sigmoid |x| < 0.3", &f, 2, big,
                 0, 2e-6, 1, -0.3f, 0.3f);
    }
}

static void test_concat(gen_backend *vk, gen_backend *ref)
{
    static const int cs[][5] = {
        {1, 1, 1, 1, 1}, {2, 3, 5, 7, 9}, {2, 7, 3, 37, 29}, {1, 5, 5, 3, 5}};
    char name[160];
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        int n = cs[i][0], ca = cs[i][1], cb = cs[i][2], h = cs[i][3], w = cs[i][4];
        int sf[3][4] = {SHAPE(n, ca + cb, h, w), SHAPE(n, ca, h, w), SHAPE(n, cb, h, w)};
        op_arg f = {.op = OP_CONCAT_FWD};
        snprintf(name, sizeof(name), "concat fwd n%d %d+%d %dx%d", n, ca, cb, h, w);
        run_case(vk, ref, name, &f, 3, sf, 0, 0, 1, -1, 1);
        int sb[3][4] = {SHAPE(n, ca, h, w), SHAPE(n, cb, h, w), SHAPE(n, ca + cb, h, w)};
        for (int acc = 0; acc <= 1; acc++)
            for (unsigned absent = 0; absent <= 2; absent += 2) {
                op_arg b = {.op = OP_CONCAT_BWD, .acc = acc, .absent = absent};
                snprintf(name, sizeof(name), "concat bwd acc%d%s n%d %d+%d %dx%d", acc,
                         absent ? " (no db)" : "", n, ca, cb, h, w);
                run_case(vk, ref, name, &b, 3, sb, acc ? 1e-7 : 0, acc ? 1e-6 : 0, 1 + 2 * acc, -1,
                         1);
            }
    }
}

static void test_upsample_pool(gen_backend *vk, gen_backend *ref)
{
    char name[160];
    for (int si = 0; si < NSHAPES4; si++) {
        const int *s = shapes4[si];
        int sf[2][4] = {SHAPE(s[0], s[1], 2 * s[2], 2 * s[3]), SHAPE(s[0], s[1], s[2], s[3])};
        int sb[2][4] = {SHAPE(s[0], s[1], s[2], s[3]), SHAPE(s[0], s[1], 2 * s[2], 2 * s[3])};
        for (int mode = 0; mode <= 1; mode++) {
            op_arg f = {.op = OP_UPSAMPLE_FWD, .mode = mode};
            snprintf(name, sizeof(name), "upsample %s fwd %dx%dx%dx%d",
                     mode ? "bilinear" : "nearest", s[0], s[1], s[2], s[3]);
            run_case(vk, ref, name, &f, 2, sf, mode ? 1e-6 : 0, mode ? 1e-6 : 0, 1, -1, 1);
            for (int acc = 0; acc <= 1; acc++) {
                op_arg b = {.op = OP_UPSAMPLE_BWD, .mode = mode, .acc = acc};
                snprintf(name, sizeof(name), "upsample %s bwd acc%d %dx%dx%dx%d",
                         mode ? "bilinear" : "nearest", acc, s[0], s[1], s[2], s[3]);
                run_case(vk, ref, name, &b, 2, sb, 1e-6, 1e-6, 1, -1, 1);
            }
        }
    }
    static const int ks[][2] = {{1, 1}, {2, 2}, {3, 1}, {3, 2}, {4, 3}};
    for (int si = 0; si < NSHAPES4; si++) {
        const int *s = shapes4[si];
        for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
            int k = ks[ki][0], st = ks[ki][1];
            if (k > s[2] || k > s[3]) continue;
            int oh = (s[2] - k) / st + 1, ow = (s[3] - k) / st + 1;
            int sf[2][4] = {SHAPE(s[0], s[1], oh, ow), SHAPE(s[0], s[1], s[2], s[3])};
            int sb[2][4] = {SHAPE(s[0], s[1], s[2], s[3]), SHAPE(s[0], s[1], oh, ow)};
            op_arg f = {.op = OP_AVGPOOL_FWD, .k = k, .s = st};
            snprintf(name, sizeof(name), "avgpool k%d s%d fwd %dx%dx%dx%d", k, st, s[0], s[1], s[2],
                     s[3]);
            run_case(vk, ref, name, &f, 2, sf, 1e-6, 1e-6, 1, -1, 1);
            for (int acc = 0; acc <= 1; acc++) {
                op_arg b = {.op = OP_AVGPOOL_BWD, .k = k, .s = st, .acc = acc};
                snprintf(name, sizeof(name), "avgpool k%d s%d bwd acc%d %dx%dx%dx%d", k, st, acc,
                         s[0], s[1], s[2], s[3]);
                run_case(vk, ref, name, &b, 2, sb, 1e-6, 1e-6, 1, -1, 1);
            }
        }
    }
}

static void test_instnorm(gen_backend *vk, gen_backend *ref)
{
    static const int xs[][4] = {
        {1, 1, 1, 1}, {2, 3, 3, 5}, {1, 7, 37, 29}, {2, 5, 64, 64}, {1, 3, 240, 320}};
    char name[160];
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
        int n = xs[i][0], c = xs[i][1], h = xs[i][2], w = xs[i][3];
        int large = h * w >= 4096;
        int sf[5][4] = {SHAPE(n, c, h, w), SHAPE(1, n, c, 2), SHAPE(n, c, h, w), SHAPE(1, c, 1, 1),
                        SHAPE(1, c, 1, 1)};
        op_arg f = {.op = OP_INSTNORM_FWD};
        snprintf(name, sizeof(name), "instnorm fwd %dx%dx%dx%d", n, c, h, w);
        run_case(vk, ref, name, &f, 5, sf, 2e-6, 2e-6, large ? 3 : 1, -1, 1);
        if (i == 2 || i == 4) { /* x in [100, 101): mean 100.5, std 0.29 */
            snprintf(name, sizeof(name), "instnorm fwd mean 100 %dx%dx%dx%d", n, c, h, w);
            vt_case cm = {.name = name, .nt = 5, .record = rec_op, .arg = &f};
            memcpy(cm.shape, sf, sizeof(sf));
            cm.lo[2] = 100.0f;
            cm.hi[2] = 101.0f;
            cm.atol = 2e-4;
            cm.rtol = 1e-5;
            vt_case_check(vk, ref, &cm, g_seed++);
        }
        /* din, dgamma, dbeta, dout, in, stats, gamma, beta */
        int sb[8][4] = {SHAPE(n, c, h, w), SHAPE(1, c, 1, 1), SHAPE(1, c, 1, 1), SHAPE(n, c, h, w),
                        SHAPE(n, c, h, w), SHAPE(1, n, c, 2), SHAPE(1, c, 1, 1), SHAPE(1, c, 1, 1)};
        for (int acc = 0; acc <= 1; acc++) {
            static const unsigned absents[] = {0u, 1u, 6u};
            for (int ai = 0; ai < 3; ai++) {
                if (ai && !large && i != 1) continue;
                op_arg b = {.op = OP_INSTNORM_BWD, .acc = acc, .absent = absents[ai]};
                snprintf(name, sizeof(name), "instnorm bwd acc%d absent %x %dx%dx%dx%d", acc,
                         absents[ai], n, c, h, w);
                run_case(vk, ref, name, &b, 8, sb, 2e-5, 2e-5, acc && large ? 3 : 1, -1, 1);
            }
        }
    }
}

static void test_losses(gen_backend *vk, gen_backend *ref)
{
    static const int xs[][4] = {{1, 1, 1, 1}, {2, 3, 3, 5}, {1, 5, 37, 29}, {1, 4, 512, 512}};
    static const struct {
        ops_op fwd, bwd;
        int mode, two;
        float target;
        const char *name;
    } ls[] = {
        {OP_L1_FWD, OP_L1_BWD, 0, 1, 0, "l1"},
        {OP_MSE_FWD, OP_MSE_BWD, 0, 1, 0, "mse"},
        {OP_LSGAN_FWD, OP_LSGAN_BWD, 0, 0, 1.0f, "lsgan real"},
        {OP_LSGAN_FWD, OP_LSGAN_BWD, 0, 0, 0.0f, "lsgan fake"},
        {OP_HINGE_FWD, OP_HINGE_BWD, GEN_HINGE_REAL, 0, 0, "hinge real"},
        {OP_HINGE_FWD, OP_HINGE_BWD, GEN_HINGE_FAKE, 0, 0, "hinge fake"},
        {OP_HINGE_FWD, OP_HINGE_BWD, GEN_HINGE_GEN, 0, 0, "hinge gen"},
        {OP_TV_FWD, OP_TV_BWD, 0, 0, 0, "tv"},
        {OP_SUM, OP_NONE, 0, 0, 0, "sum"},
    };
    char name[160];
    for (size_t li = 0; li < sizeof(ls) / sizeof(ls[0]); li++) {
        for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
            int n = xs[i][0], c = xs[i][1], h = xs[i][2], w = xs[i][3];
            int large = i == 3;
            /* fwd: loss, x [, b]   bwd: dx, x [, b] */
            int sf[3][4] = {SHAPE(1, 1, 1, 1), SHAPE(n, c, h, w), SHAPE(n, c, h, w)};
            int sb[3][4] = {SHAPE(n, c, h, w), SHAPE(n, c, h, w), SHAPE(n, c, h, w)};
            int nt = ls[li].two ? 3 : 2;
            /* hinge inputs straddle the kinks at +-1 */
            float lo = ls[li].fwd == OP_HINGE_FWD ? -2.0f : -1.0f, hi = -lo;
            if (ls[li].fwd == OP_SUM) lo = -0.5f; /* mean 0.25: no cancellation to 0 */
            op_arg f = {.op = ls[li].fwd, .mode = ls[li].mode, .target = ls[li].target};
            snprintf(name, sizeof(name), "%s fwd %dx%dx%dx%d", ls[li].name, n, c, h, w);
            run_case(vk, ref, name, &f, nt, sf, 1e-7, 1e-6, large ? 3 : 1, lo, hi);
            if (ls[li].bwd == OP_NONE) continue;
            for (int acc = 0; acc <= 1; acc++) {
                op_arg b = {.op = ls[li].bwd,
                            .mode = ls[li].mode,
                            .target = ls[li].target,
                            .scale = 0.7f,
                            .acc = acc};
                snprintf(name, sizeof(name), "%s bwd acc%d %dx%dx%dx%d", ls[li].name, acc, n, c, h,
                         w);
                /* |g| <= 16 scale / len (tv); the float k = scale / len rounds by 6e-8 */
                double atol = 1e-6 * 16.0 * b.scale / ((double)n * c * h * w);
                run_case(vk, ref, name, &b, nt, sb, atol, 1e-6, 1, lo, hi);
            }
        }
    }
}

static void test_gram(gen_backend *vk, gen_backend *ref)
{
    static const int xs[][4] = {{1, 3, 1, 1},    {2, 5, 3, 5},   {1, 7, 37, 29},   {1, 64, 32, 32},
                                {2, 70, 17, 19}, {1, 130, 8, 8}, {1, 16, 128, 128}};
    char name[160];
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
        int n = xs[i][0], c = xs[i][1], h = xs[i][2], w = xs[i][3];
        int sf[2][4] = {SHAPE(1, n, c, c), SHAPE(n, c, h, w)};
        op_arg f = {.op = OP_GRAM_FWD};
        snprintf(name, sizeof(name), "gram fwd %dx%dx%dx%d", n, c, h, w);
        run_case(vk, ref, name, &f, 2, sf, 1e-7, 1e-5, i == 6 ? 3 : 1, -1, 1);
        /* df, dg, f */
        int sb[3][4] = {SHAPE(n, c, h, w), SHAPE(1, n, c, c), SHAPE(n, c, h, w)};
        for (int acc = 0; acc <= 1; acc++) {
            op_arg b = {.op = OP_GRAM_BWD, .acc = acc};
            snprintf(name, sizeof(name), "gram bwd acc%d %dx%dx%dx%d", acc, n, c, h, w);
            run_case(vk, ref, name, &b, 3, sb, 1e-8, 1e-5, 1, -1, 1);
        }
    }
}

/*
 * The tiled-inference ops. instnorm_apply: stats given (random, so rstd may be negative:
 * the op does not care). moments: rectangles from one pixel to a whole plane and one large
 * enough for many chunks; the sums run over up to 180k terms, so atol grows with the count.
 * window: crops inside, across every padding mode's edges (far outside too) and box
 * downscales. tile_blend: interior cores, frame-edge cores, wrapped tiles, bands 0, 2, 16,
 * a tile hanging out of the frame.
 */
static void test_tiling_ops(gen_backend *vk, gen_backend *ref)
{
    static const int xs[][4] = {
        {1, 1, 1, 1}, {2, 3, 3, 5}, {1, 7, 37, 29}, {2, 5, 64, 64}, {1, 3, 240, 320}};
    char name[160];
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
        int n = xs[i][0], c = xs[i][1], h = xs[i][2], w = xs[i][3];
        int sf[5][4] = {SHAPE(n, c, h, w), SHAPE(1, n, c, 2), SHAPE(n, c, h, w), SHAPE(1, c, 1, 1),
                        SHAPE(1, c, 1, 1)};
        op_arg f = {.op = OP_INSTNORM_APPLY};
        snprintf(name, sizeof(name), "instnorm apply %dx%dx%dx%d", n, c, h, w);
        run_case(vk, ref, name, &f, 5, sf, 2e-7, 2e-6, 1, -1, 1);
    }

    static const int ms[][8] = {
        /* n, c, h, w, x0, y0, x1, y1 */
        {1, 1, 1, 1, 0, 0, 1, 1},      {2, 3, 3, 5, 1, 0, 4, 3},
        {1, 7, 37, 29, 3, 5, 29, 36},  {1, 7, 37, 29, 28, 36, 29, 37},
        {2, 5, 64, 64, 0, 0, 64, 64},  {1, 4, 512, 384, 32, 16, 352, 496},
        {1, 64, 30, 34, 4, 4, 30, 28},
    };
    for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
        const int *m = ms[i];
        int sm[3][4] = {SHAPE(1, m[0], m[1], 2), SHAPE(m[0], m[1], m[2], m[3]),
                        SHAPE(1, m[0], m[1], 2)};
        op_arg a = {.op = OP_MOMENTS, .rect = {m[4], m[5], m[6], m[7]}};
        double terms = (double)(m[6] - m[4]) * (m[7] - m[5]);
        snprintf(name, sizeof(name), "moments %dx%dx%dx%d rect %d,%d-%d,%d", m[0], m[1], m[2], m[3],
                 m[4], m[5], m[6], m[7]);
        run_case(vk, ref, name, &a, 3, sm, 2e-7 * terms, 1e-5, 1 + (i == 1), -1, 1);
    }

    static const int ws[][9] = {
        /* n, c, ih, iw, oh, ow, x0, y0, f */
        {1, 1, 1, 1, 3, 5, -2, -1, 1},      {2, 3, 37, 29, 12, 16, 8, 4, 1},
        {1, 3, 37, 29, 20, 40, -13, -9, 1}, {1, 3, 64, 48, 16, 12, 0, 0, 4},
        {2, 5, 37, 29, 13, 10, 0, 0, 3},    {1, 3, 21, 17, 6, 6, -3, 2, 5},
    };
    for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
        const int *v = ws[i];
        for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
            int sw[2][4] = {SHAPE(v[0], v[1], v[4], v[5]), SHAPE(v[0], v[1], v[2], v[3])};
            op_arg a = {.op = OP_WINDOW, .k = v[8], .mode = mode, .rect = {v[6], v[7]}};
            snprintf(name, sizeof(name), "window f%d pad %d %dx%d at %d,%d of %dx%dx%dx%d", v[8],
                     mode, v[4], v[5], v[6], v[7], v[0], v[1], v[2], v[3]);
            run_case(vk, ref, name, &a, 2, sw, v[8] == 1 ? 0 : 1e-7, v[8] == 1 ? 0 : 1e-6, 1, -1,
                     1);
        }
    }

    static const struct {
        int n, c, H, W, th, tw;
        gen_blend_desc d;
    } bs[] = {
        {1, 3, 64, 96, 40, 56, {20, 12, 32, 24, 64, 48, 16, 0}}, /* interior core */
        {1, 3, 64, 96, 40, 56, {0, 0, 0, 0, 40, 32, 16, 0}},     /* top-left core */
        {2, 5, 37, 32, 21, 24, {8, 16, 16, 20, 32, 37, 2, 0}},   /* bottom-right core */
        {1, 3, 16, 64, 16, 40, {-12, 0, 0, 0, 16, 16, 16, 1}},   /* wraps left */
        {1, 3, 16, 64, 16, 40, {36, 0, 48, 0, 64, 16, 16, 1}},   /* wraps right */
        {1, 7, 29, 48, 13, 20, {12, 8, 16, 12, 28, 20, 0, 0}},   /* band 0: a hard cut */
        {1, 1, 20, 16, 30, 24, {-8, -5, 0, 0, 16, 20, 4, 0}},    /* hangs out of the frame */
    };
    for (size_t i = 0; i < sizeof(bs) / sizeof(bs[0]); i++) {
        int sb[2][4] = {SHAPE(bs[i].n, bs[i].c, bs[i].H, bs[i].W),
                        SHAPE(bs[i].n, bs[i].c, bs[i].th, bs[i].tw)};
        op_arg a = {.op = OP_TILE_BLEND, .blend = bs[i].d};
        snprintf(name, sizeof(name), "tile blend %d: %dx%d at %d,%d into %dx%d band %d%s", (int)i,
                 bs[i].th, bs[i].tw, bs[i].d.ox, bs[i].d.oy, bs[i].H, bs[i].W, bs[i].d.band,
                 bs[i].d.wrap_x ? " wrap" : "");
        run_case(vk, ref, name, &a, 2, sb, 2e-7, 1e-6, 1 + (i == 0), -1, 1);
    }
}

/*
 * temporal_hold: x and the previous luma pl within 0.02 of each other, so the luma change
 * (up to 2.6 code values) crosses the still threshold (1 or 0.5) and the ramp above it; pl
 * at the reset value; 3 runs, so later runs see pl == luma(x) (the rate alone). 76,800 pixels a
 * picture span several of the CPU backend's chunks.
 */
static void test_temporal_hold(gen_backend *vk, gen_backend *ref)
{
    static const int xs[][3] = {{1, 1, 1}, {2, 37, 29}, {1, 240, 320}, {2, 130, 132}};
    char name[160];
    for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
        for (int reset = 0; reset < 2; reset++) {
            op_arg a = {.op = OP_TEMPORAL_HOLD, .scale = i % 2 ? 0.5f : 1.0f, .alpha = 0.03f * i};
            vt_case c = {.name = name, .nt = 4, .record = rec_op, .arg = &a};
            c.atol = 2e-6, c.rtol = 1e-5, c.runs = 1 + 2 * ((int)(i % 2) == reset);
            for (int k = 0; k < 4; k++) {
                int sh[4] = {xs[i][0], k == 2 ? 1 : 3, xs[i][1], xs[i][2]};
                memcpy(c.shape[k], sh, sizeof(sh));
                c.lo[k] = k == 1 || k == 2 ? 0.0f : -1.0f;
                c.hi[k] = k == 1 || k == 2 ? 0.02f : 1.0f;
            }
            if (reset) c.lo[2] = c.hi[2] = GEN_TEMPORAL_RESET;
            snprintf(name, sizeof(name), "temporal hold %dx3x%dx%d still %g rate %g%s x%d",
                     xs[i][0], xs[i][1], xs[i][2], a.scale, a.alpha, reset ? " reset" : "", c.runs);
            vt_case_check(vk, ref, &c, g_seed++);
        }
}

/* A small training-like chain in one program (scratch shared by several nodes, in-place
 * activation, gradients joining with acc), replayed 3 times. */
static void rec_chain(gen_prog *p, gen_tensor *t, const void *arg)
{
    /* x, gamma, beta, y, stats, tgt, loss, dy */
    (void)arg;
    gen_tensor none = {0};
    gen_instnorm_forward(p, t[3], t[4], t[0], t[1], t[2]);
    gen_act_forward(p, GEN_ACT_TANH, 0, t[3], t[3]);
    gen_mse_forward(p, t[6], t[3], t[5]);
    gen_mse_backward(p, t[7], t[3], t[5], 0.5f, 0);
    gen_l1_backward(p, t[7], t[3], t[5], 0.25f, 1);
    gen_act_backward(p, GEN_ACT_TANH, 0, t[7], t[7], none, t[3], 0);
    gen_tv_forward(p, t[6], t[7]);
}

static void test_chain(gen_backend *vk, gen_backend *ref)
{
    vt_case c = {.name = "chain x3", .nt = 8, .record = rec_chain, .atol = 1e-6, .rtol = 1e-5};
    int sh[8][4] = {SHAPE(1, 5, 37, 29), SHAPE(1, 5, 1, 1),  SHAPE(1, 5, 1, 1),
                    SHAPE(1, 5, 37, 29), SHAPE(1, 1, 5, 2),  SHAPE(1, 5, 37, 29),
                    SHAPE(1, 1, 1, 1),   SHAPE(1, 5, 37, 29)};
    memcpy(c.shape, sh, sizeof(sh));
    c.runs = 3;
    vt_case_check(vk, ref, &c, g_seed++);
}

/*
 * Adam: three steps, the host rewriting lr and the bias corrections in the hyper tensor
 * between replays of one compiled program (the kernel must read them from memory each run).
 */
static int adam_run(gen_backend *be, size_t len, int decoupled, float **init, float **res)
{
    gen_arena a = {0};
    gen_tensor t[5];
    gen_prog *p = NULL;
    int ret;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        for (int i = 0; i < 4; i++) t[i] = gen_arena_take(&a, 1, 1, 1, (int)len);
        t[4] = gen_arena_take(&a, 1, 1, 1, GEN_ADAM_HYPER_LEN);
        if (pass == 0 && (ret = gen_buf_create(be, a.used, &a.buf)) < 0) return ret;
    }
    for (int i = 0; i < 4; i++)
        if ((ret = gen_tensor_upload(be, t[i], init[i])) < 0) goto done;
    if ((ret = gen_prog_create(be, &p)) < 0) goto done;
    gen_adam_update(p, t[0], t[1], t[2], t[3], t[4]);
    if ((ret = gen_prog_compile(p)) < 0) goto done;
    double b1t = 1.0, b2t = 1.0;
    for (int step = 1; step <= 3; step++) {
        float h[GEN_ADAM_HYPER_LEN];
        h[GEN_ADAM_LR] = 1e-2f / (float)step;
        h[GEN_ADAM_B1] = 0.9f;
        h[GEN_ADAM_B2] = 0.999f;
        h[GEN_ADAM_EPS] = 1e-8f;
        h[GEN_ADAM_WD] = 0.05f;
        b1t *= h[GEN_ADAM_B1];
        b2t *= h[GEN_ADAM_B2];
        h[GEN_ADAM_BC1] = (float)(1.0 - b1t);
        h[GEN_ADAM_BC2] = (float)(1.0 - b2t);
        h[GEN_ADAM_DECOUPLED] = (float)decoupled;
        if ((ret = gen_tensor_upload(be, t[4], h)) < 0) goto done;
        if ((ret = gen_prog_run(p)) < 0) goto done;
    }
    for (int i = 0; i < 4; i++) {
        res[i] = malloc(len * sizeof(float));
        if ((ret = gen_tensor_download(be, t[i], res[i])) < 0) goto done;
    }
done:
    gen_prog_destroy(&p);
    gen_buf_destroy(&a.buf);
    return ret;
}

static void test_adam(gen_backend *vk, gen_backend *ref, size_t len, int decoupled)
{
    static const char *names[4] = {"param", "grad", "m", "v"};
    float *init[4], *rv[4] = {0}, *rr[4] = {0};
    vt_rng rng = {g_seed++};
    for (int i = 0; i < 4; i++) {
        init[i] = malloc(len * sizeof(float));
        vt_fill_uniform(&rng, init[i], len, i == 3 ? 0.0f : -1.0f, 1.0f); /* v >= 0 */
    }
    int ok = adam_run(vk, len, decoupled, init, rv) == VG_OK &&
             adam_run(ref, len, decoupled, init, rr) == VG_OK;
    VT_CHECK(ok, "adam len %zu: could not run", len);
    for (int i = 0; ok && i < 4; i++) {
        char what[96];
        snprintf(what, sizeof(what), "adam%s len %zu %s", decoupled ? "w" : "", len, names[i]);
        vt_compare(what, rv[i], rr[i], len, 1e-7, 1e-6);
    }
    for (int i = 0; i < 4; i++) {
        free(init[i]);
        free(rv[i]);
        free(rr[i]);
    }
}

int main(void)
{
    gen_backend *vk = NULL, *ref = NULL;
    int ret = vt_vulkan_backend(&vk);
    if (ret == VT_SKIP) return VT_SKIP;
    VT_CHECK(ret == VG_OK, "vulkan backend: %s", vg_strerror(ret));
    if (ret < 0) return 1;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    ret = gen_backend_create(&rc, &ref);
    VT_CHECK(ret == VG_OK, "reference backend: %s", vg_strerror(ret));
    if (ret < 0) return 1;

    test_elementwise(vk, ref);
    test_concat(vk, ref);
    test_upsample_pool(vk, ref);
    test_instnorm(vk, ref);
    test_losses(vk, ref);
    test_gram(vk, ref);
    test_chain(vk, ref);
    test_tiling_ops(vk, ref);
    test_temporal_hold(vk, ref);
    test_adam(vk, ref, 1, 0);
    test_adam(vk, ref, 1000, 0);
    test_adam(vk, ref, 100003, 1);

    vt_check_validation(vk);
    gen_backend_destroy(&vk);
    gen_backend_destroy(&ref);
    return vt_result("test_vk_ops");
}
