/*
 * test_ref_ops.c - known-value checks of the reference ops' forward semantics (gen/ref), the
 * part finite differences cannot catch: which pixel a padding mode reads, output sizes,
 * PyTorch's bilinear weights, normalisation, Adam's update, the acc and sign(0) rules.
 * Tiled inference: instance norm with given statistics, moments that add up over a
 * partition, windows across padding edges, blending weights that sum to one.
 * Then float vs double: every op, forward and backward, on random inputs, the float
 * version within |f32 - f64| <= F32_ATOL + F32_RTOL * |f64| (1e-6 + 1e-6; measured: all
 * within 1e-7 + 1e-6, the float code accumulates in double and rounds once).
 *
 * Hand-computed values are exact binary fractions where possible and compared exactly or
 * within 1e-6 (stated at each check). Gradients themselves are tested in test_ref_grad.c.
 */
#include "gen/ref/gen_ref.h"
#include "vt.h"

#include <string.h>

#define F32_ATOL 1e-6
#define F32_RTOL 1e-6

static float *falloc(size_t n)
{
    float *x = calloc(n ? n : 1, sizeof *x);
    if (!x) abort();
    return x;
}

/* ---- padding: which source pixel each mode reads ------------------------------------------ */

/*
 * Reads the padded line src (length n, pad on each side) through conv2d: kernel size
 * k = 2 pad + 1, one output channel per tap j holding a delta at tap j, so output channel j
 * at position x is padded[x + j]. along_x picks a row (1, n) or a column (n, 1) image.
 * Compares the n + 2 pad values read with expect.
 */
static void check_pad_line(const char *what, gen_pad_mode mode, int along_x, const float *src,
                           int n, int pad, const float *expect)
{
    int k = 2 * pad + 1;
    gen_conv2d_desc d = {.n = 1,
                         .ic = 1,
                         .ih = along_x ? 1 : n,
                         .iw = along_x ? n : 1,
                         .oc = k,
                         .k = k,
                         .stride = 1,
                         .pad = pad,
                         .pad_mode = mode};
    float *w = falloc((size_t)k * k * k), *out = falloc((size_t)k * n);
    for (int j = 0; j < k; j++) {
        int ky = along_x ? pad : j, kx = along_x ? j : pad;
        w[((size_t)j * k + ky) * k + kx] = 1.0f;
    }
    gen_ref_conv2d_forward(&d, out, src, w, NULL);
    VT_CHECK(gen_conv2d_oh(&d) * gen_conv2d_ow(&d) == n, "%s: output size", what);
    float got[32];
    for (int j = 0; j < k; j++)
        for (int x = 0; x < n; x++) got[x + j] = out[(size_t)j * n + x];
    vt_compare(what, got, expect, (size_t)n + 2 * pad, 0.0, 0.0);
    free(w);
    free(out);
}

static void test_pad_modes(void)
{
    static const float r3[] = {1, 2, 3}, r2[] = {1, 2};
    /* row [1 2 3], pad 2 */
    static const float zero3[] = {0, 0, 1, 2, 3, 0, 0}, refl3[] = {3, 2, 1, 2, 3, 2, 1};
    static const float repl3[] = {1, 1, 1, 2, 3, 3, 3}, circ3[] = {2, 3, 1, 2, 3, 1, 2};
    check_pad_line("zero x", GEN_PAD_ZERO, 1, r3, 3, 2, zero3);
    check_pad_line("zero y", GEN_PAD_ZERO, 0, r3, 3, 2, zero3);
    check_pad_line("reflect x", GEN_PAD_REFLECT, 1, r3, 3, 2, refl3);
    check_pad_line("reflect y", GEN_PAD_REFLECT, 0, r3, 3, 2, refl3);
    check_pad_line("replicate x", GEN_PAD_REPLICATE, 1, r3, 3, 2, repl3);
    check_pad_line("replicate y", GEN_PAD_REPLICATE, 0, r3, 3, 2, repl3);
    check_pad_line("circular_x x wraps", GEN_PAD_CIRCULAR_X, 1, r3, 3, 2, circ3);
    check_pad_line("circular_x y reflects", GEN_PAD_CIRCULAR_X, 0, r3, 3, 2, refl3);
    /* pad >= size: reflect mirrors repeatedly (period 2 (n - 1)), circular wraps repeatedly */
    static const float refl3p4[] = {1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3};
    static const float circ3p4[] = {3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1};
    check_pad_line("reflect pad 4 of 3", GEN_PAD_REFLECT, 1, r3, 3, 4, refl3p4);
    check_pad_line("circular_x pad 4 of 3", GEN_PAD_CIRCULAR_X, 1, r3, 3, 4, circ3p4);
    check_pad_line("circular_x y pad 4 of 3", GEN_PAD_CIRCULAR_X, 0, r3, 3, 4, refl3p4);
    static const float refl2p3[] = {2, 1, 2, 1, 2, 1, 2, 1}, repl2p3[] = {1, 1, 1, 1, 2, 2, 2, 2};
    static const float zero2p3[] = {0, 0, 0, 1, 2, 0, 0, 0};
    check_pad_line("reflect pad 3 of 2", GEN_PAD_REFLECT, 1, r2, 2, 3, refl2p3);
    check_pad_line("replicate pad 3 of 2", GEN_PAD_REPLICATE, 0, r2, 2, 3, repl2p3);
    check_pad_line("zero pad 3 of 2", GEN_PAD_ZERO, 1, r2, 2, 3, zero2p3);
    static const float one[] = {7}, one_p2[] = {7, 7, 7, 7, 7};
    check_pad_line("reflect of size 1", GEN_PAD_REFLECT, 1, one, 1, 2, one_p2);
    check_pad_line("circular_x of size 1", GEN_PAD_CIRCULAR_X, 1, one, 1, 2, one_p2);
}

/* The backward sends a padded read's gradient to the source pixel it read: row [a b c],
 * k 3 pad 1, delta at kx = 0 (out[x] reads in[x - 1]), dout = 1. */
static void test_pad_backward(void)
{
    static const float expect[GEN_PAD_COUNT][3] = {
        [GEN_PAD_ZERO] = {1, 1, 0},       /* out[0] read a zero: dropped */
        [GEN_PAD_REFLECT] = {1, 2, 0},    /* out[0] read in[1] */
        [GEN_PAD_REPLICATE] = {2, 1, 0},  /* out[0] read in[0] */
        [GEN_PAD_CIRCULAR_X] = {1, 1, 1}, /* out[0] read in[2] */
    };
    static const float in[3] = {1, 2, 3}, dout[3] = {1, 1, 1};
    float w[9] = {0};
    w[1 * 3 + 0] = 1.0f;
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        gen_conv2d_desc d = {1, 1, 1, 3, 1, 3, 1, 1, mode, 0};
        float din[3] = {NAN, NAN, NAN};
        gen_ref_conv2d_backward(&d, din, NULL, NULL, dout, in, w, 0);
        char what[64];
        snprintf(what, sizeof what, "conv2d din routing, pad mode %d", mode);
        vt_compare(what, din, expect[mode], 3, 0.0, 0.0);
    }
}

