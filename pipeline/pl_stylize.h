/*
 * pl_stylize.h - the stylize job: decode a video, run the generator on every frame on the
 * compute backend, encode (or write PNG frames), with decode, GPU work and encode on their
 * own threads joined by bounded queues. Options are plain structs; the command line lives
 * in cli/cmd_stylize.c.
 */
#ifndef PL_STYLIZE_H
#define PL_STYLIZE_H

#include <signal.h>
#include <stdint.h>

#include "common/vg_progress.h"
#include "gen/gen_net.h"
#include "pipeline/pl_input.h"
#include "pipeline/pl_output.h"

typedef enum pl_layout {
    PL_LAYOUT_AUTO = 0, /* from the file's spherical metadata or name hints */
    PL_LAYOUT_FLAT,
    PL_LAYOUT_360, /* equirectangular: circular padding along x, no seam at the edges */
    PL_LAYOUT_180,
} pl_layout;

typedef enum pl_eyes {
    PL_EYES_AUTO = 0, /* from the file's stereo metadata or name hints */
    PL_EYES_MONO,
    PL_EYES_SBS, /* left eye | right eye */
    PL_EYES_TB,  /* left eye over right eye */
} pl_eyes;

/* Defaults of the temporal hold, as option strings (--hold, --hold-rate of vrgen stylize,
 * eval and view; docs/stylize.md). */
#define PL_HOLD_STILL_DEFAULT "3"
#define PL_HOLD_RATE_DEFAULT  "0.02"
#define PL_HOLD_OPTS_HELP                                                                          \
    "luma change (8-bit code values) under which a pixel counts as still: there the style is "     \
    "held and only follows slowly, so it does not flicker (0: off)"
#define PL_HOLD_RATE_HELP "how far a still pixel's style follows the network each frame"

typedef struct pl_stylize_opts {
    pl_input_opts input;
    pl_output_opts output; /* output.path: a video file, or a PNG pattern (png != 0) */
    int png;               /* write a PNG sequence named by output.path ("frames/%06d.png") */
    int png_bits;          /* 8 or 16 */
    int resume;            /* PNG sequences: continue after the last complete frame */
    pl_layout layout;
    pl_eyes stereo;
    int identity;       /* pass frames through unchanged: checks decode, colour handling and
                           encode without a network (gen may be NULL) */
    int64_t max_memory; /* bytes of generator activations per frame; a frame that needs more,
                           or that a device limit refuses, is processed in tiles
                           (gen/gen_tile.h). 0: half the device's memory heap (1 GiB when
                           the backend does not know it) */
    int tile_estimate;  /* tiled frames: norm statistics from a downscaled copy only (faster,
                           approximate) instead of exact ones (gen_tile_config.exact) */
    float hold_still;   /* temporal hold of the style (gen_ops.h temporal_hold): luma change
                           in code values under which a pixel counts as still; 0: off */
    float hold_rate;    /* how far a still pixel's style moves toward the new one a frame */
    vg_progress_mode progress;
    volatile sig_atomic_t *stop; /* set asynchronously (SIGINT/SIGTERM): stop reading, finish */
} pl_stylize_opts;

typedef struct pl_stylize_result {
    int64_t frames_in;  /* decoded */
    int64_t frames_out; /* written (PNG: including those kept from a resumed run) */
    int64_t frames_total;
    double seconds;
    int interrupted; /* stopped by *stop: the output is complete up to frames_out */
} pl_stylize_result;

/*
 * Runs the job with generator `gen` (created on be; its padding is switched to circular
 * for 360 content). Returns VG_OK (also after an interruption, with r->interrupted set and
 * a finished, playable output) or a negative error, after which nothing is left at the
 * final output path (PNG frames already complete stay, for --resume; a video file's
 * finished frames go to a playable "NAME.partial.EXT", see vg_partial_path).
 */
int pl_stylize(gen_backend *be, gen_net *gen, const pl_stylize_opts *o, pl_stylize_result *r);

/* The generator's memory budget per frame without --max-memory: half the backend's heap,
 * 1 GiB when the backend does not know it (`vrgen info` prints it). */
size_t pl_stylize_default_budget(const gen_backend *be);

#endif /* PL_STYLIZE_H */
