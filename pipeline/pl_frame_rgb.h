/*
 * pl_frame_rgb.h - frames to RGB planar float for the CPU side of training and eval.
 */
#ifndef PL_FRAME_RGB_H
#define PL_FRAME_RGB_H

#include <libavutil/frame.h>

/* Scales f to ow x oh (area filter) and converts it with its colour matrix and range to 3
 * planes R, G, B of ow * oh floats in [-1, 1]; *out is malloc'd (caller frees). */
int pl_frame_to_rgb(const AVFrame *f, int ow, int oh, float **out);

/* Size with the short side at most `side` (a smaller picture keeps its size). */
void pl_fit_side(int w, int h, int side, int *ow, int *oh);

/* Loads an image (PNG through libpng, anything else through FFmpeg: its first frame) as
 * RGB planar float in [-1, 1], scaled so its short side is at most `side`. Errors name the
 * file; images below min_side x min_side are refused. *rgb malloc'd (caller frees). */
int pl_image_load_rgb(const char *path, int side, int min_side, int *w, int *h, float **rgb);

#endif /* PL_FRAME_RGB_H */
