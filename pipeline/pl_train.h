/*
 * pl_train.h - the training job: phase 1 trains the generator as an autoencoder on
 * content frames; its frozen copy then supplies the content feature space; phase 2 trains
 * it as a GAN against a patch discriminator that sees crops of the style images, with
 * content, style (Gram), colour, total-variation and temporal terms. Everything runs on
 * the compute backend. docs/training.md explains the recipe and its defaults.
 */
#ifndef PL_TRAIN_H
#define PL_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "common/vg_progress.h"
#include "gen/gen_backend.h"

typedef struct pl_train_opts {
    const char *const *style;
    int nstyle;
    const char *const *content;
    int ncontent;
    const char *output; /* the model file */
    int overwrite;
    int resume; /* continue from the checkpoint next to the output */

    int ae_steps, steps; /* autoencoder steps, then GAN steps */
    int size, batch;     /* crop side (multiple of 8), images per step */
    int width, blocks;   /* generator */
    int dwidth;          /* discriminator */
    double lr, lr_d;
    uint64_t seed;
    double w_adv, w_content, w_style, w_colour, w_tv, w_temporal;
    double label_real; /* LSGAN target for real samples (one-sided smoothing) */
    int preview_every, checkpoint_every;
    int frames_per_video;

    vg_progress_mode progress;
    volatile sig_atomic_t *stop;
} pl_train_opts;

void pl_train_opts_default(pl_train_opts *o);

typedef struct pl_train_result {
    int64_t steps_done; /* total steps (autoencoder + GAN) completed */
    double seconds;
    int interrupted;
    double last_losses[8]; /* the GAN step's terms at the end (see the CSV header) */
} pl_train_result;

/*
 * Trains and writes the model (atomically) to o->output, with a checkpoint
 * (OUTPUT.ckpt), train.csv, preview PNGs and a loss plot next to it. A non-finite loss
 * stops training with VG_ERR_NAN, keeping the last checkpoint. An interruption
 * (o->stop) writes a checkpoint and returns VG_OK with r->interrupted set.
 */
int pl_train(gen_backend *be, const pl_train_opts *o, pl_train_result *r);

#endif /* PL_TRAIN_H */
