/*
 * gen_ref.h - the plain-C reference implementation of every op in gen_ops.h.
 *
 * Simple and obviously correct, single-threaded, no SIMD: the yardstick that the Vulkan
 * and fast CPU backends are tested against, and the double-precision version used by the
 * finite-difference gradient tests. Not for speed.
 */
#ifndef GEN_REF_H
#define GEN_REF_H

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

#endif /* GEN_REF_H */
