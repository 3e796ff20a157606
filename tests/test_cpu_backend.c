/*
 * test_cpu_backend.c - the native CPU backend (gen/cpu/) against the C reference, and
 * against itself across thread counts and instruction sets:
 * - conv2d forward and backward (din with acc 0 and 1, dw, db, each gradient also absent)
 *   for every pad mode, kernels 1..9, every pad 0..k-1, strides 1 and 2, odd shapes and
 *   the generator's own layer shapes (which run the multi-block and 8-channel paths);
 * - the fast non-conv ops (instance norm with and without a fused activation or a fused
 *   residual add after it, act, add, nearest upsampling) forward and backward;
 * - 1 thread against 3 threads (bit-identical by construction: every output element and
 *   every reduction group is computed by one thread in a fixed order; checked with 0
 *   tolerance), and the portable kernels against the best ones for this CPU;
 * - a whole generator (W 8, 2 blocks, 36x28) forward and backward: output, every
 *   parameter gradient and the input gradient.
 * test_vk_ops, test_vk_conv and test_net_torch also run on this backend
 * (VRGEN_TEST_BACKEND=cpu, tests/CMakeLists.txt): every op, and PyTorch parity.
 *
 * Tolerances: conv 1e-4 abs + 1e-4 rel (float sums of up to 9*9*64 products in another
 * order); norms 2e-5 (float partial sums, double across chunks); generator as in
 * test_net_torch (2e-4 of each tensor's largest magnitude, 2e-3 relative).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gen/gen_net.h"
#include "tests/vt_backend.h"

static int g_cases; /* cases run, printed so a silently empty loop shows */

/* The instruction set the test runs with (VRGEN_CPU_ISA as ctest set it, or the best). */
static char g_isa[32];

static gen_backend *make_cpu(const char *threads, const char *isa)
{
    gen_backend *be = NULL;
    gen_backend_config c = {.kind = GEN_BACKEND_CPU};
    if (threads) setenv("VRGEN_THREADS", threads, 1);
    if (isa || g_isa[0]) setenv("VRGEN_CPU_ISA", isa ? isa : g_isa, 1);
    int ret = gen_backend_create(&c, &be);
    unsetenv("VRGEN_THREADS");
    unsetenv("VRGEN_CPU_ISA");
    VT_CHECK(ret == VG_OK, "cpu backend: %s", vg_strerror(ret));
    return be;
}

/* --- convolution -------------------------------------------------------------------- */

typedef struct conv_arg {
    gen_conv2d_desc d;
    int bwd, acc;
    unsigned absent; /* backward: bit 0 din, 1 dw, 2 db */
} conv_arg;

static void rec_conv(gen_prog *p, gen_tensor *t, const void *arg)
{
    const conv_arg *a = arg;
    if (!a->bwd) {
        gen_fill(p, t[0], NAN);
        gen_conv2d_forward(p, &a->d, t[0], t[1], t[2], t[3]);
        return;
    }
    gen_tensor g[3] = {t[0], t[1], t[2]};
    for (int i = 0; i < 3; i++)
        if (a->absent & (1u << i)) g[i].buf = NULL;
    if (!a->acc && g[0].buf) gen_fill(p, g[0], NAN);
    gen_conv2d_backward(p, &a->d, g[0], g[1], g[2], t[3], t[4], t[5], a->acc);
}

static void conv_case(gen_backend *a, gen_backend *b, double tol, int n, int ic, int ih, int iw,
                      int oc, int k, int s, int pad, gen_pad_mode mode, int bias, int bwd,
                      unsigned absent, uint64_t seed)
{
    conv_arg ca = {.d = {n, ic, ih, iw, oc, k, s, pad, mode, bias},
                   .bwd = bwd,
                   .acc = (int)(seed & 1),
                   .absent = absent};
    int oh = gen_conv2d_oh(&ca.d), ow = gen_conv2d_ow(&ca.d);
    if (oh < 1 || ow < 1) return;
    vt_case c = {.record = rec_conv, .arg = &ca, .atol = tol, .rtol = tol};
    char name[160];
    snprintf(name, sizeof(name), "conv2d %s n%d ic%d %dx%d oc%d k%d s%d pad%d mode%d bias%d acc%d",
             bwd ? "bwd" : "fwd", n, ic, ih, iw, oc, k, s, pad, (int)mode, bias, ca.acc);
    c.name = name;
    int in[4] = {n, ic, ih, iw}, out[4] = {n, oc, oh, ow}, w[4] = {oc, ic, k, k},
        bb[4] = {1, oc, 1, 1};
    const int *sh[6] = {out, in, w, bb};
    if (bwd) {
        const int *shb[6] = {in, w, bb, out, in, w};
        memcpy(sh, shb, sizeof(sh));
    }
    c.nt = bwd ? 6 : 4;
    for (int i = 0; i < c.nt; i++) memcpy(c.shape[i], sh[i], sizeof(int) * 4);
    vt_case_check(a, b, &c, seed);
    g_cases++;
}

