#version 450
// moments.comp - shifted moments of a rectangle of every plane (gen_ops.h
// moments_accumulate): in (np, h, w) read as R32F texels, stats (np, 2) whose means are the
// shifts, acc (np, 2) += {sum (x - m), sum (x - m)^2}. Work group (chunk, plane).
// -DPASS_PARTIAL: group (k, plane) sums rows [k rows, (k + 1) rows) of the rectangle into
//   part[plane * nchunk + k] (scratch).
// -DPASS_MERGE: group (0, plane) adds the nchunk (<= group size) partials of its plane to
//   acc, in a fixed order (deterministic).
// Accuracy: float sums of values centred on the current mean estimate, per invocation then
// common/reduce.glsl; the caller adds tiles up in double.
#include "common/base.glsl"
#include "common/reduce.glsl"
layout(push_constant) uniform P { uint w, h, x0, y0, rw, rh, rows, nchunk; } p;
layout(std430, binding = 0) buffer Part { vec2 part[]; };
#ifdef PASS_PARTIAL
layout(binding = 1) uniform textureBuffer xt;
layout(std430, binding = 2) readonly buffer S { float stats[]; };
#else
layout(std430, binding = 1) buffer Acc { float acc[]; };
#endif

void main()
{
    uint t = gl_LocalInvocationIndex, nt = gl_WorkGroupSize.x, pl = gl_WorkGroupID.y;
#ifdef PASS_PARTIAL
    uint k = gl_WorkGroupID.x, r0 = k * p.rows, r1 = min(r0 + p.rows, p.rh);
    uint n = (r1 - r0) * p.rw, base = (pl * p.h + p.y0 + r0) * p.w + p.x0;
    float m = stats[2u * pl];
    vec2 s = vec2(0.0);
    for (uint i = t; i < n; i += nt) {
        uint r = i / p.rw, c = i - r * p.rw;
        float d = texelFetch(xt, int(base + r * p.w + c)).r - m;
        s += vec2(d, d * d);
    }
    s = wg_sum2(s);
    if (t == 0u) part[pl * p.nchunk + k] = s;
#else
    vec2 v = t < p.nchunk ? part[pl * p.nchunk + t] : vec2(0.0);
    v = wg_sum2(v);
    if (t == 0u) {
        acc[2u * pl] += v.x;
        acc[2u * pl + 1u] += v.y;
    }
#endif
}