/* ---- conv2d values ----------------------------------------------------------------------- */

static void test_conv_values(vt_rng *rng)
{
    /* a centred delta kernel (identity over channels) plus bias returns in + b, any mode */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        for (int k = 1; k <= 9; k += 2) {
            gen_conv2d_desc d = {2, 2, 5, 4, 2, k, 1, k / 2, mode, 1};
            size_t nin = 2 * 2 * 5 * 4;
            float *in = falloc(nin), *out = falloc(nin), *ref = falloc(nin);
            float *w = falloc((size_t)4 * k * k), b[2] = {0.5f, -0.25f};
            vt_fill_uniform(rng, in, nin, -1.0f, 1.0f);
            for (int o = 0; o < 2; o++) w[((size_t)(o * 2 + o) * k + k / 2) * k + k / 2] = 1.0f;
            for (size_t i = 0; i < nin; i++) ref[i] = in[i] + b[(i / 20) % 2];
            gen_ref_conv2d_forward(&d, out, in, w, b);
            char what[64];
            snprintf(what, sizeof what, "conv2d delta k%d mode %d", k, mode);
            vt_compare(what, out, ref, nin, 0.0, 0.0);
            free(in), free(out), free(ref), free(w);
        }
    }

    /* 3x3 image 1..9, all-ones 3x3 kernel, bias 0.5: window sums, by hand */
    static const float img[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const float zero_ref[9] = {12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5};
    float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, b = 0.5f, out[9];
    gen_conv2d_desc d = {1, 1, 3, 3, 1, 3, 1, 1, GEN_PAD_ZERO, 1};
    gen_ref_conv2d_forward(&d, out, img, ones, &b);
    vt_compare("conv2d box zero pad", out, zero_ref, 9, 0.0, 0.0);
    /* reflect: the corner window reads rows {1,0,1} x cols {1,0,1}: 5+4+5+2+1+2+5+4+5 = 33 */
    d.pad_mode = GEN_PAD_REFLECT;
    gen_ref_conv2d_forward(&d, out, img, ones, &b);
    VT_CHECK(out[0] == 33.5f && out[4] == 45.5f, "reflect box: corner %g centre %g", out[0],
             out[4]);
    /* has_bias == 0 ignores b */
    d.has_bias = 0;
    gen_ref_conv2d_forward(&d, out, img, ones, &b);
    VT_CHECK(out[4] == 45.0f, "has_bias 0: centre %g", out[4]);

    /* stride 2 on odd sizes: 37x29, k3 p1 s2 -> 19x15; a centred delta samples in[2y, 2x] */
    gen_conv2d_desc s2 = {1, 1, 37, 29, 1, 3, 2, 1, GEN_PAD_REFLECT, 0};
    VT_CHECK(gen_conv2d_oh(&s2) == 19 && gen_conv2d_ow(&s2) == 15, "stride 2: %dx%d",
             gen_conv2d_oh(&s2), gen_conv2d_ow(&s2));
    float *in = falloc(37 * 29), *o2 = falloc(19 * 15), *ref = falloc(19 * 15);
    float w[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    vt_fill_uniform(rng, in, 37 * 29, -1.0f, 1.0f);
    for (int y = 0; y < 19; y++)
        for (int x = 0; x < 15; x++) ref[y * 15 + x] = in[(2 * y) * 29 + 2 * x];
    gen_ref_conv2d_forward(&s2, o2, in, w, NULL);
    vt_compare("conv2d stride 2 delta", o2, ref, 19 * 15, 0.0, 0.0);
    /* k4 p1 s2 on 8x7: (8 + 2 - 4) / 2 + 1 = 4, (7 + 2 - 4) / 2 + 1 = 3 */
    gen_conv2d_desc k4 = {1, 1, 8, 7, 1, 4, 2, 1, GEN_PAD_ZERO, 0};
    VT_CHECK(gen_conv2d_oh(&k4) == 4 && gen_conv2d_ow(&k4) == 3, "k4 s2: %dx%d", gen_conv2d_oh(&k4),
             gen_conv2d_ow(&k4));
    free(in), free(o2), free(ref);

    /* up2: a convolution of the nearest-2x upsampled input, read from the half-size tensor,
     * equals upsampling first, in every padding mode (2 images, 3 channels, 5x6 -> 10x12) */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        gen_conv2d_desc u = {2, 3, 10, 12, 4, 3, 1, 1, mode, 1};
        size_t nh = 2 * 3 * 5 * 6, nu = 2 * 3 * 10 * 12, no = 2 * 4 * 10 * 12;
        float *half = falloc(nh), *up = falloc(nu), *wu = falloc(4 * 3 * 9), bu[4];
        float *o_ref = falloc(no), *o_up = falloc(no);
        vt_fill_uniform(rng, half, nh, -1.0f, 1.0f);
        vt_fill_uniform(rng, wu, 4 * 3 * 9, -1.0f, 1.0f);
        vt_fill_uniform(rng, bu, 4, -1.0f, 1.0f);
        gen_ref_upsample2x_forward(GEN_UPSAMPLE_NEAREST, 2, 3, 5, 6, up, half);
        gen_ref_conv2d_forward(&u, o_ref, up, wu, bu);
        u.up2 = 1;
        gen_ref_conv2d_forward(&u, o_up, half, wu, bu);
        char what[64];
        snprintf(what, sizeof what, "conv2d up2 = upsample + conv, mode %d", mode);
        vt_compare(what, o_up, o_ref, no, 0.0, 0.0);
        free(half), free(up), free(wu), free(o_ref), free(o_up);
    }
}

/* ---- upsample ---------------------------------------------------------------------------- */

