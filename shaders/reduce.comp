#version 450
// reduce.comp - sums of a per-element term over len elements, one partial per work group:
// out[g] = scale * sum_{i in chunk g} term(i), chunk g = [g * chunk, (g + 1) * chunk).
// Losses run it twice: G groups write G partials to scratch, then MODE_SUM with one group
// sums the partials into loss[0] with scale = 1 / len. Terms by MODE define:
//   MODE_L1 |a - b|, MODE_MSE (a - b)^2, MODE_LSGAN (x - target)^2, MODE_HINGE (HMODE:
//   relu(1 - x), relu(1 + x), -x), MODE_SUM x, MODE_TV squared differences to the right
//   and lower neighbour in x (np, h, w). a, b, x: len floats; out: G floats.
// Accuracy: each invocation sums about chunk / 256 terms, then wg_sum (common/reduce.glsl).
#include "common/base.glsl"
#include "common/reduce.glsl"
layout(constant_id = 3) const int HMODE = 0; // gen_hinge_mode
layout(push_constant) uniform P { uint len, chunk, w, h; float target, scale; } p;
layout(std430, binding = 0) writeonly buffer O { float out_[]; };
layout(std430, binding = 1) readonly buffer A { float a[]; };
#if defined(MODE_L1) || defined(MODE_MSE)
layout(std430, binding = 2) readonly buffer B { float b[]; };
#endif

float term(uint i)
{
    float v = a[i];
#if defined(MODE_L1)
    return abs(v - b[i]);
#elif defined(MODE_MSE)
    float e = v - b[i];
    return e * e;
#elif defined(MODE_LSGAN)
    float e = v - p.target;
    return e * e;
#elif defined(MODE_HINGE)
    if (HMODE == 0) return max(1.0 - v, 0.0);
    if (HMODE == 1) return max(1.0 + v, 0.0);
    return -v;
#elif defined(MODE_TV)
    uint xx = i % p.w, yy = (i / p.w) % p.h;
    float s = 0.0;
    if (yy + 1u < p.h) {
        float e = a[i + p.w] - v;
        s += e * e;
    }
    if (xx + 1u < p.w) {
        float e = a[i + 1u] - v;
        s += e * e;
    }
    return s;
#else // MODE_SUM
    return v;
#endif
}

void main()
{
    uint t = gl_LocalInvocationIndex, g = gl_WorkGroupID.x;
    uint lo = g * p.chunk, hi = min(lo + p.chunk, p.len);
    float s = 0.0;
    for (uint i = lo + t; i < hi; i += gl_WorkGroupSize.x) s += term(i);
    s = wg_sum(s);
    if (t == 0u) out_[g] = s * p.scale;
}
