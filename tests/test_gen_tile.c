/*
 * test_gen_tile.c - tiled generator inference (gen/gen_tile.h) against the untiled run.
 * - Plans (reference backend, no device work), frames from 256x384 to 7680x4320, flat and
 *   360, budgets from 60% of the untiled graph down to below the minimum: the cores
 *   partition the frame, every window holds its core plus the margin (inside the frame
 *   unless it wraps), the graphs fit the budget, the stated minimum budget plans and 3/4
 *   of it does not.
 * - Vulkan: a random-initialised generator on a 256x384 synthetic picture, tiled under a
 *   third (flat: 5 x 4 tiles) or half (360: 7 wrapping tiles) of the untiled graph's
 *   memory, against the untiled output, in 8-bit code values ((v + 1) 127.5):
 *     exact statistics (the default): mean |diff| < 0.01, max < 0.1 codes (measured on
 *     lavapipe: mean 1e-4, max 1e-3: float rounding only, since the margin covers the
 *     receptive radius and no seam can show);
 *     estimated statistics (downscaled copy): printed, and must be clearly worse (measured
 *     on this random network: mean 15-20 codes), so the comparison can fail.
 * - A graph with fixed statistics, given an ordinary graph's own, gives the same output
 *   bit for bit, and its moments over the whole picture give back the statistics.
 * - Replaying the tiled run allocates nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gen/gen_tile.h"
#include "tests/vt_backend.h"

#define FH 256
#define FW 384

/* ---- plans ------------------------------------------------------------------------------- */

static void check_plan(const gen_net *net, int h, int w, size_t budget, const char *what)
{
    gen_tile_config cfg;
    gen_tile_config_default(&cfg);
    cfg.budget = budget;
    gen_tile_plan p;
    int ret = gen_tile_plan_make(net, h, w, &cfg, &p);
    size_t min = p.min_budget;
    VT_CHECK(min > 0, "%s: no minimum budget stated", what);
    VT_CHECK(ret == VG_OK || (ret == VG_ERR_LIMIT && budget < min),
             "%s: plan %dx%d budget %zu (minimum %zu): %s", what, w, h, budget, min,
             vg_strerror(ret));
    if (ret < 0) {
        cfg.budget = min; /* the stated minimum plans */
        ret = gen_tile_plan_make(net, h, w, &cfg, &p);
        VT_CHECK(ret == VG_OK, "%s: the stated minimum %zu fails: %s", what, min, vg_strerror(ret));
        if (ret < 0) return;
        budget = min;
    } else {
        /* the minimum is a sufficient budget within 4/3 of what is necessary */
        gen_tile_plan q;
        cfg.budget = min / 4 * 3 - 1;
        VT_CHECK(gen_tile_plan_make(net, h, w, &cfg, &q) == VG_ERR_LIMIT,
                 "%s: %zu, 3/4 of the stated minimum %zu, plans", what, cfg.budget, min);
    }
    VT_CHECK(p.tile_bytes + p.est_bytes <= budget, "%s: graphs %zu + %zu over budget %zu", what,
             p.tile_bytes, p.est_bytes, budget);
    unsigned char *seen = calloc((size_t)h * w, 1);
    for (int i = 0; i < p.count; i++) {
        gen_tile t;
        gen_tile_get(&p, i, &t);
        for (int y = t.y0; y < t.y1; y++)
            for (int x = t.x0; x < t.x1; x++) seen[(size_t)y * w + x]++;
        int m = p.margin, wrap = p.wrap_x;
        int need_x0 = wrap ? t.x0 - m : (t.x0 - m > 0 ? t.x0 - m : 0);
        int need_x1 = wrap ? t.x1 + m : (t.x1 + m < w ? t.x1 + m : w);
        int need_y0 = t.y0 - m > 0 ? t.y0 - m : 0, need_y1 = t.y1 + m < h ? t.y1 + m : h;
        VT_CHECK(t.ox <= need_x0 && t.ox + p.tw >= need_x1 && t.oy <= need_y0 &&
                     t.oy + p.th >= need_y1,
                 "%s: tile %d window %d,%d %dx%d misses core %d,%d-%d,%d with margin %d", what, i,
                 t.ox, t.oy, p.tw, p.th, t.x0, t.y0, t.x1, t.y1, m);
        VT_CHECK(wrap || (t.ox >= 0 && t.ox + p.tw <= w), "%s: tile %d outside the frame", what, i);
        VT_CHECK(t.oy >= 0 && t.oy + p.th <= h, "%s: tile %d outside the frame", what, i);
        VT_CHECK(t.x1 - t.x0 >= p.band || p.nx == 1, "%s: core %d narrower than the band", what, i);
        VT_CHECK(t.x0 % 4 == 0 && t.x1 % 4 == 0 && t.y0 % 4 == 0 && t.ox % 4 == 0 && t.oy % 4 == 0,
                 "%s: tile %d not on the 4-pixel grid", what, i);
    }
    int once = 1;
    for (size_t i = 0; i < (size_t)h * w; i++) once &= seen[i] == 1;
    VT_CHECK(once, "%s: cores do not partition the frame", what);
    free(seen);
}