/* Forward of a convolution of a nearest-2x input (d.up2: the input is stored at half size),
 * which the cpu backend runs as four 2x2 phase convolutions when k = 3, pad 1. */
static void conv_up_case(gen_backend *a, gen_backend *b, double tol, int n, int ic, int ih, int iw,
                         int oc, int k, gen_pad_mode mode, int bias, uint64_t seed)
{
    conv_arg ca = {.d = {n, ic, ih, iw, oc, k, 1, k / 2, mode, bias, 1}};
    vt_case c = {.record = rec_conv, .arg = &ca, .atol = tol, .rtol = tol, .nt = 4};
    char name[160];
    snprintf(name, sizeof(name), "conv2d up2 n%d ic%d %dx%d oc%d k%d mode%d bias%d", n, ic, ih, iw,
             oc, k, (int)mode, bias);
    c.name = name;
    int out[4] = {n, oc, ih, iw}, in[4] = {n, ic, ih / 2, iw / 2}, w[4] = {oc, ic, k, k},
        bb[4] = {1, oc, 1, 1};
    memcpy(c.shape[0], out, sizeof(out));
    memcpy(c.shape[1], in, sizeof(in));
    memcpy(c.shape[2], w, sizeof(w));
    memcpy(c.shape[3], bb, sizeof(bb));
    vt_case_check(a, b, &c, seed);
    g_cases++;
}

static void test_convs(gen_backend *cpu, gen_backend *ref)
{
    uint64_t seed = 1;
    const int ks[] = {1, 2, 3, 4, 5, 7, 9};
    for (int bwd = 0; bwd <= 1; bwd++)
        for (int mode = 0; mode < GEN_PAD_COUNT; mode++)
            for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++)
                for (int s = 1; s <= 2; s++) {
                    int k = ks[ki], pad = (int)(seed % (uint64_t)k), bias = (int)(seed & 1);
                    unsigned absent = (unsigned)(seed % 8);
                    conv_case(cpu, ref, 1e-4, 2, 3, 11, 13, 5, k, s, k / 2, mode, 1, bwd, 0,
                              seed++);
                    conv_case(cpu, ref, 1e-4, 1, 6, 37, 29, 7, k, s, pad, mode, bias, bwd, 0,
                              seed++);
                    conv_case(cpu, ref, 1e-4, 1, 9, 10, 17, 8, k, s, k - 1, mode, 1, bwd, absent,
                              seed++);
                }
    for (int bwd = 0; bwd <= 1; bwd++) {
        conv_case(cpu, ref, 1e-4, 1, 1, 1, 1, 1, 1, 1, 0, GEN_PAD_ZERO, 1, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 3, 1, 1, 2, 3, 1, 1, GEN_PAD_REFLECT, 0, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 2, 5, 3, 5, 3, 3, 1, 1, GEN_PAD_REPLICATE, 1, bwd, 0, seed++);
        /* the generator's layers, small: 8-channel blocks, several pixel blocks */
        conv_case(cpu, ref, 1e-4, 1, 3, 24, 36, 16, 9, 1, 4, GEN_PAD_REFLECT, 0, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 16, 24, 36, 32, 3, 2, 1, GEN_PAD_REFLECT, 0, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 32, 12, 18, 64, 3, 2, 1, GEN_PAD_REFLECT, 0, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 64, 7, 11, 64, 3, 1, 1, GEN_PAD_REFLECT, 0, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 64, 14, 18, 32, 3, 1, 1, GEN_PAD_CIRCULAR_X, 0, bwd, 0,
                  seed++);
        conv_case(cpu, ref, 1e-4, 1, 16, 24, 36, 3, 9, 1, 4, GEN_PAD_REFLECT, 1, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 2, 33, 9, 7, 17, 3, 1, 1, GEN_PAD_ZERO, 1, bwd, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 4, 64, 80, 1, 3, 1, 1, GEN_PAD_ZERO, 1, bwd, 0, seed++);
    }
}

