#version 450
// instnorm_apply.comp - instance norm with given statistics (gen_ops.h, tiled inference):
// y = (x - mean) * rstd * gamma[c] + beta[c] for in/out (np, hw), np = n * c planes, stats
// (np, 2) = {mean, rstd} read, gamma/beta (c). Grid (items of a plane, plane): the plane
// comes from the work group, so no index needs a division; x loops with a grid stride.
#include "common/base.glsl"
layout(push_constant) uniform P { uint hw, c; } p; // hw: floats per plane
#ifdef TEXEL
// -DTEXEL (hw % 4 == 0): RGBA texels in and out, one call per 4 floats and 8 lanes on lavapipe
layout(binding = 0, rgba32f) uniform writeonly imageBuffer yt;
layout(binding = 1) uniform textureBuffer xt;
#else
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer I { float x[]; };
#endif
layout(std430, binding = 2) readonly buffer S { float stats[]; };
layout(std430, binding = 3) readonly buffer G { float gamma[]; };
layout(std430, binding = 4) readonly buffer B { float beta[]; };

void main()
{
    uint pl = gl_WorkGroupID.y, st = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uint ch = pl % p.c;
    float mean = stats[2u * pl], a = stats[2u * pl + 1u] * gamma[ch], b = beta[ch];
#ifdef TEXEL
    uint n4 = p.hw / 4u, base = pl * n4;
    for (uint i = gl_GlobalInvocationID.x; i < n4; i += st)
        imageStore(yt, int(base + i), (texelFetch(xt, int(base + i)) - mean) * a + b);
#else
    uint base = pl * p.hw;
    for (uint i = gl_GlobalInvocationID.x; i < p.hw; i += st)
        y[base + i] = (x[base + i] - mean) * a + b;
#endif
}