static void test_plans(void)
{
    gen_backend *ref = NULL;
    gen_backend_config rc = {.kind = GEN_BACKEND_REF};
    VT_CHECK(gen_backend_create(&rc, &ref) == VG_OK, "reference backend");
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    gen_net *net = NULL;
    VT_CHECK(gen_net_create(ref, &nc, 0, &net) == VG_OK, "net");
    static const int sizes[][2] = {
        {1080, 1920}, {2160, 3840}, {256, 384}, {4320, 7680}, {64, 8000}};
    static const double fractions[] = {0.6, 0.2, 0.05, 0.001};
    char what[96];
    for (int wrap = 0; wrap <= 1; wrap++) {
        gen_net_set_pad(net, wrap ? GEN_PAD_CIRCULAR_X : GEN_PAD_REFLECT);
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            int h = sizes[s][0], w = sizes[s][1];
            size_t full = gen_net_graph_bytes(net, 1, h, w, 0);
            for (size_t f = 0; f < sizeof(fractions) / sizeof(fractions[0]); f++) {
                snprintf(what, sizeof what, "%s %dx%d at %.2f", wrap ? "360" : "flat", w, h,
                         fractions[f]);
                check_plan(net, h, w, (size_t)(fractions[f] * (double)full), what);
            }
        }
    }
    gen_net_destroy(&net);
    gen_backend_destroy(&ref);
}

/* ---- tiled against untiled ---------------------------------------------------------------- */

/* A picture with edges, gradients and texture in [-1, 1]: (1, 3, FH, FW). */
static void make_picture(float *x)
{
    vt_rng rng = {42};
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < FH; y++)
            for (int i = 0; i < FW; i++) {
                double v = 0.6 * sin(0.05 * i + 1.3 * c) * cos(0.03 * y) + 0.3 * (i > 150) -
                           0.2 * ((y / 32 + i / 48) % 2);
                x[((size_t)c * FH + y) * FW + i] = (float)(v + vt_rng_uniform(&rng, -0.1f, 0.1f));
            }
}

typedef struct diff {
    double mean, max; /* code values */
} diff;

static diff compare(const float *a, const float *b, size_t n)
{
    diff d = {0, 0};
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]) * 127.5;
        d.mean += e;
        if (!(e <= d.max)) d.max = e;
    }
    d.mean /= (double)n;
    return d;
}

static int untiled_flags(gen_backend *be, gen_net *net, const float *pic, float *res, int flags)
{
    gen_graph *g = NULL;
    gen_prog *p = NULL;
    int ret = gen_graph_create(net, 1, FH, FW, flags, &g);
    if (ret == VG_OK) ret = gen_prog_create(be, &p);
    if (ret == VG_OK) {
        gen_graph_forward(g, p);
        ret = gen_prog_compile(p);
    }
    if (ret == VG_OK) ret = gen_tensor_upload(be, gen_graph_input(g), pic);
    if (ret == VG_OK) ret = gen_prog_run(p);
    if (ret == VG_OK) ret = gen_tensor_download(be, gen_graph_output(g), res);
    gen_prog_destroy(&p);
    gen_graph_destroy(&g);
    return ret;
}

static int untiled(gen_backend *be, gen_net *net, const float *pic, float *res)
{
    return untiled_flags(be, net, pic, res, 0);
}

/* Inference graphs share memory between activations that do not live together. With
 * GEN_GRAPH_NO_FEATURE the default generator at 1920x1080 needs exactly its largest live
 * set, the input and enc0's output with enc1's (or dec0's output with dec1's): 3 + 16 + 8
 * full-size planes, plus the norms' statistics; keeping the feature adds a 64-channel
 * quarter-size tensor at most. The output is the same bits either way. */
