/*
 * cmd_bench.c - `vrgen bench`: the device's measured FMA peak, GFLOP/s and percent of peak
 * for each convolution of the default generator, and whole-generator milliseconds per
 * frame. A benchmark prints figures; it asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "common/vg_time.h"
#include "gen/gen_net.h"

typedef struct bench_cfg {
    cli_common common;
    int reps;
    int width, blocks;
    vg_strlist sizes;
    int json;
    int skip_convs;
} bench_cfg;

static const vg_opt bench_opts[] = {
    {"reps", NULL, VG_OPT_INT, offsetof(bench_cfg, reps), "5", 1, 1000, NULL, "N",
     "timed repetitions per measurement (after one warm-up)"},
    {"width", NULL, VG_OPT_INT, offsetof(bench_cfg, width), "16", 1, 256, NULL, "N",
     "generator width"},
    {"blocks", NULL, VG_OPT_INT, offsetof(bench_cfg, blocks), "5", 0, GEN_NET_MAX_BLOCKS, NULL, "N",
     "generator residual blocks"},
    {"size", "s", VG_OPT_LIST, offsetof(bench_cfg, sizes), NULL, 0, 0, NULL, "WxH",
     "frame size for the generator (repeatable; default 320x240 and 1280x720); the conv "
     "table uses the first"},
    {"json", NULL, VG_OPT_FLAG, offsetof(bench_cfg, json), NULL, 0, 0, NULL, NULL,
     "print one JSON object instead of tables"},
    {"no-convs", NULL, VG_OPT_FLAG, offsetof(bench_cfg, skip_convs), NULL, 0, 0, NULL, NULL,
     "skip the per-convolution table"},
    CLI_COMMON_OPTS(bench_cfg),
    {NULL},
};

/* Runs p once to warm up, then reps times; returns seconds per run or < 0 on error. */
static double time_prog(gen_prog *p, int reps)
{
    if (gen_prog_run(p) < 0) return -1;
    double t0 = vg_time_now();
    for (int i = 0; i < reps; i++)
        if (gen_prog_run(p) < 0) return -1;
    return (vg_time_now() - t0) / reps;
}

static double measure_peak(gen_backend *be, int reps)
{
    const int len = 256 * 128;
    int rounds = 256;
    gen_buf *b = NULL;
    if (gen_buf_create(be, len, &b) < 0) return -1;
    gen_tensor t = {b, 0, 1, 1, 1, len};
    double gflops = -1;
    for (;;) {
        gen_prog *p = NULL;
        if (gen_prog_create(be, &p) < 0) break;
        gen_fma_peak(p, t, rounds);
        double s = gen_prog_compile(p) < 0 ? -1 : time_prog(p, reps);
        gen_prog_destroy(&p);
        if (s < 0) break;
        gflops = 2.0 * GEN_FMA_PEAK_CHAINS * rounds * (double)len / s * 1e-9;
        if (s > 0.05 || rounds >= (1 << 16)) break;
        rounds *= 4; /* too short to time: make it longer */
    }
    gen_buf_destroy(&b);
    return gflops;
}

typedef struct conv_shape {
    const char *name;
    int count; /* occurrences in the generator */
    gen_conv2d_desc d;
} conv_shape;

static double time_conv(gen_backend *be, const gen_conv2d_desc *d, int reps)
{
    gen_arena a = {0};
    gen_tensor t[4];
    gen_prog *p = NULL;
    double s = -1;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        t[0] = gen_arena_take(&a, d->n, d->oc, gen_conv2d_oh(d), gen_conv2d_ow(d));
        t[1] = gen_arena_take(&a, d->n, d->ic, d->ih >> d->up2, d->iw >> d->up2);
        t[2] = gen_arena_take(&a, d->oc, d->ic, d->k, d->k);
        t[3] = gen_arena_take(&a, 1, d->oc, 1, 1);
        if (pass == 0 && gen_buf_create(be, a.used, &a.buf) < 0) return -1;
    }
    float *zeros = calloc(a.used, sizeof(float));
    gen_tensor all = {a.buf, 0, 1, 1, 1, (int)a.used};
    if (zeros && gen_tensor_upload(be, all, zeros) == VG_OK && gen_prog_create(be, &p) == VG_OK) {
        gen_conv2d_forward(p, d, t[0], t[1], t[2], t[3]);
        if (gen_prog_compile(p) == VG_OK) s = time_prog(p, reps);
    }
    free(zeros);
    gen_prog_destroy(&p);
    gen_buf_destroy(&a.buf);
    return s;
}

