#version 450
// gram_bwd.comp - gradient of the Gram matrix: df (n, c, hw) (= or +=)
// S f with S[i,j] = (dg[i,j] + dg[j,i]) * scale, scale = 1 / (c * hw), per image;
// dg (n, c, c), f (n, c, hw). Work group 16x16 computes a 64 (i) x 64 (p) tile, 4x4 per
// invocation, over j in 16-wide slices staged in shared memory. Groups (p tiles, i tile, n).
// ACC 0 overwrites df and never reads it; 1 adds.
#include "common/base.glsl"
layout(constant_id = 3) const int ACC = 0;
layout(push_constant) uniform P { uint c, hw; float scale; } p;
layout(std430, binding = 0) buffer DF { float df[]; };
layout(std430, binding = 1) readonly buffer DG { float dg[]; };
layout(std430, binding = 2) readonly buffer F { float f[]; };
#define TILE 64
#define KT 16
shared float As[KT][TILE + 1], Bs[KT][TILE + 1];

void main()
{
    uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    uint t = ty * 16u + tx, z = gl_WorkGroupID.z, i0 = gl_WorkGroupID.y * TILE;
    uint gb = z * p.c * p.c, fb = z * p.c * p.hw;
    // p tiles with a grid stride, so hw / 64 may exceed the 65535 groups of one axis
    for (uint p0 = gl_WorkGroupID.x * TILE; p0 < p.hw; p0 += gl_NumWorkGroups.x * TILE) {
        float acc[4][4];
        [[unroll]] for (int r = 0; r < 4; r++)
            [[unroll]] for (int s = 0; s < 4; s++) acc[r][s] = 0.0;
        for (uint j0 = 0u; j0 < p.c; j0 += KT) {
            [[unroll]] for (uint q = 0u; q < TILE * KT / 256u; q++) {
                uint e = t + 256u * q;
                // S slice: row i0 + e / KT, column j0 + e % KT
                uint i = i0 + e / KT, j = j0 + e % KT;
                As[e % KT][e / KT] =
                    (i < p.c && j < p.c) ? (dg[gb + i * p.c + j] + dg[gb + j * p.c + i]) * p.scale
                                         : 0.0;
                // f slice: row j0 + e / TILE, column p0 + e % TILE (consecutive p: coalesced)
                uint jj = j0 + e / TILE, pp = p0 + e % TILE;
                Bs[e / TILE][e % TILE] = (jj < p.c && pp < p.hw) ? f[fb + jj * p.hw + pp] : 0.0;
            }
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
        [[unroll]] for (int r = 0; r < 4; r++) {
            uint i = i0 + ty + 16u * r;
            [[unroll]] for (int s = 0; s < 4; s++) {
                uint pp = p0 + tx + 16u * s;
                if (i < p.c && pp < p.hw) {
                    uint o = fb + i * p.hw + pp;
                    df[o] = ACC != 0 ? df[o] + acc[r][s] : acc[r][s];
                }
            }
        }
    }
}