static void test_memory_plan(gen_backend *be)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    gen_net *net = NULL;
    int ret = gen_net_create(be, &nc, 0, &net);
    VT_CHECK(ret == VG_OK, "generator: %s", vg_strerror(ret));
    if (ret < 0) return;
    const size_t plane = (size_t)1920 * 1080 * sizeof(float), slack = (size_t)1 << 20;
    const size_t live = (3 + 16 + 8) * plane, feature = 16 * plane / 4;
    const size_t no_feature = gen_net_graph_bytes(net, 1, 1080, 1920, GEN_GRAPH_NO_FEATURE);
    const size_t with_feature = gen_net_graph_bytes(net, 1, 1080, 1920, 0);
    VT_CHECK(no_feature >= live && no_feature <= live + slack,
             "1080p activations without the feature: %zu bytes, want %zu", no_feature, live);
    VT_CHECK(with_feature <= live + feature + slack,
             "1080p activations with the feature: %zu bytes, want <= %zu", with_feature,
             live + feature);
    printf("1080p generator activations: %.1f MB, %.1f MB keeping the feature\n", no_feature / 1e6,
           with_feature / 1e6);
    gen_net_destroy(&net);

    nc.width = 8;
    nc.blocks = 2;
    size_t len = (size_t)3 * FH * FW;
    float *pic = malloc(len * sizeof(float)), *a = malloc(len * sizeof(float));
    float *b = malloc(len * sizeof(float));
    make_picture(pic);
    ret = gen_net_create(be, &nc, 0, &net);
    if (ret == VG_OK) ret = gen_net_init(net, 11);
    if (ret == VG_OK) ret = untiled_flags(be, net, pic, a, 0);
    if (ret == VG_OK) ret = untiled_flags(be, net, pic, b, GEN_GRAPH_NO_FEATURE);
    VT_CHECK(ret == VG_OK, "graphs with and without the feature: %s", vg_strerror(ret));
    if (ret == VG_OK)
        VT_CHECK(memcmp(a, b, len * sizeof(float)) == 0,
                 "GEN_GRAPH_NO_FEATURE changes the generator's output");
    gen_net_destroy(&net);
    free(pic), free(a), free(b);
}

/* An inference graph fuses each nearest upsampling into the convolution after it
 * (gen_conv2d_desc.up2): same output as the unfused graph (VRGEN_NO_FUSE=1), less memory. */
static void test_fused_upsampling(gen_backend *be)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    nc.width = 8;
    nc.blocks = 1;
    gen_net *net = NULL;
    size_t len = (size_t)3 * FH * FW;
    float *pic = malloc(len * sizeof(float)), *fused = malloc(len * sizeof(float));
    float *plain = malloc(len * sizeof(float));
    make_picture(pic);
    int ret = gen_net_create(be, &nc, 0, &net);
    if (ret == VG_OK) ret = gen_net_init(net, 7);
    const size_t bytes_fused = gen_net_graph_bytes(net, 1, FH, FW, 0);
    if (ret == VG_OK) ret = untiled(be, net, pic, fused);
    setenv("VRGEN_NO_FUSE", "1", 1);
    const size_t bytes_plain = gen_net_graph_bytes(net, 1, FH, FW, 0);
    if (ret == VG_OK) ret = untiled(be, net, pic, plain);
    unsetenv("VRGEN_NO_FUSE");
    VT_CHECK(ret == VG_OK, "fused and plain graphs: %s", vg_strerror(ret));
    if (ret == VG_OK) {
        diff d = compare(fused, plain, len);
        VT_CHECK(d.max <= 0.01, "fused upsampling: output differs by %.4f code values", d.max);
        /* the largest activation, 2W channels upsampled to full size, is gone; the peak
         * then falls by most of it (the layout's first fit moves the rest around) */
        const size_t up = (size_t)2 * nc.width * FH * FW * sizeof(float);
        VT_CHECK(bytes_plain - bytes_fused >= up / 2,
                 "fused upsampling saves %zu bytes, want >= %zu", bytes_plain - bytes_fused,
                 up / 2);
        printf("fused upsampling: max difference %.5f code values, activations %.1f -> %.1f MB\n",
               d.max, bytes_plain / 1e6, bytes_fused / 1e6);
    }
    gen_net_destroy(&net);
    free(pic), free(fused), free(plain);
}

/* A GEN_GRAPH_FIXED_STATS graph given an ordinary graph's own statistics reproduces its
 * output, and its moments (whole forward, the whole picture) reproduce the statistics. */
