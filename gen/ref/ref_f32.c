/*
 * ref_f32.c - the float instantiation of the plain-C reference ops (gen_ref_*), the yardstick
 * for the fp32 backends. The code itself is in gen_ref_impl.inc; this file only picks T.
 */
#include "gen/ref/gen_ref.h"

#define T                float
#define GEN_REF_FN(name) gen_ref_##name
#include "gen/ref/gen_ref_impl.inc"