static double conv_flop(const gen_conv2d_desc *d)
{
    return 2.0 * d->n * d->oc * gen_conv2d_oh(d) * gen_conv2d_ow(d) * d->ic * d->k * d->k;
}

static double time_generator(gen_backend *be, const bench_cfg *c, int w, int h, size_t *bytes)
{
    gen_net_config nc;
    gen_net_config_default(&nc, GEN_NET_GENERATOR);
    nc.width = c->width;
    nc.blocks = c->blocks;
    gen_net *net = NULL;
    gen_graph *g = NULL;
    gen_prog *p = NULL;
    double s = -1;
    if (gen_net_create(be, &nc, 0, &net) < 0) return -1;
    if (gen_net_init(net, 1) == VG_OK &&
        gen_graph_create(net, 1, h, w, GEN_GRAPH_NO_FEATURE, &g) == VG_OK &&
        gen_prog_create(be, &p) == VG_OK) {
        gen_tensor in = gen_graph_input(g);
        float *frame = malloc(gen_tensor_len(in) * sizeof(float));
        if (frame) {
            for (size_t i = 0; i < gen_tensor_len(in); i++) frame[i] = (float)(i % 97) / 48.0f - 1;
            gen_tensor_upload(be, in, frame);
            free(frame);
            gen_graph_forward(g, p);
            *bytes = gen_graph_bytes(g);
            if (gen_prog_compile(p) == VG_OK) s = time_prog(p, c->reps);
        }
    }
    gen_prog_destroy(&p);
    gen_graph_destroy(&g);
    gen_net_destroy(&net);
    return s;
}

static int parse_size(const char *s, int *w, int *h)
{
    char x;
    return sscanf(s, "%d%c%d", w, &x, h) == 3 && (x == 'x' || x == 'X') && *w >= 4 && *h >= 4 &&
           *w <= 16384 && *h <= 16384;
}