static void test_fixed_stats(gen_backend *be)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    nc.width = 8;
    nc.blocks = 1;
    gen_net *net = NULL;
    gen_graph *g0 = NULL, *g1 = NULL;
    gen_prog *p0 = NULL, *p1 = NULL;
    gen_arena a = {0};
    gen_tensor acc[64];
    size_t len = (size_t)3 * FH * FW;
    float *pic = malloc(len * sizeof(float)), *want = malloc(len * sizeof(float));
    float *got = malloc(len * sizeof(float)), st[256], ac[256];
    make_picture(pic);
    int ret = gen_net_create(be, &nc, 0, &net);
    if (ret == VG_OK) ret = gen_net_init(net, 5);
    if (ret == VG_OK) ret = gen_graph_create(net, 1, FH, FW, 0, &g0);
    if (ret == VG_OK) ret = gen_graph_create(net, 1, FH, FW, GEN_GRAPH_FIXED_STATS, &g1);
    VT_CHECK(ret == VG_OK, "graphs: %s", vg_strerror(ret));
    if (ret < 0) goto done;
    int nn = gen_graph_norm_count(g1);
    VT_CHECK(nn == 7 && nn == gen_graph_norm_count(g0), "%d norm layers, want 7", nn);
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        for (int l = 0; l < nn; l++) {
            gen_tensor s = gen_graph_norm_stats(g1, l);
            acc[l] = gen_arena_take(&a, s.n, s.c, s.h, s.w);
        }
        if (pass == 0 && gen_buf_create(be, a.used, &a.buf) < 0) goto done;
    }
    gen_moments_desc m = {acc, -1, 0, 0, FW, FH};
    if ((ret = gen_prog_create(be, &p0)) == VG_OK && (ret = gen_prog_create(be, &p1)) == VG_OK) {
        gen_graph_forward(g0, p0);
        gen_fill(p1, (gen_tensor){a.buf, 0, 1, 1, 1, (int)a.used}, 0.0f);
        gen_graph_forward_moments(g1, p1, &m);
        ret = gen_prog_compile(p0);
        if (ret == VG_OK) ret = gen_prog_compile(p1);
    }
    if (ret == VG_OK) ret = gen_tensor_upload(be, gen_graph_input(g0), pic);
    if (ret == VG_OK) ret = gen_tensor_upload(be, gen_graph_input(g1), pic);
    if (ret == VG_OK) ret = gen_prog_run(p0);
    for (int l = 0; l < nn && ret == VG_OK; l++) {
        ret = gen_tensor_download(be, gen_graph_norm_stats(g0, l), st);
        if (ret == VG_OK) ret = gen_tensor_upload(be, gen_graph_norm_stats(g1, l), st);
    }
    if (ret == VG_OK) ret = gen_prog_run(p1);
    if (ret == VG_OK) ret = gen_tensor_download(be, gen_graph_output(g0), want);
    if (ret == VG_OK) ret = gen_tensor_download(be, gen_graph_output(g1), got);
    VT_CHECK(ret == VG_OK, "runs: %s", vg_strerror(ret));
    if (ret < 0) goto done;
    diff d = compare(got, want, len);
    VT_CHECK(d.max == 0.0, "fixed statistics: output differs by up to %g codes", d.max);
    for (int l = 0; l < nn; l++) {
        gen_tensor s = gen_graph_norm_stats(g0, l);
        int sc = gen_graph_norm_scale(g1, l), c = s.h;
        double npix = (double)(FH / sc) * (FW / sc);
        VT_CHECK(sc == 1 || sc == 2 || sc == 4, "norm %d: scale %d", l, sc);
        gen_tensor_download(be, s, st);
        gen_tensor_download(be, acc[l], ac);
        for (int k = 0; k < c; k++) {
            double mean = st[2 * k] + ac[2 * k] / npix;
            double var = ac[2 * k + 1] / npix - (ac[2 * k] / npix) * (ac[2 * k] / npix);
            double rstd = 1.0 / sqrt(var + GEN_IN_EPS);
            VT_CHECK(fabs(mean - st[2 * k]) < 1e-5 && fabs(rstd - st[2 * k + 1]) < 1e-5 * rstd,
                     "norm %d channel %d: moments give (%g, %g), the forward (%g, %g)", l, k, mean,
                     rstd, st[2 * k], st[2 * k + 1]);
        }
    }
done:
    gen_prog_destroy(&p0);
    gen_prog_destroy(&p1);
    gen_graph_destroy(&g0);
    gen_graph_destroy(&g1);
    gen_buf_destroy(&a.buf);
    gen_net_destroy(&net);
    free(pic), free(want), free(got);
}

/* The generator (width 8, 2 residual blocks: 9 norm layers, receptive radius 36) tiled
 * under a third (flat: a grid of tiles) or half (360: a row of wrapping tiles) of the
 * untiled graph's memory, against the untiled run. */
