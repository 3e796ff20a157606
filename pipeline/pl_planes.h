/*
 * pl_planes.h - decoded frames as the GPU colour converter reads them: the packed plane
 * layout of one eye's picture (gen_yuv_desc), its colour matrix, and the copy of an eye's
 * part of a frame into that layout. Shared by stylize and the viewer.
 */
#ifndef PL_PLANES_H
#define PL_PLANES_H

#include <stddef.h>

#include <libavutil/frame.h>

#include "gen/gen_ops.h"
#include "pipeline/pl_video.h"

/* The converter's colour space for the video's resolved matrix (RGB planes: GEN_CS_RGB). */
gen_colorspace pl_planes_colorspace(const pl_video_info *v);

/* Fills d's strides and offsets for a w x h picture (256-byte aligned planes, rows padded
 * to 4 bytes), from offset 0; returns the bytes the layout takes. d's bits and chroma
 * subsampling must be set. */
size_t pl_planes_layout(gen_yuv_desc *d, int w, int h);

/* Copies the d->width x d->height part of frame f at luma sample (x0, y0) (multiples of
 * the chroma subsampling) into dst laid out by d. */
void pl_planes_copy(const gen_yuv_desc *d, const AVFrame *f, int x0, int y0, unsigned char *dst);

#endif /* PL_PLANES_H */
