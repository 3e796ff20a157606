/*
 * pl_eval.h - `vrgen eval`: how well a model stylizes a video, measured without
 * pretrained networks (docs/training.md, "Measuring quality"):
 *   flicker ratio   mean |out_t - out_t-1| / mean |in_t - in_t-1| over pixels that do not
 *                   move in the input (lower is steadier; target <= 1.1)
 *   edge corr       Pearson correlation of the input's and output's luma gradient
 *                   magnitudes (content kept; target >= 0.6)
 *   style distance  Gram-matrix and colour-histogram distance of the output to the style
 *                   images, each relative to the same distance for the input
 *                   (target <= 0.5)
 * Frames are evaluated at a reduced size (short side `side`), on the compute backend, after
 * the temporal hold that vrgen stylize applies (gen_ops.h temporal_hold; hold_still 0: the
 * network's output as is). The flicker of the network alone is reported too.
 */
#ifndef PL_EVAL_H
#define PL_EVAL_H

#include <stdint.h>

#include "gen/gen_net.h"

typedef struct pl_eval_opts {
    const char *video;
    const char *const *style; /* style images; none: no style distance */
    int nstyle;
    int64_t max_frames; /* < 0: all */
    int side;           /* evaluation short side (multiple of 4) */
    float hold_still;   /* temporal hold as in pl_stylize_opts (0: off) */
    float hold_rate;
} pl_eval_opts;

typedef struct pl_eval_result {
    int64_t frames;
    double flicker;      /* ratio; NAN when no static pixels were found */
    double flicker_net;  /* the same for the network's output before the temporal hold */
    double static_share; /* share of pixels counted as static */
    double edge_corr;
    double gram_ratio, hist_ratio;               /* NAN without style images */
    double gram_in, gram_out, hist_in, hist_out; /* the underlying distances */
} pl_eval_result;

int pl_eval(gen_backend *be, gen_net *gen, const pl_eval_opts *o, pl_eval_result *r);

#endif /* PL_EVAL_H */