/* --- other fast ops ------------------------------------------------------------------ */

typedef struct op_arg {
    int which; /* 0 norm+act fwd, 1 norm fwd, 2 norm bwd, 3 act fwd, 4 act bwd, 5 add,
                  6 upsample fwd, 7 upsample bwd, 8 norm apply, 9 gram fwd, 10 gram bwd,
                  11 norm fwd then add (fused), 12 the same with the norm in place and the
                  add's operands swapped */
    int act, acc;
} op_arg;

static void rec_op(gen_prog *p, gen_tensor *t, const void *arg)
{
    const op_arg *a = arg;
    switch (a->which) {
    case 0: /* out, stats, in, gamma, beta: the activation runs in place on out (fused) */
        gen_instnorm_forward(p, t[0], t[1], t[2], t[3], t[4]);
        gen_act_forward(p, a->act, 0.2f, t[0], t[0]);
        break;
    case 1:
        gen_instnorm_forward(p, t[0], t[1], t[2], t[3], t[4]);
        break;
    case 2: /* din, dgamma, dbeta, dout, in, stats, gamma, beta */
        gen_instnorm_forward(p, t[0], t[5], t[4], t[6], t[7]);
        gen_instnorm_backward(p, t[0], t[1], t[2], t[3], t[4], t[5], t[6], a->acc);
        break;
    case 3:
        gen_act_forward(p, a->act, 0.2f, t[0], t[1]);
        break;
    case 4:
        gen_act_backward(p, a->act, 0.2f, t[0], t[1], t[2], t[3], a->acc);
        break;
    case 5:
        gen_add(p, t[0], t[1], t[2]);
        break;
    case 6:
        gen_upsample2x_forward(p, GEN_UPSAMPLE_NEAREST, t[0], t[1]);
        break;
    case 7:
        gen_upsample2x_backward(p, GEN_UPSAMPLE_NEAREST, t[0], t[1], a->acc);
        break;
    case 8: /* out, stats, in, gamma, beta; stats in [0.5, 1.5) */
        gen_instnorm_apply(p, t[0], t[1], t[2], t[3], t[4]);
        break;
    case 9: /* g, f */
        gen_gram_forward(p, t[0], t[1]);
        break;
    case 10: /* df, dg, f */
        gen_gram_backward(p, t[0], t[1], t[2], a->acc);
        break;
    case 11: /* z, stats, in, gamma, beta, y, r: y = norm(in); z = y + r */
        gen_instnorm_forward(p, t[5], t[1], t[2], t[3], t[4]);
        gen_add(p, t[0], t[5], t[6]);
        break;
    case 12: /* z, stats, in, gamma, beta, r: in = norm(in) in place; z = r + in */
        gen_instnorm_forward(p, t[2], t[1], t[2], t[3], t[4]);
        gen_add(p, t[0], t[5], t[2]);
        break;
    }
}

static void op_case(gen_backend *a, gen_backend *b, double tol, op_arg oa, int n, int c, int h,
                    int w, uint64_t seed, float lo, float hi)
{
    vt_case vc = {.record = rec_op, .arg = &oa, .atol = tol, .rtol = tol};
    char name[128];
    snprintf(name, sizeof(name), "op %d act %d acc %d %dx%dx%dx%d", oa.which, oa.act, oa.acc, n, c,
             h, w);
    vc.name = name;
    int x[4] = {n, c, h, w}, st[4] = {1, n, c, 2}, pc[4] = {1, c, 1, 1},
        up[4] = {n, c, 2 * h, 2 * w}, gm[4] = {1, n, c, c};
    const int *sh[8];
    int nt;
    switch (oa.which) {
    case 0:
    case 1:
    case 8:
        nt = 5, sh[0] = x, sh[1] = st, sh[2] = x, sh[3] = pc, sh[4] = pc;
        break;
    case 2:
        nt = 8, sh[0] = x, sh[1] = pc, sh[2] = pc, sh[3] = x, sh[4] = x, sh[5] = st, sh[6] = pc,
        sh[7] = pc;
        break;
    case 3:
        nt = 2, sh[0] = x, sh[1] = x;
        break;
    case 4:
        nt = 4, sh[0] = sh[1] = sh[2] = sh[3] = x;
        break;
    case 5:
        nt = 3, sh[0] = sh[1] = sh[2] = x;
        break;
    case 9:
        nt = 2, sh[0] = gm, sh[1] = x;
        break;
    case 11:
    case 12:
        nt = oa.which == 11 ? 7 : 6, sh[0] = x, sh[1] = st, sh[2] = x, sh[3] = pc, sh[4] = pc,
        sh[5] = sh[6] = x;
        break;
    case 10:
        nt = 3, sh[0] = x, sh[1] = gm, sh[2] = x;
        break;
    default:
        nt = 2, sh[0] = oa.which == 6 ? up : x, sh[1] = oa.which == 6 ? x : up;
    }
    vc.nt = nt;
    for (int i = 0; i < nt; i++) {
        memcpy(vc.shape[i], sh[i], sizeof(int) * 4);
        vc.lo[i] = -1, vc.hi[i] = 1;
    }
    const int input = oa.which <= 1 || oa.which >= 11 ? 2 : 0;
    vc.lo[input] = lo, vc.hi[input] = hi;
    if (oa.which == 8) vc.lo[1] = 0.5f, vc.hi[1] = 1.5f;
    vt_case_check(a, b, &vc, seed);
    g_cases++;
}