static void test_tiled(gen_backend *be, int wrap)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    nc.width = 8;
    nc.blocks = 2;
    nc.pad = wrap ? GEN_PAD_CIRCULAR_X : GEN_PAD_REFLECT;
    gen_net *net = NULL;
    VT_CHECK(gen_net_create(be, &nc, 0, &net) == VG_OK, "net");
    VT_CHECK(gen_net_init(net, 11) == VG_OK, "init");
    size_t len = (size_t)3 * FH * FW;
    float *pic = malloc(len * sizeof(float)), *want = malloc(len * sizeof(float));
    float *got = malloc(len * sizeof(float));
    make_picture(pic);
    VT_CHECK(untiled(be, net, pic, want) == VG_OK, "untiled run");

    gen_arena a = {0};
    gen_tensor in, out;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        in = gen_arena_take(&a, 1, 3, FH, FW);
        out = gen_arena_take(&a, 1, 3, FH, FW);
        if (pass == 0) VT_CHECK(gen_buf_create(be, a.used, &a.buf) == VG_OK, "frame buffer");
    }
    VT_CHECK(gen_tensor_upload(be, in, pic) == VG_OK, "upload");
    size_t full = gen_net_graph_bytes(net, 1, FH, FW, GEN_GRAPH_NO_FEATURE); /* as stylize */
    diff d[2] = {{0, 0}, {0, 0}};
    for (int exact = 0; exact <= 1; exact++) {
        gen_tile_config cfg;
        gen_tile_config_default(&cfg);
        cfg.budget = full / (wrap ? 2 : 3);
        cfg.exact = exact;
        gen_tile_plan plan;
        gen_tiler *t = NULL;
        int ret = gen_tile_plan_make(net, FH, FW, &cfg, &plan);
        VT_CHECK(ret == VG_OK, "plan: %s", vg_strerror(ret));
        if (ret == VG_OK) ret = gen_tiler_create(net, &plan, in, out, &t);
        VT_CHECK(ret == VG_OK, "tiler: %s", vg_strerror(ret));
        if (ret < 0) break;
        VT_CHECK(plan.nx >= 2 && (wrap || plan.ny >= 2) && plan.wrap_x == wrap,
                 "budget %zu of %zu: %d x %d tile(s)%s", cfg.budget, full, plan.nx, plan.ny,
                 plan.wrap_x ? " wrapping" : "");
        VT_CHECK(gen_tiler_run(t) == VG_OK && gen_tiler_wait(t) == VG_OK, "tiled run");
        gen_backend_stats s0, s1;
        gen_backend_get_stats(be, &s0);
        VT_CHECK(gen_tiler_run(t) == VG_OK && gen_tiler_wait(t) == VG_OK, "tiled replay");
        gen_backend_get_stats(be, &s1);
        VT_CHECK(s1.mem_allocs == s0.mem_allocs && s1.buffers == s0.buffers &&
                     s1.descriptor_sets == s0.descriptor_sets && s1.pipelines == s0.pipelines,
                 "the tiled replay created device objects");
        VT_CHECK(gen_tensor_download(be, out, got) == VG_OK, "download");
        d[exact] = compare(got, want, len);
        printf("%s, statistics %s: %d x %d tiles of %dx%d (margin %d, band %d, estimate 1/%d): "
               "mean |diff| %.5f, max %.4f codes\n",
               wrap ? "360" : "flat", exact ? "exact" : "estimated", plan.nx, plan.ny, plan.tw,
               plan.th, plan.margin, plan.band, plan.est_f, d[exact].mean, d[exact].max);
        gen_tiler_destroy(&t);
    }
    VT_CHECK(d[1].mean < 0.01 && d[1].max < 0.1,
             "%s, exact statistics: mean |diff| %.5f (bound 0.01), max %.4f (bound 0.1) codes",
             wrap ? "360" : "flat", d[1].mean, d[1].max);
    /* the statistics are what matters: estimated ones are visibly off (so the check can fail) */
    VT_CHECK(d[0].mean > 100 * d[1].mean, "%s: estimated statistics as good as exact ones",
             wrap ? "360" : "flat");
    gen_buf_destroy(&a.buf);
    gen_net_destroy(&net);
    free(pic), free(want), free(got);
}

int main(void)
{
    test_plans();
    gen_backend *vk = NULL;
    int ret = vt_vulkan_backend(&vk);
    if (ret == VT_SKIP) return vt_failures ? 1 : VT_SKIP;
    VT_CHECK(ret == VG_OK, "vulkan backend: %s", vg_strerror(ret));
    if (ret < 0) return 1;
    test_fixed_stats(vk);
    test_fused_upsampling(vk);
    test_memory_plan(vk);
    test_tiled(vk, 0);
    test_tiled(vk, 1);
    vt_check_validation(vk);
    gen_backend_destroy(&vk);
    return vt_result("test_gen_tile");
}
