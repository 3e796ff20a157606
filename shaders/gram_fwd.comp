#version 450
// gram_fwd.comp - Gram matrices g (n, c, c) = f f^T / (c * hw) of f (n, c, hw).
// Default (tile) variant: work group 16x16 computes a 64x64 tile (4x4 per invocation) of
// the upper-triangle tile pair (bi <= bj) gl_WorkGroupID.x over p in split
// gl_WorkGroupID.y of image gl_WorkGroupID.z, staging 16-wide slices of both row blocks in
// shared memory; it writes the tile and its mirror (g is exactly symmetric: both halves
// are the same products summed in the same order) to out[((split * n + z) * c + i) * c + j],
// times `scale`. With one split out is g itself and scale = 1 / (c * hw); with several, out
// is scratch and -DCOMBINE sums the splits in order: g[e] = scale * sum_s part[s * len + e].
#include "common/base.glsl"
layout(push_constant) uniform P { uint c, hw, n, nb, plen, nsplit; float scale; } p;

#ifdef COMBINE
layout(std430, binding = 0) writeonly buffer G { float g[]; };
layout(std430, binding = 1) readonly buffer Part { float part[]; };
void main()
{
    uint len = p.n * p.c * p.c;
    for (uint e = grid_first(); e < len; e += grid_stride()) {
        float s = 0.0;
        for (uint k = 0u; k < p.nsplit; k++) s += part[k * len + e];
        g[e] = s * p.scale;
    }
}
#else
layout(std430, binding = 0) writeonly buffer O { float out_[]; };
layout(std430, binding = 1) readonly buffer F { float f[]; };
#define TILE 64
#define KT 16
shared float As[KT][TILE + 1], Bs[KT][TILE + 1];

void load_tile(uint i0, uint p0, uint phi, uint t, bool to_b)
{
    [[unroll]] for (uint q = 0u; q < TILE * KT / 256u; q++) {
        uint e = t + 256u * q, row = e / KT, kk = e % KT;
        uint i = i0 + row, pp = p0 + kk;
        float v = (i < p.c && pp < phi) ? f[(gl_WorkGroupID.z * p.c + i) * p.hw + pp] : 0.0;
        if (to_b)
            Bs[kk][row] = v;
        else
            As[kk][row] = v;
    }
}

void main()
{
    uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    uint t = ty * 16u + tx;
    // tile pair index -> (bi, bj), bi <= bj, row-major over the upper triangle
    uint bi = 0u, rem = gl_WorkGroupID.x;
    while (rem >= p.nb - bi) {
        rem -= p.nb - bi;
        bi++;
    }
    uint bj = bi + rem;
    uint i0 = bi * TILE, j0 = bj * TILE;
    uint plo = gl_WorkGroupID.y * p.plen, phi = min(plo + p.plen, p.hw);
    float acc[4][4];
    [[unroll]] for (int r = 0; r < 4; r++)
        [[unroll]] for (int s = 0; s < 4; s++) acc[r][s] = 0.0;
    for (uint p0 = plo; p0 < phi; p0 += KT) {
        load_tile(i0, p0, phi, t, false);
        load_tile(j0, p0, phi, t, true);
        barrier();
        [[unroll]] for (int kk = 0; kk < KT; kk++) {
            float a[4], b[4];
            [[unroll]] for (int r = 0; r < 4; r++) a[r] = As[kk][ty + 16u * r];
            [[unroll]] for (int s = 0; s < 4; s++) b[s] = Bs[kk][tx + 16u * s];
            [[unroll]] for (int r = 0; r < 4; r++)
                [[unroll]] for (int s = 0; s < 4; s++) acc[r][s] += a[r] * b[s];
        }
        barrier();
    }
    uint ob = (gl_WorkGroupID.y * p.n + gl_WorkGroupID.z) * p.c * p.c;
    [[unroll]] for (int r = 0; r < 4; r++) {
        uint i = i0 + ty + 16u * r;
        [[unroll]] for (int s = 0; s < 4; s++) {
            uint j = j0 + tx + 16u * s;
            if (i < p.c && j < p.c) {
                float v = acc[r][s] * p.scale;
                out_[ob + i * p.c + j] = v;
                if (bi != bj) out_[ob + j * p.c + i] = v;
            }
        }
    }
}
#endif