static void test_ops(gen_backend *a, gen_backend *b, double scale)
{
    const int shapes[][4] = {
        {1, 1, 1, 1}, {2, 3, 3, 5}, {1, 5, 37, 29}, {2, 7, 1, 9}, {1, 4, 120, 160}};
    uint64_t seed = 1000;
    for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
        const int *s = shapes[si];
        for (int which = 0; which <= 12; which++)
            for (int act = 0; act < (which == 0 || which == 3 || which == 4 ? GEN_ACT_COUNT : 1);
                 act++)
                for (int acc = 0; acc <= 1; acc++) {
                    op_arg oa = {which, act, acc};
                    op_case(a, b, 2e-5 * scale, oa, s[0], s[1], s[2], s[3], seed++, -1, 1);
                }
        op_arg off = {1, 0, 0}; /* |mean| >> std: the shifted sums must not cancel */
        op_case(a, b, 2e-4 * scale, off, s[0], s[1], s[2], s[3], seed++, 100, 101);
    }
}

/* --- whole generator ------------------------------------------------------------------ */

typedef struct net_result {
    float *out, *grads, *dinput;
    size_t nout, ngrads, nin;
} net_result;

static int run_generator(gen_backend *be, net_result *r)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    nc.width = 8;
    nc.blocks = 2;
    gen_net *net = NULL;
    gen_graph *g = NULL;
    gen_prog *p = NULL;
    int ret;
    if ((ret = gen_net_create(be, &nc, 1, &net)) < 0) return ret;
    if ((ret = gen_net_init(net, 7)) < 0) goto done;
    if ((ret = gen_graph_create(net, 1, 28, 36, GEN_GRAPH_TRAIN, &g)) < 0) goto done;
    gen_tensor in = gen_graph_input(g), out = gen_graph_output(g), dout = gen_graph_doutput(g);
    gen_tensor gr = gen_net_grads_flat(net), din = gen_graph_dinput(g);
    r->nout = gen_tensor_len(out), r->ngrads = gen_tensor_len(gr), r->nin = gen_tensor_len(din);
    float *x = malloc(r->nout * sizeof(float)), *dy = malloc(r->nout * sizeof(float));
    vt_rng rng = {42};
    vt_fill_uniform(&rng, x, r->nout, -1, 1);
    vt_fill_uniform(&rng, dy, r->nout, -1, 1);
    gen_tensor_upload(be, in, x);
    gen_tensor_upload(be, dout, dy);
    free(x);
    free(dy);
    if ((ret = gen_prog_create(be, &p)) < 0) goto done;
    gen_fill(p, gr, 0.0f);
    gen_graph_forward(g, p);
    gen_graph_backward(g, p, GEN_BWD_DINPUT);
    if ((ret = gen_prog_compile(p)) < 0 || (ret = gen_prog_run(p)) < 0) goto done;
    r->out = malloc(r->nout * sizeof(float));
    r->grads = malloc(r->ngrads * sizeof(float));
    r->dinput = malloc(r->nin * sizeof(float));
    gen_tensor_download(be, out, r->out);
    gen_tensor_download(be, gr, r->grads);
    gen_tensor_download(be, din, r->dinput);
done:
    gen_prog_destroy(&p);
    gen_graph_destroy(&g);
    gen_net_destroy(&net);
    return ret;
}

static float max_abs(const float *x, size_t n)
{
    float m = 0;
    for (size_t i = 0; i < n; i++) m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
    return m;
}