static void test_upsample_values(void)
{
    /* PyTorch nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False) of
     * [[1, 2], [3, 4]]: per axis dst 0..3 reads src 0, 0.25, 0.75, 1 (clamped) */
    static const float in[4] = {1, 2, 3, 4};
    static const float bil[16] = {1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5,
                                  2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0};
    static const float near[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    float out[24];
    gen_ref_upsample2x_forward(GEN_UPSAMPLE_BILINEAR, 1, 1, 2, 2, out, in);
    vt_compare("bilinear 2x2", out, bil, 16, 0.0, 0.0);
    gen_ref_upsample2x_forward(GEN_UPSAMPLE_NEAREST, 1, 1, 2, 2, out, in);
    vt_compare("nearest 2x2", out, near, 16, 0.0, 0.0);
    /* a row [0 4 8] (h = 1): src x = 0, .25, .75, 1.25, 1.75, 2 (clamped) */
    static const float row[3] = {0, 4, 8}, row_ref[12] = {0, 1, 3, 5, 7, 8, 0, 1, 3, 5, 7, 8};
    gen_ref_upsample2x_forward(GEN_UPSAMPLE_BILINEAR, 1, 1, 1, 3, out, row);
    vt_compare("bilinear 1x3", out, row_ref, 12, 0.0, 0.0);

    /* backward of all-ones: each source pixel's weights sum; 2x2 bilinear gives 4 each */
    float ones[16], din[4] = {NAN, NAN, NAN, NAN}, four[4] = {4, 4, 4, 4};
    for (int i = 0; i < 16; i++) ones[i] = 1.0f;
    gen_ref_upsample2x_backward(GEN_UPSAMPLE_BILINEAR, 1, 1, 2, 2, din, ones, 0);
    vt_compare("bilinear backward of ones", din, four, 4, 0.0, 0.0);
    /* 1x3 row: weights per source over the 6 columns (x2 rows): x0 gets 1+.75+.25 = 2 */
    float dr[3] = {NAN, NAN, NAN}, dr_ref[3] = {4, 4, 4};
    gen_ref_upsample2x_backward(GEN_UPSAMPLE_BILINEAR, 1, 1, 1, 3, dr, ones, 0);
    vt_compare("bilinear 1x3 backward of ones", dr, dr_ref, 3, 0.0, 0.0);
}

/* ---- instance norm ----------------------------------------------------------------------- */

static void test_instnorm_values(vt_rng *rng)
{
    enum { N = 2, C = 3, HW = 64 };
    float *in = falloc(N * C * HW), *out = falloc(N * C * HW), stats[N * C * 2];
    float gamma[C] = {1, 1, 1}, beta[C] = {0, 0, 0};
    for (int p = 0; p < N * C; p++) {
        float off = vt_rng_uniform(rng, -5.0f, 5.0f), sc = vt_rng_uniform(rng, 0.5f, 3.0f);
        for (int j = 0; j < HW; j++) in[p * HW + j] = off + sc * vt_rng_uniform(rng, -1, 1);
    }
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) gamma[1] = 2.0f, beta[1] = -1.0f, gamma[2] = 0.5f, beta[2] = 3.0f;
        gen_ref_instnorm_forward(N, C, HW, out, stats, in, gamma, beta);
        for (int p = 0; p < N * C; p++) {
            int c = p % C;
            double m = 0, v = 0, mi = 0, vi = 0;
            for (int j = 0; j < HW; j++) m += out[p * HW + j], mi += in[p * HW + j];
            m /= HW, mi /= HW;
            for (int j = 0; j < HW; j++) {
                v += (out[p * HW + j] - m) * (out[p * HW + j] - m);
                vi += (in[p * HW + j] - mi) * (in[p * HW + j] - mi);
            }
            v /= HW, vi /= HW;
            /* mean beta, variance gamma^2 var / (var + eps) (eps moves it by < 1e-4 here) */
            double ev = (double)gamma[c] * gamma[c] * vi / (vi + GEN_IN_EPS);
            VT_CHECK(fabs(m - beta[c]) < 1e-5, "instnorm (%d, %d) mean %g, want %g", p / C, c, m,
                     beta[c]);
            VT_CHECK(fabs(v - ev) < 1e-5 * ev, "instnorm (%d, %d) var %.9g, want %.9g", p / C, c, v,
                     ev);
            VT_CHECK(fabs(stats[2 * p] - mi) < 1e-5 &&
                         fabs(stats[2 * p + 1] - 1.0 / sqrt(vi + GEN_IN_EPS)) < 1e-5,
                     "instnorm stats (%g, %g)", stats[2 * p], stats[2 * p + 1]);
        }
    }
    /* a constant channel: var 0, rstd = 1 / sqrt(eps), output beta */
    float cst[4] = {2, 2, 2, 2}, co[4], cs[2], g1 = 3.0f, b1 = 0.25f, b1x4[4];
    for (int i = 0; i < 4; i++) b1x4[i] = b1;
    gen_ref_instnorm_forward(1, 1, 4, co, cs, cst, &g1, &b1);
    vt_compare("instnorm of a constant", co, b1x4, 4, 0.0, 0.0);
    free(in), free(out);
}

/* ---- tiled inference: apply, moments, window, blend ---------------------------------------- */