int cmd_bench(int argc, char **argv)
{
    bench_cfg cfg;
    int ret = cli_parse("bench", "[options]",
                        "Measures the compute device: FMA peak, the default generator's "
                        "convolutions (GFLOP/s, % of peak) and whole-generator frame time.",
                        bench_opts, &cfg, argc, argv, NULL);
    if (ret <= 0) return ret;
    if (cfg.sizes.count == 0) {
        vg_strlist_push(&cfg.sizes, "320x240");
        vg_strlist_push(&cfg.sizes, "1280x720");
    }
    for (int i = 0; i < cfg.sizes.count; i++) {
        int w, h;
        if (!parse_size(cfg.sizes.items[i], &w, &h) || w % 4 || h % 4) {
            vg_error("vrgen bench: --size %s: expected WxH with both multiples of 4, e.g. "
                     "320x240",
                     cfg.sizes.items[i]);
            vg_opt_free(bench_opts, &cfg);
            return VG_ERR_INVALID;
        }
    }
    gen_backend *be = NULL;
    ret = cli_backend(&cfg.common, &be);
    if (ret < 0) {
        vg_opt_free(bench_opts, &cfg);
        return ret;
    }
    FILE *out = stdout;
    double peak = measure_peak(be, cfg.reps);
    if (cfg.json)
        fprintf(out, "{\"backend\":\"%s\",\"peak_gflops\":%.3f", gen_backend_name(be), peak);
    else
        fprintf(out, "backend: %s\nFMA peak: %.2f GFLOP/s\n\n", gen_backend_name(be), peak);

    int w0, h0;
    parse_size(cfg.sizes.items[0], &w0, &h0);
    if (!cfg.skip_convs) {
        int W = cfg.width;
        conv_shape convs[] = {
            {"enc0 9x9 3->W", 1, {1, 3, h0, w0, W, 9, 1, 4, GEN_PAD_REFLECT, 0}},
            {"enc1 3x3 s2 W->2W", 1, {1, W, h0, w0, 2 * W, 3, 2, 1, GEN_PAD_REFLECT, 0}},
            {"enc2 3x3 s2 2W->4W",
             1,
             {1, 2 * W, h0 / 2, w0 / 2, 4 * W, 3, 2, 1, GEN_PAD_REFLECT, 0}},
            {"res 3x3 4W->4W",
             2 * cfg.blocks,
             {1, 4 * W, h0 / 4, w0 / 4, 4 * W, 3, 1, 1, GEN_PAD_REFLECT, 0}},
            /* dec0, dec1 read their input through the nearest 2x upsampling, as in the
             * generator's inference graph (gen_conv2d_desc.up2) */
            {"dec0 up2 3x3 4W->2W",
             1,
             {1, 4 * W, h0 / 2, w0 / 2, 2 * W, 3, 1, 1, GEN_PAD_REFLECT, 0, 1}},
            {"dec1 up2 3x3 2W->W", 1, {1, 2 * W, h0, w0, W, 3, 1, 1, GEN_PAD_REFLECT, 0, 1}},
            {"out 9x9 W->3", 1, {1, W, h0, w0, 3, 9, 1, 4, GEN_PAD_REFLECT, 1}},
        };
        double total_s = 0, total_flop = 0;
        if (cfg.json)
            fprintf(out, ",\"convs\":[");
        else
            fprintf(out, "convolutions at %dx%d (W = %d):\n  %-22s %5s %9s %9s %8s\n", w0, h0, W,
                    "layer", "count", "ms", "GFLOP/s", "% peak");
        for (size_t i = 0; i < sizeof(convs) / sizeof(convs[0]); i++) {
            if (convs[i].count == 0) continue;
            double s = time_conv(be, &convs[i].d, cfg.reps);
            double f = conv_flop(&convs[i].d);
            total_s += s * convs[i].count;
            total_flop += f * convs[i].count;
            if (cfg.json)
                fprintf(out, "%s{\"layer\":\"%s\",\"count\":%d,\"ms\":%.3f,\"gflops\":%.3f}",
                        i ? "," : "", convs[i].name, convs[i].count, s * 1e3, f / s * 1e-9);
            else
                fprintf(out, "  %-22s %5d %9.2f %9.2f %7.1f%%\n", convs[i].name, convs[i].count,
                        s * 1e3, f / s * 1e-9, 100.0 * f / s * 1e-9 / peak);
        }
        if (cfg.json)
            fprintf(out, "],\"conv_total_ms\":%.3f,\"conv_gflop\":%.4f", total_s * 1e3,
                    total_flop * 1e-9);
        else
            fprintf(
                out,
                "  %-22s %5s %9.2f %9.2f %7.1f%%   (%.2f GFLOP per frame)\n"
                "  (GFLOP counted as the layers define them; the cpu backend computes the up2\n"
                "  layers as four 2x2 convolutions, 2.25x fewer, so they may pass the peak)\n\n",
                "all", "", total_s * 1e3, total_flop / total_s * 1e-9,
                100.0 * total_flop / total_s * 1e-9 / peak, total_flop * 1e-9);
    }

    if (cfg.json) fprintf(out, ",\"generator\":[");
    for (int i = 0; i < cfg.sizes.count; i++) {
        int w, h;
        size_t bytes = 0;
        parse_size(cfg.sizes.items[i], &w, &h);
        double s = time_generator(be, &cfg, w, h, &bytes);
        if (s < 0) {
            vg_error("vrgen bench: the generator at %dx%d failed to run", w, h);
            ret = VG_ERR_DEVICE;
            continue;
        }
        if (cfg.json)
            fprintf(out, "%s{\"size\":\"%dx%d\",\"ms\":%.3f,\"activation_mb\":%.1f}", i ? "," : "",
                    w, h, s * 1e3, bytes / 1048576.0);
        else
            fprintf(out,
                    "generator (W %d, %d blocks) at %dx%d: %.1f ms per frame (%.1f fps), "
                    "%.1f MB of activations\n",
                    cfg.width, cfg.blocks, w, h, s * 1e3, 1.0 / s, bytes / 1048576.0);
    }
    if (cfg.json) fprintf(out, "]}\n");
    gen_backend_destroy(&be);
    vg_opt_free(bench_opts, &cfg);
    return ret < 0 ? ret : VG_OK;
}
