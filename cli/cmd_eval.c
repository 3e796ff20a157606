/* cmd_eval.c - `vrgen eval [MODEL] VIDEO`: quality figures of a model (pipeline/pl_eval.c). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/default_model.h"
#include "common/vg_error.h"
#include "common/vg_json.h"
#include "common/vg_log.h"
#include "gen/gen_model.h"
#include "pipeline/pl_eval.h"
#include "pipeline/pl_stylize.h"

typedef struct eval_cfg {
    cli_common common;
    vg_strlist style;
    int64_t frames;
    int side;
    int json;
    double hold, hold_rate;
} eval_cfg;

#define O(f) offsetof(eval_cfg, f)
static const vg_opt eval_opts[] = {
    {"style", "s", VG_OPT_LIST, O(style), NULL, 0, 0, NULL, "IMG",
     "style image(s) for the style distance"},
    {"frames", NULL, VG_OPT_INT64, O(frames), "-1", -1, 1e12, NULL, "N", "evaluate N frames"},
    {"side", NULL, VG_OPT_INT, O(side), "240", 32, 2160, NULL, "N",
     "evaluation size: the short side of the frames"},
    {"json", NULL, VG_OPT_FLAG, O(json), NULL, 0, 0, NULL, NULL, "print one JSON object"},
    {"hold", NULL, VG_OPT_FLOAT, O(hold), PL_HOLD_STILL_DEFAULT, 0, 255, NULL, "CODES",
     "temporal hold as in vrgen stylize: " PL_HOLD_OPTS_HELP},
    {"hold-rate", NULL, VG_OPT_FLOAT, O(hold_rate), PL_HOLD_RATE_DEFAULT, 0, 1, NULL, "X",
     PL_HOLD_RATE_HELP},
    CLI_COMMON_OPTS(eval_cfg),
    {NULL},
};
#undef O

/* One JSON object; a figure that could not be measured (NaN) is null. */
static void print_json(const char *video, const pl_eval_result *r)
{
    static const char *const keys[] = {"flicker",   "flicker_network", "static_share",
                                       "edge_corr", "gram_ratio",      "hist_ratio"};
    const double fig[] = {r->flicker,   r->flicker_net, r->static_share,
                          r->edge_corr, r->gram_ratio,  r->hist_ratio};
    vg_json_buf b;
    vg_json_buf_init(&b);
    vg_json_buf_append(&b, "{\"video\":", 9);
    if (vg_json_escape(&b, video, strlen(video)) != VG_OK) vg_json_buf_append(&b, "null", 4);
    vg_json_buf_printf(&b, ",\"frames\":%lld", (long long)r->frames);
    for (int i = 0; i < 6; i++) {
        vg_json_buf_printf(&b, ",\"%s\":", keys[i]);
        if (isfinite(fig[i]))
            vg_json_buf_printf(&b, "%.4f", fig[i]);
        else
            vg_json_buf_append(&b, "null", 4);
    }
    if (!b.failed) printf("%s}\n", b.data);
    vg_json_buf_fini(&b);
}

static void print_ratio(const char *name, double v, const char *target)
{
    if (isnan(v))
        printf("  %-16s n/a\n", name);
    else
        printf("  %-16s %.3f   (target %s)\n", name, v, target);
}

int cmd_eval(int argc, char **argv)
{
    eval_cfg cfg;
    vg_strlist pos = {0};
    int ret = cli_parse("eval", "[MODEL.safetensors] VIDEO [--style IMG...]",
                        "Quality of a model on a video without pretrained networks: flicker "
                        "ratio on still regions, edge correlation, style distance (Gram and "
                        "colour histogram, relative to the input). Without MODEL, the embedded "
                        "default model.",
                        eval_opts, &cfg, argc, argv, &pos);
    if (ret <= 0) return ret;
    const char *model = NULL, *video = NULL;
    if (pos.count == 2) {
        model = pos.items[0];
        video = pos.items[1];
    } else if (pos.count == 1) {
        video = pos.items[0];
    } else {
        vg_error("vrgen eval: expected [MODEL] VIDEO (see vrgen eval --help)");
        ret = VG_ERR_INVALID;
        goto out;
    }
    if (cfg.side % 4) cfg.side = cfg.side / 4 * 4;
    gen_backend *be = NULL;
    gen_net *net = NULL;
    if ((ret = cli_backend(&cfg.common, &be)) == VG_OK) {
        if (model)
            ret = gen_model_load(be, model, NULL, 0, NULL, 0, &net, NULL);
        else if (vrgen_default_model_size)
            ret = gen_model_load(be, NULL, vrgen_default_model, vrgen_default_model_size,
                                 "embedded default model", 0, &net, NULL);
        else {
            vg_error("vrgen eval: this build has no embedded default model; give MODEL");
            ret = VG_ERR_INVALID;
        }
    }
    if (ret == VG_OK) {
        pl_eval_opts o = {.video = video,
                          .style = cfg.style.items,
                          .nstyle = cfg.style.count,
                          .max_frames = cfg.frames,
                          .side = cfg.side,
                          .hold_still = (float)cfg.hold,
                          .hold_rate = (float)cfg.hold_rate};
        pl_eval_result r;
        ret = pl_eval(be, net, &o, &r);
        if (ret == VG_OK && cfg.json) {
            print_json(video, &r);
        } else if (ret == VG_OK) {
            printf("%s: %lld frames at %d px short side\n", video, (long long)r.frames, cfg.side);
            print_ratio("flicker ratio", r.flicker, "<= 1.1");
            if (cfg.hold > 0)
                printf("  %-16s %.3f   (flicker ratio without the temporal hold)\n",
                       "network alone", r.flicker_net);
            printf("  %-16s %.1f%% of pixels\n", "still regions", 100 * r.static_share);
            print_ratio("edge corr", r.edge_corr, ">= 0.6");
            print_ratio("style gram", r.gram_ratio, "<= 0.5");
            print_ratio("style colour", r.hist_ratio, "<= 0.5");
        }
    }
    gen_net_destroy(&net);
    gen_backend_destroy(&be);
out:
    vg_opt_free(eval_opts, &cfg);
    vg_strlist_free(&pos);
    return ret;
}