static void test_tiling_values(vt_rng *rng)
{
    enum { C = 3, H = 8, W = 12, HW = H * W };
    float in[C * HW], out[C * HW], apply[C * HW], stats[C * 2];
    float gamma[C] = {1.0f, 2.0f, 0.5f}, beta[C] = {0.0f, -1.0f, 3.0f};
    /* apply with the forward's own statistics is the forward, up to the statistics'
       rounding to float (values near 0: below 1e-7 here) */
    for (int i = 0; i < C * HW; i++) in[i] = 0.25f + vt_rng_uniform(rng, -1, 1);
    gen_ref_instnorm_forward(1, C, HW, out, stats, in, gamma, beta);
    gen_ref_instnorm_apply(1, C, HW, apply, stats, in, gamma, beta);
    vt_compare("instnorm apply with its own stats", apply, out, C * HW, 1e-6, 1e-6);

    /* moments of the four quadrants of a plane around 100, shifted by the float mean m,
       add up to the whole plane's: S1 = N (mean - m), S2 = N (var + (mean - m)^2) */
    for (int i = 0; i < C * HW; i++) in[i] = 100.0f + vt_rng_uniform(rng, -1, 1);
    gen_ref_instnorm_forward(1, C, HW, out, stats, in, gamma, beta);
    float acc[C * 2] = {0};
    static const int q[4][4] = {{0, 0, 4, 4}, {4, 0, 12, 4}, {0, 4, 4, 8}, {4, 4, 12, 8}};
    for (int k = 0; k < 4; k++)
        gen_ref_moments_accumulate(1, C, H, W, acc, in, stats, q[k][0], q[k][1], q[k][2], q[k][3]);
    for (int c = 0; c < C; c++) {
        double mean = 0, var = 0;
        for (int j = 0; j < HW; j++) mean += in[c * HW + j];
        mean /= HW;
        for (int j = 0; j < HW; j++) var += (in[c * HW + j] - mean) * (in[c * HW + j] - mean);
        var /= HW;
        double d = mean - stats[2 * c], s1 = HW * d, s2 = HW * (var + d * d);
        VT_CHECK(fabs(acc[2 * c] - s1) < 1e-9 + 1e-5 * fabs(s1) &&
                     fabs(acc[2 * c + 1] - s2) < 1e-6 * s2,
                 "moments channel %d: S1 %.9g (want %.9g), S2 %.9g (want %.9g)", c, acc[2 * c], s1,
                 acc[2 * c + 1], s2);
    }

    /* window: a crop 2 left of a 1 x 3 row wraps (circular) or mirrors (reflect); a 2 x 2
       box of a 2 x 4 image averages pairs of columns */
    static const float row[3] = {1, 2, 3}, img[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const float want_circ[5] = {2, 3, 1, 2, 3}, want_refl[5] = {3, 2, 1, 2, 3};
    static const float want_box[2] = {3.5f, 5.5f}, want_zero[5] = {0, 0, 1, 2, 3};
    float got[5];
    gen_ref_window(1, 1, 1, 3, 1, 5, got, row, -2, 0, 1, GEN_PAD_CIRCULAR_X);
    vt_compare("window circular", got, want_circ, 5, 0.0, 0.0);
    gen_ref_window(1, 1, 1, 3, 1, 5, got, row, -2, 0, 1, GEN_PAD_REFLECT);
    vt_compare("window reflect", got, want_refl, 5, 0.0, 0.0);
    gen_ref_window(1, 1, 1, 3, 1, 5, got, row, -2, 0, 1, GEN_PAD_ZERO);
    vt_compare("window zero", got, want_zero, 5, 0.0, 0.0);
    gen_ref_window(1, 1, 2, 4, 1, 2, got, img, 0, 0, 2, GEN_PAD_REFLECT);
    vt_compare("window 2x2 box", got, want_box, 2, 0.0, 0.0);

    /* blend: three tiles of ones whose cores partition a 360 row of 48 (wrapping) and two
       rows of 8 sum to exactly 1 everywhere, for bands 0, 2 and 16 */
    enum { BW = 48, BH = 8, TW = 32, TH = 8 };
    float tile[TH * TW], frame[BH * BW], ones[BH * BW];
    for (int i = 0; i < TH * TW; i++) tile[i] = 1.0f;
    for (int i = 0; i < BH * BW; i++) ones[i] = 1.0f;
    static const int bands[3] = {0, 2, 16};
    for (int b = 0; b < 3; b++) {
        memset(frame, 0, sizeof frame);
        for (int k = 0; k < 3; k++)
            for (int r = 0; r < 2; r++) {
                int x0 = 16 * k, y0 = 4 * r;
                gen_blend_desc d = {x0 - 8, 0, x0, y0, x0 + 16, y0 + 4, bands[b], 1};
                gen_ref_tile_blend(1, 1, BH, BW, TH, TW, frame, tile, &d);
            }
        char what[64];
        snprintf(what, sizeof what, "blend partition of unity, band %d", bands[b]);
        vt_compare(what, frame, ones, BH * BW, 0.0, 0.0);
    }
}

/* ---- activations, elementwise, concat, avgpool --------------------------------------------- */

static void test_act_values(void)
{
    static const float x[5] = {-2, -0.5f, 0, 0.5f, 3};
    static const float relu[5] = {0, 0, 0, 0.5f, 3}, leaky[5] = {-0.4f, -0.1f, 0, 0.5f, 3};
    float y[5], dy[5], ones[5] = {1, 1, 1, 1, 1};
    gen_ref_act_forward(GEN_ACT_RELU, 0.2f, 5, y, x);
    vt_compare("relu", y, relu, 5, 0.0, 0.0);
    gen_ref_act_forward(GEN_ACT_LEAKY_RELU, 0.2f, 5, y, x);
    vt_compare("leaky relu", y, leaky, 5, 1e-7, 1e-7);
    /* derivative at exactly 0: relu 0, leaky alpha */
    static const float drelu[5] = {0, 0, 0, 1, 1}, dleaky[5] = {0.2f, 0.2f, 0.2f, 1, 1};
    gen_ref_act_backward(GEN_ACT_RELU, 0.2f, 5, dy, ones, x, NULL, 0);
    vt_compare("relu'", dy, drelu, 5, 0.0, 0.0);
    gen_ref_act_backward(GEN_ACT_LEAKY_RELU, 0.2f, 5, dy, ones, x, NULL, 0);
    vt_compare("leaky'", dy, dleaky, 5, 0.0, 0.0);
    /* after an in-place forward `in` holds the output: relu and leaky (alpha > 0) give the
     * same derivative from it */
    float z[5];
    memcpy(z, x, sizeof z);
    gen_ref_act_forward(GEN_ACT_LEAKY_RELU, 0.2f, 5, z, z);
    vt_compare("leaky in place", z, leaky, 5, 1e-7, 1e-7);
    gen_ref_act_backward(GEN_ACT_LEAKY_RELU, 0.2f, 5, dy, ones, z, NULL, 0);
    vt_compare("leaky' from the output", dy, dleaky, 5, 0.0, 0.0);
    static const float zero[1] = {0}, half[1] = {0.5f};
    gen_ref_act_forward(GEN_ACT_TANH, 0, 1, y, zero);
    VT_CHECK(y[0] == 0.0f, "tanh(0) = %g", y[0]);
    gen_ref_act_forward(GEN_ACT_SIGMOID, 0, 1, y, zero);
    vt_compare("sigmoid(0)", y, half, 1, 0.0, 0.0);
    gen_ref_act_backward(GEN_ACT_SIGMOID, 0, 1, dy, ones, NULL, half, 0);
    VT_CHECK(dy[0] == 0.25f, "sigmoid'(0) = %g", dy[0]);
    gen_ref_act_forward(GEN_ACT_TANH, 0, 1, y, ones);
    VT_CHECK(fabsf(y[0] - 0.7615941559557649f) < 1e-7f, "tanh(1) = %.9g", y[0]);
}

static void test_elementwise_values(void)
{
    float a[3] = {1, 2, 3}, b[3] = {0.5f, -2, 4}, y[3] = {NAN, NAN, NAN};
    static const float sum[3] = {1.5f, 0, 7}, ax[3] = {2, 4, 6};
    gen_ref_add(3, y, a, b);
    vt_compare("add", y, sum, 3, 0.0, 0.0);
    /* beta == 0 does not read y: NaN garbage in y gives alpha x */
    for (int i = 0; i < 3; i++) y[i] = NAN;
    gen_ref_axpby(3, y, 2.0f, a, 0.0f);
    vt_compare("axpby beta 0 over NaN", y, ax, 3, 0.0, 0.0);
    memcpy(y, b, sizeof y);
    gen_ref_axpby(3, y, 1.0f, a, -1.0f); /* a - b */
    static const float amb[3] = {0.5f, 4, -1};
    vt_compare("axpby a - b", y, amb, 3, 0.0, 0.0);
    gen_ref_axpby(3, y, 0.5f, a, 2.0f); /* 0.5 a + 2 (a - b) */
    static const float r2[3] = {1.5f, 9, -0.5f};
    vt_compare("axpby", y, r2, 3, 0.0, 0.0);
    gen_ref_fill(3, y, -0.75f);
    VT_CHECK(y[0] == -0.75f && y[2] == -0.75f, "fill");
    float s;
    static const float ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    gen_ref_sum(10, &s, ten);
    VT_CHECK(s == 55.0f, "sum 1..10 = %g", s);

    /* concat n 2: a (2, 1, 2), b (2, 2, 2) -> per batch [a_n, b_n] */
    static const float ca[4] = {1, 2, 3, 4}, cb[8] = {5, 6, 7, 8, 9, 10, 11, 12};
    static const float cat[12] = {1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12};
    float co[12], da[4], db[8] = {0};
    gen_ref_concat_forward(2, 1, 2, 2, co, ca, cb);
    vt_compare("concat", co, cat, 12, 0.0, 0.0);
    for (int i = 0; i < 4; i++) da[i] = 1.0f;
    gen_ref_concat_backward(2, 1, 2, 2, da, db, cat, 1); /* acc 1: da = 1 + a part */
    static const float da_ref[4] = {2, 3, 4, 5};
    vt_compare("concat backward da acc=1", da, da_ref, 4, 0.0, 0.0);
    gen_ref_concat_backward(2, 1, 2, 2, NULL, db, cat, 0);
    vt_compare("concat backward db", db, cb, 8, 0.0, 0.0);

    /* avgpool 4x4 ramp 0..15, k2 s2 */
    float ramp[25], po[4], pd[25];
    for (int i = 0; i < 16; i++) ramp[i] = (float)i;
    static const float pool[4] = {2.5f, 4.5f, 10.5f, 12.5f};
    gen_ref_avgpool_forward(1, 1, 4, 4, 2, 2, po, ramp);
    vt_compare("avgpool 4x4 k2 s2", po, pool, 4, 0.0, 0.0);
    /* 5x5 k2 s2: 2x2 windows cover rows and columns 0..3; row and column 4 get nothing */
    float pones[4] = {1, 1, 1, 1}, pd_ref[25];
    for (int i = 0; i < 25; i++) pd[i] = NAN, pd_ref[i] = (i / 5 < 4 && i % 5 < 4) ? 0.25f : 0;
    gen_ref_avgpool_backward(1, 1, 5, 5, 2, 2, pd, pones, 0);
    vt_compare("avgpool 5x5 backward", pd, pd_ref, 25, 0.0, 0.0);
}

/* ---- losses, gram, tv ---------------------------------------------------------------------- */

static void test_loss_values(void)
{
    float loss, g[4];
    static const float a[4] = {1, 2, 3, 4}, b[4] = {0, 4, 3, 3};
    gen_ref_l1_forward(4, &loss, a, b);
    VT_CHECK(loss == 1.0f, "l1 = %g, want (1 + 2 + 0 + 1) / 4", loss);
    /* sign(0) = 0 at a == b; scale 2 */
    static const float l1g[4] = {0.5f, -0.5f, 0, 0.5f};
    gen_ref_l1_backward(4, g, a, b, 2.0f, 0);
    vt_compare("l1 backward", g, l1g, 4, 0.0, 0.0);
    gen_ref_mse_forward(4, &loss, a, b);
    VT_CHECK(loss == 1.5f, "mse = %g, want (1 + 4 + 0 + 1) / 4", loss);
    static const float mseg[4] = {1, -2, 0, 1}; /* 2 (a - b) / 4 * scale 2 */
    gen_ref_mse_backward(4, g, a, b, 2.0f, 0);
    vt_compare("mse backward", g, mseg, 4, 0.0, 0.0);

    static const float x[4] = {0.5f, 2, -1, 1};
    gen_ref_lsgan_forward(4, &loss, x, 1.0f);
    VT_CHECK(loss == 1.3125f, "lsgan real = %g, want (0.25 + 1 + 4 + 0) / 4", loss);
    gen_ref_hinge_forward(GEN_HINGE_REAL, 4, &loss, x);
    VT_CHECK(loss == 0.625f, "hinge real = %g, want (0.5 + 0 + 2 + 0) / 4", loss);
    gen_ref_hinge_forward(GEN_HINGE_FAKE, 4, &loss, x);
    VT_CHECK(loss == 1.625f, "hinge fake = %g, want (1.5 + 3 + 0 + 2) / 4", loss);
    gen_ref_hinge_forward(GEN_HINGE_GEN, 4, &loss, x);
    VT_CHECK(loss == -0.625f, "hinge gen = %g, want -(2.5) / 4", loss);
    /* relu'(0) = 0 at the hinge points x = 1 (real) and x = -1 (fake); scale 4 */
    static const float hr[4] = {-1, 0, -1, 0}, hf[4] = {1, 1, 0, 1}, hg[4] = {-1, -1, -1, -1};
    gen_ref_hinge_backward(GEN_HINGE_REAL, 4, g, x, 4.0f, 0);
    vt_compare("hinge real backward", g, hr, 4, 0.0, 0.0);
    gen_ref_hinge_backward(GEN_HINGE_FAKE, 4, g, x, 4.0f, 0);
    vt_compare("hinge fake backward", g, hf, 4, 0.0, 0.0);
    gen_ref_hinge_backward(GEN_HINGE_GEN, 4, g, x, 4.0f, 0);
    vt_compare("hinge gen backward", g, hg, 4, 0.0, 0.0);

    /* gram of orthogonal rows (1, 3, 4): rows s_i * (+-1 patterns), s = 1, 2, 3;
     * g = diag(4 s_i^2) / (3 * 4), off-diagonals exactly 0 */
    static const float f[12] = {1, 1, 1, 1, 2, -2, 2, -2, 3, 3, -3, -3};
    float gm[9];
    gen_ref_gram_forward(1, 3, 4, gm, f);
    static const float gm_ref[9] = {1.0f / 3, 0, 0, 0, 4.0f / 3, 0, 0, 0, 3};
    vt_compare("gram of orthogonal rows", gm, gm_ref, 9, 1e-7, 1e-7);
    VT_CHECK(gm[1] == 0 && gm[2] == 0 && gm[5] == 0, "gram off-diagonal not exactly 0");

    /* tv: a constant image is 0 with 0 gradient; a ramp in x (3x4): 3 rows x 3 steps of 1
     * over 12 pixels = 0.75; its transpose (4x3) the same along y */
    float cst[12], dx[12], zero[12] = {0}, ramp[12];
    for (int i = 0; i < 12; i++) cst[i] = 1.5f, ramp[i] = (float)(i % 4);
    gen_ref_tv_forward(1, 1, 3, 4, &loss, cst);
    VT_CHECK(loss == 0.0f, "tv of a constant = %g", loss);
    gen_ref_tv_backward(1, 1, 3, 4, dx, cst, 1.0f, 0);
    vt_compare("tv backward of a constant", dx, zero, 12, 0.0, 0.0);
    gen_ref_tv_forward(1, 1, 3, 4, &loss, ramp);
    VT_CHECK(loss == 0.75f, "tv of an x ramp = %g", loss);
    for (int i = 0; i < 12; i++) ramp[i] = (float)(i / 3);
    gen_ref_tv_forward(1, 1, 4, 3, &loss, ramp);
    VT_CHECK(loss == 0.75f, "tv of a y ramp = %g", loss);
}

/* ---- adam -------------------------------------------------------------------------------- */

static void test_adam_values(void)
{
    /*
     * Step t = 2 with exactly representable hyper-parameters: lr 1/8, b1 3/4, b2 15/16,
     * eps 2^-20, wd 1/16, bc1 = 1 - b1^2 = 0.4375, bc2 = 1 - b2^2 = 0.12109375.
     * By hand for element 0, AdamW: p = 1 - lr wd = 0.9921875; m = .75 * .1 + .25 * .5 = 0.2;
     * v = .9375 * .01 + .0625 * .25 = 0.025; p -= .125 * (.2 / .4375) /
     * (sqrt(.025 / .12109375) + 2^-20) -> 0.866424786379594. The other values from the same
     * formulas in Python (double).
     */
    static const double p0[3] = {1.0, -2.0, 0.5}, g[3] = {0.5, -0.25, 0.0};
    static const double m0[3] = {0.1, 0.0, -0.2}, v0[3] = {0.01, 0.0, 0.04};
    static const double want[2][3][3] = {
        /* Adam (wd in the gradient): p, m, v */
        {{0.874434913906003, 0.215625, 0.029150390625},
         {-1.90057598832803, -0.09375, 0.0087890625},
         {0.572943184294433, -0.1421875, 0.03756103515625}},
        /* AdamW (decoupled) */
        {{0.866424786379594, 0.2, 0.025},
         {-1.88495116430209, -0.0625, 0.00390625},
         {0.573107398921541, -0.15, 0.0375}},
    };
    for (int dec = 0; dec < 2; dec++) {
        float hyper[GEN_ADAM_HYPER_LEN] = {0};
        hyper[GEN_ADAM_LR] = 0.125f, hyper[GEN_ADAM_B1] = 0.75f, hyper[GEN_ADAM_B2] = 0.9375f;
        hyper[GEN_ADAM_EPS] = 0x1p-20f, hyper[GEN_ADAM_WD] = 0.0625f;
        hyper[GEN_ADAM_BC1] = 0.4375f, hyper[GEN_ADAM_BC2] = 0.12109375f;
        hyper[GEN_ADAM_DECOUPLED] = (float)dec;
        double p[3], m[3], v[3];
        float pf[3], gf[3], mf[3], vf[3];
        memcpy(p, p0, sizeof p), memcpy(m, m0, sizeof m), memcpy(v, v0, sizeof v);
        for (int i = 0; i < 3; i++)
            pf[i] = (float)p0[i], gf[i] = (float)g[i], mf[i] = (float)m0[i], vf[i] = (float)v0[i];
        gen_ref_adam_update_f64(3, p, g, m, v, hyper);
        gen_ref_adam_update(3, pf, gf, mf, vf, hyper);
        for (int i = 0; i < 3; i++) {
            /* f64 within 1e-12 (the wanted values are printed to 15 digits); f32 within 1e-6
             * (m0 = 0.1 and v0 = 0.01 are not exact in float) */
            const double *w = want[dec][i];
            VT_CHECK(fabs(p[i] - w[0]) < 1e-12 && fabs(m[i] - w[1]) < 1e-12 &&
                         fabs(v[i] - w[2]) < 1e-12,
                     "adam decoupled %d element %d: p %.15g m %.15g v %.15g, want %.15g %.15g "
                     "%.15g",
                     dec, i, p[i], m[i], v[i], w[0], w[1], w[2]);
            VT_CHECK(fabs(pf[i] - w[0]) < 1e-6 && fabs(mf[i] - w[1]) < 1e-6 &&
                         fabs(vf[i] - w[2]) < 1e-6,
                     "adam f32 decoupled %d element %d: p %.9g m %.9g v %.9g", dec, i, pf[i], mf[i],
                     vf[i]);
        }
    }
}

/* ---- float vs double on random inputs ------------------------------------------------------- */

/* A tensor held in both precisions: d starts as an exact copy of f. */
typedef struct pair {
    float *f;
    double *d;
    size_t n;
} pair;

/* Uniform in [lo, hi), or all lo when rng is NULL. */
static pair pair_new(vt_rng *rng, size_t n, float lo, float hi)
{
    pair p = {falloc(n), malloc((n ? n : 1) * sizeof(double)), n};
    if (!p.d) abort();
    for (size_t i = 0; i < n; i++) {
        p.f[i] = rng ? vt_rng_uniform(rng, lo, hi) : lo;
        p.d[i] = p.f[i];
    }
    return p;
}
static void pair_free(pair *p)
{
    free(p->f), free(p->d);
    p->f = NULL, p->d = NULL;
}
static void pair_check(const char *what, const pair *p)
{
    float *ref = falloc(p->n);
    for (size_t i = 0; i < p->n; i++) ref[i] = (float)p->d[i];
    vt_compare(what, p->f, ref, p->n, F32_ATOL, F32_RTOL);
    free(ref);
}

static void test_f32_vs_f64(vt_rng *rng)
{
    char what[96];
    /* conv2d, every mode, k 3 s 1 and k 4 s 2, with bias; backward with acc 1 */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        for (int v = 0; v < 2; v++) {
            gen_conv2d_desc d = {2, 3, 9, 7, 4, v ? 4 : 3, v ? 2 : 1, v ? 2 : 1, mode, 1};
            size_t nin = 2 * 3 * 9 * 7, nw = (size_t)4 * 3 * d.k * d.k;
            size_t nout = (size_t)2 * 4 * gen_conv2d_oh(&d) * gen_conv2d_ow(&d);
            pair in = pair_new(rng, nin, -1, 1), w = pair_new(rng, nw, -1, 1);
            pair b = pair_new(rng, 4, -1, 1), out = pair_new(NULL, nout, 0, 0);
            pair dout = pair_new(rng, nout, -1, 1), din = pair_new(rng, nin, -1, 1);
            pair dw = pair_new(rng, nw, -1, 1), db = pair_new(rng, 4, -1, 1);
            gen_ref_conv2d_forward(&d, out.f, in.f, w.f, b.f);
            gen_ref_conv2d_forward_f64(&d, out.d, in.d, w.d, b.d);
            gen_ref_conv2d_backward(&d, din.f, dw.f, db.f, dout.f, in.f, w.f, 1);
            gen_ref_conv2d_backward_f64(&d, din.d, dw.d, db.d, dout.d, in.d, w.d, 1);
            snprintf(what, sizeof what, "f32 conv2d mode %d k%d", mode, d.k);
            pair_check(what, &out);
            snprintf(what, sizeof what, "f32 conv2d din mode %d k%d", mode, d.k);
            pair_check(what, &din);
            snprintf(what, sizeof what, "f32 conv2d dw mode %d k%d", mode, d.k);
            pair_check(what, &dw);
            snprintf(what, sizeof what, "f32 conv2d db mode %d k%d", mode, d.k);
            pair_check(what, &db);
            pair_free(&in), pair_free(&w), pair_free(&b), pair_free(&out), pair_free(&dout);
            pair_free(&din), pair_free(&dw), pair_free(&db);
        }
    }
    /* upsample */
    for (int mode = 0; mode <= 1; mode++) {
        pair in = pair_new(rng, 2 * 3 * 5 * 7, -1, 1),
             out = pair_new(NULL, 4 * 2 * 3 * 5 * 7, 0, 0);
        pair din = pair_new(rng, 2 * 3 * 5 * 7, -1, 1), dout = pair_new(rng, out.n, -1, 1);
        gen_ref_upsample2x_forward(mode, 2, 3, 5, 7, out.f, in.f);
        gen_ref_upsample2x_forward_f64(mode, 2, 3, 5, 7, out.d, in.d);
        gen_ref_upsample2x_backward(mode, 2, 3, 5, 7, din.f, dout.f, 1);
        gen_ref_upsample2x_backward_f64(mode, 2, 3, 5, 7, din.d, dout.d, 1);
        snprintf(what, sizeof what, "f32 upsample mode %d", mode);
        pair_check(what, &out);
        snprintf(what, sizeof what, "f32 upsample backward mode %d", mode);
        pair_check(what, &din);
        pair_free(&in), pair_free(&out), pair_free(&din), pair_free(&dout);
    }
    /* instance norm */
    {
        const int n = 2, c = 3, hw = 50;
        size_t len = (size_t)n * c * hw;
        pair in = pair_new(rng, len, -2, 3), out = pair_new(NULL, len, 0, 0);
        pair st = pair_new(NULL, (size_t)n * c * 2, 0, 0), ga = pair_new(rng, c, 0.5f, 1.5f);
        pair be = pair_new(rng, c, -1, 1), dout = pair_new(rng, len, -1, 1);
        pair din = pair_new(rng, len, -1, 1), dg = pair_new(rng, c, -1, 1);
        pair dbe = pair_new(rng, c, -1, 1);
        gen_ref_instnorm_forward(n, c, hw, out.f, st.f, in.f, ga.f, be.f);
        gen_ref_instnorm_forward_f64(n, c, hw, out.d, st.d, in.d, ga.d, be.d);
        gen_ref_instnorm_backward(n, c, hw, din.f, dg.f, dbe.f, dout.f, in.f, st.f, ga.f, 1);
        gen_ref_instnorm_backward_f64(n, c, hw, din.d, dg.d, dbe.d, dout.d, in.d, st.d, ga.d, 1);
        pair_check("f32 instnorm", &out);
        pair_check("f32 instnorm stats", &st);
        pair_check("f32 instnorm din", &din);
        pair_check("f32 instnorm dgamma", &dg);
        pair_check("f32 instnorm dbeta", &dbe);
        pair_free(&in), pair_free(&out), pair_free(&st), pair_free(&ga), pair_free(&be);
        pair_free(&dout), pair_free(&din), pair_free(&dg), pair_free(&dbe);
    }
    /* activations */
    for (int act = 0; act < GEN_ACT_COUNT; act++) {
        const size_t len = 200;
        pair in = pair_new(rng, len, -4, 4), out = pair_new(NULL, len, 0, 0);
        pair dout = pair_new(rng, len, -1, 1), din = pair_new(rng, len, -1, 1);
        gen_ref_act_forward(act, 0.2f, len, out.f, in.f);
        gen_ref_act_forward_f64(act, 0.2f, len, out.d, in.d);
        gen_ref_act_backward(act, 0.2f, len, din.f, dout.f, in.f, out.f, 1);
        gen_ref_act_backward_f64(act, 0.2f, len, din.d, dout.d, in.d, out.d, 1);
        snprintf(what, sizeof what, "f32 act %d", act);
        pair_check(what, &out);
        snprintf(what, sizeof what, "f32 act %d backward", act);
        pair_check(what, &din);
        pair_free(&in), pair_free(&out), pair_free(&dout), pair_free(&din);
    }
    /* elementwise, concat, avgpool, sum */
    {
        const size_t len = 120;
        pair a = pair_new(rng, len, -1, 1), b = pair_new(rng, len, -1, 1);
        pair y = pair_new(NULL, len, 0, 0), s = pair_new(NULL, 1, 0, 0);
        gen_ref_add(len, y.f, a.f, b.f);
        gen_ref_add_f64(len, y.d, a.d, b.d);
        pair_check("f32 add", &y);
        gen_ref_axpby(len, y.f, 0.3f, a.f, -1.7f);
        gen_ref_axpby_f64(len, y.d, 0.3f, a.d, -1.7f);
        pair_check("f32 axpby", &y);
        gen_ref_fill(len, y.f, 0.1f);
        gen_ref_fill_f64(len, y.d, 0.1f);
        pair_check("f32 fill", &y);
        gen_ref_sum(len, s.f, a.f);
        gen_ref_sum_f64(len, s.d, a.d);
        pair_check("f32 sum", &s);

        /* concat: a as (2, 3, 20), b as (2, 3, 20) */
        pair cat = pair_new(NULL, 2 * len, 0, 0), dcat = pair_new(rng, 2 * len, -1, 1);
        gen_ref_concat_forward(2, 3, 3, 20, cat.f, a.f, b.f);
        gen_ref_concat_forward_f64(2, 3, 3, 20, cat.d, a.d, b.d);
        pair_check("f32 concat", &cat);
        gen_ref_concat_backward(2, 3, 3, 20, a.f, b.f, dcat.f, 1);
        gen_ref_concat_backward_f64(2, 3, 3, 20, a.d, b.d, dcat.d, 1);
        pair_check("f32 concat da", &a);
        pair_check("f32 concat db", &b);

        /* avgpool: a as (2, 3, 5, 4), k 3 s 1 -> (2, 3, 3, 2) */
        pair po = pair_new(NULL, 2 * 3 * 3 * 2, 0, 0), dpo = pair_new(rng, po.n, -1, 1);
        gen_ref_avgpool_forward(2, 3, 5, 4, 3, 1, po.f, a.f);
        gen_ref_avgpool_forward_f64(2, 3, 5, 4, 3, 1, po.d, a.d);
        pair_check("f32 avgpool", &po);
        gen_ref_avgpool_backward(2, 3, 5, 4, 3, 1, b.f, dpo.f, 1);
        gen_ref_avgpool_backward_f64(2, 3, 5, 4, 3, 1, b.d, dpo.d, 1);
        pair_check("f32 avgpool backward", &b);
        pair_free(&a), pair_free(&b), pair_free(&y), pair_free(&s), pair_free(&cat);
        pair_free(&dcat), pair_free(&po), pair_free(&dpo);
    }
    /* losses, gram, tv: (2, 3, 4, 5) tensors; scale 0.7 */
    {
        const size_t len = 120;
        pair a = pair_new(rng, len, -2, 2), b = pair_new(rng, len, -2, 2);
        pair l = pair_new(NULL, 1, 0, 0), g = pair_new(rng, len, -1, 1);
        gen_ref_l1_forward(len, l.f, a.f, b.f);
        gen_ref_l1_forward_f64(len, l.d, a.d, b.d);
        pair_check("f32 l1", &l);
        gen_ref_l1_backward(len, g.f, a.f, b.f, 0.7f, 1);
        gen_ref_l1_backward_f64(len, g.d, a.d, b.d, 0.7f, 1);
        pair_check("f32 l1 backward", &g);
        gen_ref_mse_forward(len, l.f, a.f, b.f);
        gen_ref_mse_forward_f64(len, l.d, a.d, b.d);
        pair_check("f32 mse", &l);
        gen_ref_mse_backward(len, g.f, a.f, b.f, 0.7f, 1);
        gen_ref_mse_backward_f64(len, g.d, a.d, b.d, 0.7f, 1);
        pair_check("f32 mse backward", &g);
        gen_ref_lsgan_forward(len, l.f, a.f, 1.0f);
        gen_ref_lsgan_forward_f64(len, l.d, a.d, 1.0f);
        pair_check("f32 lsgan", &l);
        gen_ref_lsgan_backward(len, g.f, a.f, 1.0f, 0.7f, 1);
        gen_ref_lsgan_backward_f64(len, g.d, a.d, 1.0f, 0.7f, 1);
        pair_check("f32 lsgan backward", &g);
        for (int mode = 0; mode < 3; mode++) {
            gen_ref_hinge_forward(mode, len, l.f, a.f);
            gen_ref_hinge_forward_f64(mode, len, l.d, a.d);
            snprintf(what, sizeof what, "f32 hinge %d", mode);
            pair_check(what, &l);
            gen_ref_hinge_backward(mode, len, g.f, a.f, 0.7f, 1);
            gen_ref_hinge_backward_f64(mode, len, g.d, a.d, 0.7f, 1);
            snprintf(what, sizeof what, "f32 hinge %d backward", mode);
            pair_check(what, &g);
        }
        pair gm = pair_new(NULL, 2 * 3 * 3, 0, 0), dgm = pair_new(rng, 2 * 3 * 3, -1, 1);
        gen_ref_gram_forward(2, 3, 20, gm.f, a.f);
        gen_ref_gram_forward_f64(2, 3, 20, gm.d, a.d);
        pair_check("f32 gram", &gm);
        gen_ref_gram_backward(2, 3, 20, g.f, dgm.f, a.f, 1);
        gen_ref_gram_backward_f64(2, 3, 20, g.d, dgm.d, a.d, 1);
        pair_check("f32 gram backward", &g);
        gen_ref_tv_forward(2, 3, 4, 5, l.f, a.f);
        gen_ref_tv_forward_f64(2, 3, 4, 5, l.d, a.d);
        pair_check("f32 tv", &l);
        gen_ref_tv_backward(2, 3, 4, 5, g.f, a.f, 0.7f, 1);
        gen_ref_tv_backward_f64(2, 3, 4, 5, g.d, a.d, 0.7f, 1);
        pair_check("f32 tv backward", &g);
        pair_free(&a), pair_free(&b), pair_free(&l), pair_free(&g), pair_free(&gm);
        pair_free(&dgm);
    }
    /* adam: 10 steps, both variants, the host filling bc1/bc2 */
    for (int dec = 0; dec < 2; dec++) {
        const size_t len = 100;
        pair p = pair_new(rng, len, -1, 1), m = pair_new(NULL, len, 0, 0);
        pair v = pair_new(NULL, len, 0, 0), g = pair_new(rng, len, -1, 1);
        float hyper[GEN_ADAM_HYPER_LEN] = {2e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0, 0, (float)dec};
        for (int t = 1; t <= 10; t++) {
            hyper[GEN_ADAM_BC1] = (float)(1.0 - pow(0.9, t));
            hyper[GEN_ADAM_BC2] = (float)(1.0 - pow(0.999, t));
            for (size_t i = 0; i < len; i++) g.f[i] = (float)(g.d[i] = p.f[i] * 0.5 + (i % 3));
            gen_ref_adam_update(len, p.f, g.f, m.f, v.f, hyper);
            gen_ref_adam_update_f64(len, p.d, g.d, m.d, v.d, hyper);
        }
        snprintf(what, sizeof what, "f32 adam decoupled %d: p after 10 steps", dec);
        pair_check(what, &p);
        snprintf(what, sizeof what, "f32 adam decoupled %d: m", dec);
        pair_check(what, &m);
        snprintf(what, sizeof what, "f32 adam decoupled %d: v", dec);
        pair_check(what, &v);
        pair_free(&p), pair_free(&m), pair_free(&v), pair_free(&g);
    }
}

int main(void)
{
    vt_rng rng = {0x0bad5eedull};
    test_pad_modes();
    test_pad_backward();
    test_conv_values(&rng);
    test_upsample_values();
    test_instnorm_values(&rng);
    test_tiling_values(&rng);
    test_act_values();
    test_elementwise_values();
    test_loss_values();
    test_adam_values();
    test_f32_vs_f64(&rng);
    return vt_result("test_ref_ops");
}
