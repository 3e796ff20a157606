/*
 * ref_f64.c - the double instantiation of the plain-C reference ops (gen_ref_*_f64), used by
 * the finite-difference gradient tests and as the accuracy yardstick for the float version.
 * The code itself is in gen_ref_impl.inc; this file only picks T.
 */
#include "gen/ref/gen_ref.h"

#define T                double
#define GEN_REF_FN(name) gen_ref_##name##_f64
#include "gen/ref/gen_ref_impl.inc"