static void test_generator(gen_backend *cpu, gen_backend *ref)
{
    net_result a = {0}, b = {0};
    VT_CHECK(run_generator(cpu, &a) == VG_OK, "generator on the cpu backend");
    VT_CHECK(run_generator(ref, &b) == VG_OK, "generator on the reference");
    if (a.out && b.out) {
        vt_compare("generator output", a.out, b.out, a.nout, 2e-4 * max_abs(b.out, b.nout), 2e-3);
        vt_compare("generator parameter gradients", a.grads, b.grads, a.ngrads,
                   2e-4 * max_abs(b.grads, b.ngrads), 2e-3);
        vt_compare("generator input gradient", a.dinput, b.dinput, a.nin,
                   2e-4 * max_abs(b.dinput, b.nin), 2e-3);
    }
    free(a.out), free(a.grads), free(a.dinput);
    free(b.out), free(b.grads), free(b.dinput);
}

/* Forward convolutions large enough that the input is padded band by band (cpu_conv.c:
 * brows < hq): stride 1 and 2, 3x3 and 9x9, every pad mode, two images (the band restarts),
 * and the same bits at 1 and 3 threads. */
static void test_banded(gen_backend *cpu, gen_backend *cpu1, gen_backend *cpu3, gen_backend *ref)
{
    uint64_t seed = 9000;
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        conv_case(cpu, ref, 1e-4, 2, 32, 150, 97, 8, 3, 1, 1, (gen_pad_mode)mode, 1, 0, 0, seed++);
        conv_case(cpu, ref, 1e-4, 1, 16, 181, 120, 12, 3, 2, 1, (gen_pad_mode)mode, 0, 0, 0,
                  seed++);
        conv_case(cpu, ref, 1e-4, 1, 16, 133, 90, 3, 9, 1, 4, (gen_pad_mode)mode, 1, 0, 0, seed++);
    }
    conv_case(cpu1, cpu3, 0, 2, 32, 150, 97, 16, 3, 1, 1, GEN_PAD_REFLECT, 1, 0, 0, seed++);
    /* nearest-2x input, 3x3 (four phase convolutions, cpu_conv_up.c): every pad mode, in
     * bands (half-size 40 rows, bands of 13), two images, 8 and 4 channels a block, an
     * odd half-size width; 5x5 and 9x9 take the general path; the phase path against the
     * general one (VRGEN_CPU_NO_UP3) and 1 against 3 threads (same bits) */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++) {
        conv_up_case(cpu, ref, 1e-4, 2, 32, 80, 600, 16, 3, (gen_pad_mode)mode, 1, seed++);
        conv_up_case(cpu, ref, 1e-4, 1, 5, 14, 22, 6, 3, (gen_pad_mode)mode, 0, seed++);
    }
    conv_up_case(cpu, ref, 1e-4, 1, 4, 12, 16, 3, 5, GEN_PAD_REFLECT, 1, seed++);
    conv_up_case(cpu, ref, 1e-4, 1, 4, 12, 16, 8, 9, GEN_PAD_CIRCULAR_X, 1, seed++);
    setenv("VRGEN_CPU_NO_UP3", "1", 1);
    gen_backend *plain = make_cpu(NULL, NULL);
    unsetenv("VRGEN_CPU_NO_UP3");
    if (plain) {
        conv_up_case(cpu, plain, 1e-5, 1, 32, 80, 600, 16, 3, GEN_PAD_REFLECT, 1, seed++);
        gen_backend_destroy(&plain);
    }
    conv_up_case(cpu1, cpu3, 0, 2, 32, 80, 600, 16, 3, GEN_PAD_CIRCULAR_X, 1, seed++);
    /* 3x3 stride 1 of 2048 tiles and more runs by Winograd F(2x2, 3x3) (cpu_conv_wino.c;
     * the cases above and below too): odd height and width (the last tile row and column
     * cut), two chunks of tiles a row, every pad mode; against the direct path
     * (VRGEN_CPU_NO_WINO) */
    for (int mode = 0; mode < GEN_PAD_COUNT; mode++)
        conv_case(cpu, ref, 1e-4, 1, 16, 71, 301, 8, 3, 1, 1, (gen_pad_mode)mode, 1, 0, 0, seed++);
    setenv("VRGEN_CPU_NO_WINO", "1", 1);
    gen_backend *direct = make_cpu(NULL, NULL);
    unsetenv("VRGEN_CPU_NO_WINO");
    if (direct) {
        conv_case(cpu, direct, 1e-4, 2, 64, 90, 160, 64, 3, 1, 1, GEN_PAD_REFLECT, 0, 0, 0, seed++);
        gen_backend_destroy(&direct);
    }
    /* wide rows: 512 KiB would be 3 rows, the band is its minimum (two halos), 6 bands */
    conv_case(cpu, ref, 1e-4, 1, 32, 60, 1100, 8, 3, 1, 1, GEN_PAD_REFLECT, 1, 0, 0, seed++);
    conv_case(cpu1, cpu3, 0, 1, 32, 60, 1100, 8, 3, 1, 1, GEN_PAD_REFLECT, 1, 0, 0, seed++);
}

