#version 450
// instnorm_fwd.comp - instance norm forward, in/out (n, c, hw), gamma/beta (c),
// stats (n, c, 2) = {mean, rstd}, part (np, nchunk, 2) scratch. Work group (chunk, plane).
// -DPASS_STATS: each group takes one chunk of a plane and writes its exact two-pass
//   {mean, M2} (chunk mean first, then the sum of squared deviations from it).
// -DPASS_NORM: each group merges the chunk partials of its plane (Chan et al.:
//   M2 = sum M2_k + n_k (mean_k - mean)^2, so a large mean does not cancel), normalizes its
//   chunk; group (0, plane) writes stats.
#include "common/base.glsl"
#include "common/reduce.glsl"
layout(push_constant) uniform P { uint hw, chunk, nchunk, c; float eps; } p;
layout(std430, binding = 0) buffer Part { vec2 part[]; };
#ifdef TEXEL
// -DTEXEL (hw and chunk multiples of 4): x read as RGBA texels, y written as RGBA texels,
// one call per 4 floats and 8 lanes on lavapipe instead of a loop over lanes per float
layout(binding = 1) uniform textureBuffer xt;
#else
layout(std430, binding = 1) readonly buffer I { float x[]; };
#endif
#ifdef PASS_NORM
#ifdef TEXEL
layout(binding = 2, rgba32f) uniform writeonly imageBuffer yt;
#else
layout(std430, binding = 2) writeonly buffer O { float y[]; };
#endif
layout(std430, binding = 3) writeonly buffer S { float stats[]; };
layout(std430, binding = 4) readonly buffer G { float gamma[]; };
layout(std430, binding = 5) readonly buffer B { float beta[]; };
#endif

void main()
{
    uint t = gl_LocalInvocationIndex, nt = gl_WorkGroupSize.x;
    uint pl = gl_WorkGroupID.y, k = gl_WorkGroupID.x;
    uint lo = k * p.chunk, hi = min(lo + p.chunk, p.hw), base = pl * p.hw;
#ifdef PASS_STATS
#ifdef TEXEL
    vec4 s4 = vec4(0.0);
    for (uint i = lo / 4u + t; i < hi / 4u; i += nt) s4 += texelFetch(xt, int(base / 4u + i));
    float m = wg_sum(s4.x + s4.y + s4.z + s4.w) / float(hi - lo);
    vec4 q4 = vec4(0.0);
    for (uint i = lo / 4u + t; i < hi / 4u; i += nt) {
        vec4 d = texelFetch(xt, int(base / 4u + i)) - m;
        q4 += d * d;
    }
    float q = wg_sum(q4.x + q4.y + q4.z + q4.w);
#else
    float s = 0.0;
    for (uint i = lo + t; i < hi; i += nt) s += x[base + i];
    float m = wg_sum(s) / float(hi - lo);
    float q = 0.0;
    for (uint i = lo + t; i < hi; i += nt) {
        float d = x[base + i] - m;
        q += d * d;
    }
    q = wg_sum(q);
#endif
    if (t == 0u) part[pl * p.nchunk + k] = vec2(m, q);
#else
    // merge the partials of this plane: invocation j holds chunk j (nchunk <= group size)
    vec2 pj = vec2(0.0);
    float nj = 0.0;
    if (t < p.nchunk) {
        pj = part[pl * p.nchunk + t];
        nj = float(min((t + 1u) * p.chunk, p.hw) - t * p.chunk);
    }
    float mean = wg_sum(nj * pj.x) / float(p.hw);
    float d = pj.x - mean;
    float var = wg_sum(pj.y + nj * d * d) / float(p.hw);
    float rstd = 1.0 / sqrt(var + p.eps);
    uint ch = pl % p.c;
    float a = rstd * gamma[ch], b = beta[ch];
#ifdef TEXEL
    for (uint i = lo / 4u + t; i < hi / 4u; i += nt)
        imageStore(yt, int(base / 4u + i), (texelFetch(xt, int(base / 4u + i)) - mean) * a + b);
#else
    // 4 loads before the stores (x and y may alias): more memory requests in flight
    for (uint i0 = lo + t; i0 < hi; i0 += 4u * nt) {
        float v[4];
        [[unroll]] for (uint q = 0u; q < 4u; q++) {
            uint i = i0 + q * nt;
            v[q] = i < hi ? x[base + i] : 0.0;
        }
        [[unroll]] for (uint q = 0u; q < 4u; q++) {
            uint i = i0 + q * nt;
            if (i < hi) y[base + i] = (v[q] - mean) * a + b;
        }
    }
#endif
    if (k == 0u && t == 0u) {
        stats[2u * pl] = mean;
        stats[2u * pl + 1u] = rstd;
    }
#endif
}
