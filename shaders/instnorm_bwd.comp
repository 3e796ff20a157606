#version 450
// instnorm_bwd.comp - instance norm backward, dout/in/din (n, c, hw), stats (n, c, 2),
// gamma/dgamma/dbeta (c), part (np, nchunk, 2) scratch. Work group (chunk, plane).
// Gradient rule: din is written with ACC (0 overwrites and never reads it, 1 adds);
// dgamma and dbeta always accumulate (+=). Nothing is zeroed.
// -DPASS_SUMS: per chunk {sum dy, sum dy * xhat}, xhat = (x - mean) * rstd.
// -DPASS_APPLY: each group merges its plane's partials and writes its chunk of
//   din = rstd * gamma * (dy - mean(dy) - xhat * mean(dy * xhat)); group (0, c) of image 0
//   also adds the sums over all n to dgamma[c], dbeta[c].
#include "common/base.glsl"
#include "common/reduce.glsl"
layout(constant_id = 3) const int ACC = 0;
layout(constant_id = 4) const int HAS_DIN = 1;
layout(constant_id = 5) const int HAS_DGAMMA = 1;
layout(constant_id = 6) const int HAS_DBETA = 1;
layout(push_constant) uniform P { uint hw, chunk, nchunk, c, n; } p;
layout(std430, binding = 0) buffer Part { vec2 part[]; };
layout(std430, binding = 1) readonly buffer DO { float dy[]; };
layout(std430, binding = 2) readonly buffer I { float x[]; };
layout(std430, binding = 3) readonly buffer S { float stats[]; };
#ifdef PASS_APPLY
layout(std430, binding = 4) buffer DI { float din[]; };
layout(std430, binding = 5) buffer DG { float dgamma[]; };
layout(std430, binding = 6) buffer DB { float dbeta[]; };
layout(std430, binding = 7) readonly buffer G { float gamma[]; };
#endif

void main()
{
    uint t = gl_LocalInvocationIndex, nt = gl_WorkGroupSize.x;
    uint pl = gl_WorkGroupID.y, k = gl_WorkGroupID.x;
    uint lo = k * p.chunk, hi = min(lo + p.chunk, p.hw), base = pl * p.hw;
    float mean = stats[2u * pl], rstd = stats[2u * pl + 1u];
#ifdef PASS_SUMS
    vec2 s = vec2(0.0);
    for (uint i = lo + t; i < hi; i += nt) {
        float g = dy[base + i];
        s += vec2(g, g * ((x[base + i] - mean) * rstd));
    }
    s = wg_sum2(s);
    if (t == 0u) part[pl * p.nchunk + k] = s;
#else
    if (HAS_DIN != 0) {
        vec2 s = wg_sum2(t < p.nchunk ? part[pl * p.nchunk + t] : vec2(0.0));
        float inv = 1.0 / float(p.hw);
        float mdy = s.x * inv, mdyx = s.y * inv;
        float gr = rstd * gamma[pl % p.c];
        // the loads of 4 elements before their stores (as far as the compiler knows, din
        // may alias the inputs): more memory requests in flight
        for (uint i0 = lo + t; i0 < hi; i0 += 4u * nt) {
            float g[4];
            [[unroll]] for (uint q = 0u; q < 4u; q++) {
                uint i = i0 + q * nt;
                if (i < hi) {
                    float xhat = (x[base + i] - mean) * rstd;
                    g[q] = gr * (dy[base + i] - mdy - xhat * mdyx);
                    if (ACC != 0) g[q] += din[base + i];
                }
            }
            [[unroll]] for (uint q = 0u; q < 4u; q++) {
                uint i = i0 + q * nt;
                if (i < hi) din[base + i] = g[q];
            }
        }
    }
    if ((HAS_DGAMMA != 0 || HAS_DBETA != 0) && k == 0u && pl < p.c) {
        // channel pl: partials of planes b * c + pl for every image b
        vec2 s = vec2(0.0);
        for (uint q = t; q < p.n * p.nchunk; q += nt) {
            uint b = q / p.nchunk, j = q % p.nchunk;
            s += part[(b * p.c + pl) * p.nchunk + j];
        }
        s = wg_sum2(s);
        if (t == 0u) {
            if (HAS_DGAMMA != 0) dgamma[pl] += s.y;
            if (HAS_DBETA != 0) dbeta[pl] += s.x;
        }
    }
#endif
}