int main(void)
{
    gen_backend *ref = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    gen_backend_create(&rc, &ref);
    const char *isa = getenv("VRGEN_CPU_ISA");
    if (isa) snprintf(g_isa, sizeof(g_isa), "%s", isa);
    gen_backend *cpu = make_cpu(NULL, NULL), *cpu1 = make_cpu("1", NULL),
                *cpu3 = make_cpu("3", NULL), *generic = make_cpu("2", "generic");
    if (!cpu || !cpu1 || !cpu3 || !generic) return 1;
    if (g_isa[0] && !strstr(gen_backend_name(cpu), g_isa)) {
        printf("test_cpu_backend: skipped: VRGEN_CPU_ISA=%s, which this CPU does not run (%s)\n",
               g_isa, gen_backend_name(cpu));
        gen_backend *all[] = {generic, cpu3, cpu1, cpu, ref};
        for (int i = 0; i < 5; i++) gen_backend_destroy(&all[i]);
        return 77;
    }
    printf("testing %s\n", gen_backend_name(cpu));
    /* tensors live in host memory: the heap (stylize's budget is half of it) is half the
     * host's memory, so more than 4K frames' 0.9 GB of activations on any machine with 8 GB */
    const uint64_t heap = gen_backend_heap_bytes(cpu);
    const long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    VT_CHECK(heap > 0 && heap <= (uint64_t)pages * (uint64_t)psize / 2,
             "cpu heap %llu bytes, want half the host memory or less (%ld pages of %ld)",
             (unsigned long long)heap, pages, psize);
    printf("heap %.1f GB (stylize's default generator budget %.1f GB)\n", heap / 1e9, heap / 2e9);

    test_convs(cpu, ref);
    test_banded(cpu, cpu1, cpu3, ref);
    test_ops(cpu, ref, 1.0);
    test_generator(cpu, ref);

    /* thread counts: same bits */
    uint64_t seed = 5000;
    for (int bwd = 0; bwd <= 1; bwd++) {
        conv_case(cpu1, cpu3, 0, 1, 64, 14, 18, 64, 3, 1, 1, GEN_PAD_REFLECT, 0, bwd, 0, seed++);
        conv_case(cpu1, cpu3, 0, 2, 16, 24, 36, 32, 3, 2, 1, GEN_PAD_ZERO, 1, bwd, 0, seed++);
        conv_case(cpu1, cpu3, 0, 1, 3, 64, 80, 16, 9, 1, 4, GEN_PAD_REFLECT, 1, bwd, 0, seed++);
    }
    test_ops(cpu1, cpu3, 0.0);
    test_generator(cpu1, cpu3);

    /* the portable kernels against the best for this CPU */
    printf("against %s\n", gen_backend_name(generic));
    for (int bwd = 0; bwd <= 1; bwd++) {
        conv_case(generic, cpu, 1e-4, 1, 64, 14, 18, 64, 3, 1, 1, GEN_PAD_REFLECT, 0, bwd, 0,
                  seed++);
        conv_case(generic, cpu, 1e-4, 1, 16, 24, 36, 3, 9, 1, 4, GEN_PAD_REPLICATE, 1, bwd, 0,
                  seed++);
        conv_case(generic, ref, 1e-4, 2, 5, 13, 11, 7, 5, 2, 2, GEN_PAD_CIRCULAR_X, 1, bwd, 0,
                  seed++);
    }
    test_generator(generic, ref);

    gen_backend_destroy(&generic);
    gen_backend_destroy(&cpu3);
    gen_backend_destroy(&cpu1);
    gen_backend_destroy(&cpu);
    gen_backend_destroy(&ref);
    printf("%d cases\n", g_cases);
    return vt_result("test_cpu_backend");
}
