/*
 * gen_ref_colour.h - the plain-C reference of the colour ops (yuv_to_rgb, rgb_to_yuv in
 * gen/gen_ops.h): one frame at a time, in double precision, obviously correct rather than
 * fast. Not differentiable ops, so there is no double-precision twin and no backward.
 */
#ifndef GEN_REF_COLOUR_H
#define GEN_REF_COLOUR_H

#include <stdint.h>

#include "gen/gen_ops.h"

/* rgb (1, 3, th, tw) overwritten (every element, the reflect fill included) from the
 * frame bytes `packed` described by d; rotation 0, 90, 180 or 270. Both caller-owned. */
void gen_ref_yuv_to_rgb(const gen_yuv_desc *d, int rotation, int th, int tw, float *rgb,
                        const uint8_t *packed);
/* Writes the sample bytes of every plane of `packed` (nothing else) from the top-left
 * picture of rgb (1, 3, th, tw). Both caller-owned. */
void gen_ref_rgb_to_yuv(const gen_yuv_desc *d, int rotation, int th, int tw, uint8_t *packed,
                        const float *rgb);

#endif /* GEN_REF_COLOUR_H */
