/*
 * cmd_train.c - `vrgen train --style IMG... --content VIDEO|DIR|IMG... -o MODEL`: options
 * and signal handling; the job is pipeline/pl_train.c.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/vg_error.h"
#include "common/vg_log.h"
#include "gen/gen_net.h"
#include "pipeline/pl_train.h"

typedef struct train_cfg {
    cli_common common;
    vg_strlist style, content;
    const char *output;
    int overwrite, resume;
    int ae_steps, steps, size, batch, width, blocks, dwidth;
    double lr, lr_d;
    int64_t seed;
    double w_adv, w_content, w_style, w_colour, w_tv, w_temporal;
    int preview_every, checkpoint_every;
    int progress;
} train_cfg;

#define O(f) offsetof(train_cfg, f)
static const vg_opt train_opts[] = {
    {"style", "s", VG_OPT_LIST, O(style), NULL, 0, 0, NULL, "IMG",
     "style image: PNG, JPEG, WebP, ..."},
    {"content", "c", VG_OPT_LIST, O(content), NULL, 0, 0, NULL, "SRC",
     "content: a video, an image or a folder of them"},
    {"output", "o", VG_OPT_STRING, O(output), NULL, 0, 0, NULL, "MODEL",
     "model file to write (.safetensors)"},
    {"y", NULL, VG_OPT_FLAG, O(overwrite), NULL, 0, 0, NULL, NULL, "overwrite the output"},
    {"resume", NULL, VG_OPT_FLAG, O(resume), NULL, 0, 0, NULL, NULL,
     "continue from MODEL.ckpt (same options)"},
    {"steps", NULL, VG_OPT_INT, O(steps), "400", 0, 1000000, NULL, "N", "GAN steps"},
    {"ae-steps", NULL, VG_OPT_INT, O(ae_steps), "600", 0, 1000000, NULL, "N",
     "autoencoder steps first"},
    {"size", NULL, VG_OPT_INT, O(size), "128", 32, 1024, NULL, "N",
     "training crop side (multiple of 8)"},
    {"batch", NULL, VG_OPT_INT, O(batch), "2", 1, 64, NULL, "N", "images per step"},
    {"width", NULL, VG_OPT_INT, O(width), "16", 1, 128, NULL, "N", "generator width"},
    {"blocks", NULL, VG_OPT_INT, O(blocks), "5", 0, GEN_NET_MAX_BLOCKS, NULL, "N",
     "residual blocks"},
    {"dwidth", NULL, VG_OPT_INT, O(dwidth), "32", 1, 256, NULL, "N", "discriminator width"},
    {"lr", NULL, VG_OPT_FLOAT, O(lr), "2e-4", 1e-7, 1, NULL, "X", "generator learning rate"},
    {"lr-d", NULL, VG_OPT_FLOAT, O(lr_d), "4e-4", 1e-7, 1, NULL, "X",
     "discriminator learning rate"},
    {"seed", NULL, VG_OPT_INT64, O(seed), "1", 0, 9e15, NULL, "N", "random seed"},
    {"w-adv", NULL, VG_OPT_FLOAT, O(w_adv), "2", 0, 1e6, NULL, "X", "adversarial weight"},
    {"w-content", NULL, VG_OPT_FLOAT, O(w_content), "1", 0, 1e6, NULL, "X",
     "content (feature) weight"},
    {"w-style", NULL, VG_OPT_FLOAT, O(w_style), "3000", 0, 1e6, NULL, "X",
     "style (feature Gram) weight"},
    {"w-colour", NULL, VG_OPT_FLOAT, O(w_colour), "3000", 0, 1e6, NULL, "X",
     "colour (RGB Gram) weight"},
    {"w-tv", NULL, VG_OPT_FLOAT, O(w_tv), "1", 0, 1e6, NULL, "X", "total variation weight"},
    {"w-temporal", NULL, VG_OPT_FLOAT, O(w_temporal), "300", 0, 1e6, NULL, "X",
     "temporal stability weight"},
    {"preview-every", NULL, VG_OPT_INT, O(preview_every), "100", 0, 1000000, NULL, "N",
     "write MODEL.preview.png every N steps (0: never)"},
    {"checkpoint-every", NULL, VG_OPT_INT, O(checkpoint_every), "200", 0, 1000000, NULL, "N",
     "write MODEL.ckpt every N steps"},
    {"progress", NULL, VG_OPT_ENUM, O(progress), "auto", 0, 0, vg_progress_mode_names, NULL,
     "progress report"},
    CLI_COMMON_OPTS(train_cfg),
    {NULL},
};
#undef O

static volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    g_stop = 1;
}

int cmd_train(int argc, char **argv)
{
    train_cfg cfg;
    int ret = cli_parse("train", "--style IMG... --content SRC... -o MODEL [options]",
                        "Trains a generator to paint content in the style of the given images: "
                        "an autoencoder phase, then a GAN phase (docs/training.md).\n\n"
                        "example:\n  vrgen train --style starry.jpg --content clip.mp4 -o "
                        "starry.safetensors",
                        train_opts, &cfg, argc, argv, NULL);
    if (ret <= 0) return ret;
    if (!cfg.output) {
        vg_error("vrgen train: no output given: add -o MODEL.safetensors");
        vg_opt_free(train_opts, &cfg);
        return VG_ERR_INVALID;
    }
    pl_train_opts o;
    pl_train_opts_default(&o);
    o.style = cfg.style.items;
    o.nstyle = cfg.style.count;
    o.content = cfg.content.items;
    o.ncontent = cfg.content.count;
    o.output = cfg.output;
    o.overwrite = cfg.overwrite;
    o.resume = cfg.resume;
    o.ae_steps = cfg.ae_steps;
    o.steps = cfg.steps;
    o.size = cfg.size;
    o.batch = cfg.batch;
    o.width = cfg.width;
    o.blocks = cfg.blocks;
    o.dwidth = cfg.dwidth;
    o.lr = cfg.lr;
    o.lr_d = cfg.lr_d;
    o.seed = (uint64_t)cfg.seed;
    o.w_adv = cfg.w_adv;
    o.w_content = cfg.w_content;
    o.w_style = cfg.w_style;
    o.w_colour = cfg.w_colour;
    o.w_tv = cfg.w_tv;
    o.w_temporal = cfg.w_temporal;
    o.preview_every = cfg.preview_every;
    o.checkpoint_every = cfg.checkpoint_every;
    o.progress = (vg_progress_mode)cfg.progress;
    o.stop = &g_stop;

    gen_backend *be = NULL;
    if ((ret = cli_backend(&cfg.common, &be)) == VG_OK) {
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        pl_train_result r;
        ret = pl_train(be, &o, &r);
        if (ret == VG_OK && r.interrupted) {
            vg_error("vrgen train: interrupted at step %lld; continue with --resume",
                     (long long)r.steps_done);
            ret = VG_ERR_INTERRUPTED;
        } else if (ret == VG_OK) {
            vg_info("vrgen train: %s written after %lld steps in %.0f s", cfg.output,
                    (long long)r.steps_done, r.seconds);
        }
    }
    gen_backend_destroy(&be);
    vg_opt_free(train_opts, &cfg);
    return ret;
}
