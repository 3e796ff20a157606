#version 450
// conv2d_pad.comp - xpad (n, c, hp, wp) from x (n, c, ih, iw): element (py, px) reads
// x at (py - pad, px - pad) mapped by the padding mode (gen_pad_index); columns past
// iw + 2 * pad are zero (row alignment for conv2d_fwd_tx.comp). One invocation writes one
// RGBA texel (4 floats) of xpad, reading x through an R32F texel buffer; the grid is
// (texel column, padded row, plane), so no index needs a division.
#include "common/base.glsl"
layout(constant_id = 3) const int PADMODE = 0;
layout(binding = 0, rgba32f) uniform writeonly imageBuffer xp;
layout(binding = 1) uniform samplerBuffer x;
layout(push_constant) uniform PC { int nc, ih, iw, hp, wp4, pad; } p;
void main()
{
    int t = int(gl_GlobalInvocationID.x), py = int(gl_GlobalInvocationID.y);
    int z = int(gl_GlobalInvocationID.z);
    if (t >= p.wp4 || py >= p.hp || z >= p.nc) return;
    int sy = pad_index(py - p.pad, p.ih, PADMODE, false);
    int row = (z * p.ih + max(sy, 0)) * p.iw;
    vec4 v;
    [[unroll]] for (int j = 0; j < 4; j++) {
        int px = t * 4 + j;
        int sx = pad_index(px - p.pad, p.iw, PADMODE, true);
        bool inside = sy >= 0 && sx >= 0 && px < p.iw + 2 * p.pad;
        float f = texelFetch(x, row + max(sx, 0)).r; // always fetch: no divergent call
        v[j] = inside ? f : 0.0;
    }
    imageStore(xp, (z * p.hp + py) * p.wp4 + t, v);
}
