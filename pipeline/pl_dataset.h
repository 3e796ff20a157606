/*
 * pl_dataset.h - training data: content frames (from videos, images or folders of them)
 * and style images, held in memory at a bounded size, and batches of random crops drawn
 * from them as a pure function of (seed, step), so a resumed run sees the same batches as
 * an uninterrupted one. Not a streaming loader: a few hundred frames per run suffice for
 * these small networks, and random access needs them in memory.
 */
#ifndef PL_DATASET_H
#define PL_DATASET_H

#include <stdint.h>

typedef struct pl_dataset pl_dataset;

typedef struct pl_dataset_opts {
    const char *const *content; /* videos, images, or folders of them */
    int ncontent;
    const char *const *style; /* images (PNG, JPEG, WebP, ... anything FFmpeg decodes) */
    int nstyle;
    int crop;             /* training crop side, a multiple of 4 */
    int max_side;         /* content frames are stored with their short side <= this */
    int style_side;       /* style images are stored with their short side = this */
    int frames_per_video; /* frame pairs (t, t+1) sampled evenly across each video */
} pl_dataset_opts;

/* Loads every source; errors name the input and the problem (missing, not an image or
 * video, too small, a video without frames, no usable content at all). */
int pl_dataset_open(const pl_dataset_opts *o, pl_dataset **out);
void pl_dataset_close(pl_dataset **d);

int pl_dataset_content_count(const pl_dataset *d); /* frames (or images) held */
int pl_dataset_style_count(const pl_dataset *d);

/*
 * Fills x (batch, 3, crop, crop) with random content crops (random frame, scale 0.5..1 of
 * the short side, position, horizontal flip) in [-1, 1], and x_next (when not NULL) with
 * the same crop of the following frame (the same frame, shifted by up to 2 pixels, for a
 * still image). Deterministic in (seed, step).
 */
void pl_dataset_content(const pl_dataset *d, uint64_t seed, int64_t step, int batch, float *x,
                        float *x_next);
/* Fills s (batch, 3, crop, crop) with random crops of the style images. */
void pl_dataset_style(const pl_dataset *d, uint64_t seed, int64_t step, int batch, float *s);

/* SHA-256 of a style source's bytes as hex (for provenance in model metadata). */
int pl_dataset_style_info(const pl_dataset *d, int i, const char **name, const char **sha256);

#endif /* PL_DATASET_H */
