/*
 * gen_ref.h - the plain-C reference implementation of every op in gen_ops.h.
 *
 * Simple and obviously correct, single-threaded, no SIMD: the yardstick that the Vulkan
 * and fast CPU backends are tested against, and the double-precision version used by the
 * finite-difference gradient tests. Not for speed.
 */
#ifndef GEN_REF_H
#define GEN_REF_H

#include <stdint.h>

#include "gen/gen_ops.h"

#define T                float
#define GEN_REF_FN(name) gen_ref_##name
#include "gen/ref/gen_ref_decl.inc"
#undef GEN_REF_FN
#undef T

#define T                double
#define GEN_REF_FN(name) gen_ref_##name##_f64
#include "gen/ref/gen_ref_decl.inc"
#undef GEN_REF_FN
#undef T

/* view_render (gen_ops.h), float only (a rendering op: no gradient, no double twin).
 * out (h, w) packed RGBA8 words, every word overwritten; src (3, sh, sw) planes R, G, B;
 * params GEN_VIEW_PARAMS_LEN floats. All caller-owned; out must not overlap the others. */
void gen_ref_view_render(gen_view_layout layout, int h, int w, uint32_t *out, int sh, int sw,
                         const float *src, const float *params);

#endif /* GEN_REF_H */
