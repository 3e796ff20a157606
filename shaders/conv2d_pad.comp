#version 450
// conv2d_pad.comp - xpad (n, c, hp, wp) from x (n, c, ih, iw): element (py, px) reads
// x at (py - pad, px - pad) mapped by the padding mode (gen_pad_index); columns past
// iw + 2 * pad are zero (row alignment for conv2d_fwd_tx.comp). One invocation writes one
// RGBA texel (4 floats) of xpad, on a grid without divisions.
// -DINTERIOR: texels whose 4 source floats all lie inside the image (iw % 4 == 0): two
//   aligned RGBA fetches and a shift by SHIFT = (-pad) mod 4 instead of 4 mapped R32F
//   fetches.
//   The grid covers texel columns [t_lo, t_lo + gx) and rows [pad, pad + ih).
// otherwise: any texel, with the padding map; `region` selects which texels the grid
//   covers: 0 all, 1 the side columns (t < t_lo or t >= t_hi) of every row, 2 the middle
//   columns of the top and bottom padding rows.
#include "common/base.glsl"
layout(constant_id = 3) const int PADMODE = 0;
layout(constant_id = 4) const int SHIFT = 0;
// general path only: 1 when the stored input is half size and read by nearest 2x
// upsampling (gen_conv2d_desc.up2); ih and iw are the upsampled size
layout(constant_id = 5) const int UP = 0;
layout(binding = 0, rgba32f) uniform writeonly imageBuffer xp;
#ifdef INTERIOR
layout(binding = 1) uniform textureBuffer x4; // RGBA view of x
#else
layout(binding = 1) uniform textureBuffer x; // R32F view of x
#endif
layout(push_constant) uniform PC { int nc, ih, iw, hp, wp4, pad, t_lo, t_hi, region; } p;
void main()
{
    int gx = int(gl_GlobalInvocationID.x), gy = int(gl_GlobalInvocationID.y);
    int z = int(gl_GlobalInvocationID.z);
    if (z >= p.nc) return;
#ifdef INTERIOR
    int t = p.t_lo + gx, py = p.pad + gy;
    if (t >= p.t_hi || gy >= p.ih) return;
    int s0 = t * 4 - p.pad + (z * p.ih + gy) * p.iw; // first source float, >= row start
    int q = (s0 - SHIFT) / 4;                        // s0 - SHIFT is a multiple of 4
    vec4 a = texelFetch(x4, q), b = texelFetch(x4, q + 1);
    vec4 v = SHIFT == 0 ? a
           : SHIFT == 1 ? vec4(a.yzw, b.x)
           : SHIFT == 2 ? vec4(a.zw, b.xy)
                        : vec4(a.w, b.xyz);
#else
    int t, py;
    if (p.region == 1) {
        int left = p.t_lo;
        t = gx < left ? gx : p.t_hi + (gx - left);
        py = gy;
        if (t >= p.wp4 || py >= p.hp) return;
    } else if (p.region == 2) {
        t = p.t_lo + gx;
        py = gy < p.pad ? gy : p.ih + gy;
        if (t >= p.t_hi || gy >= 2 * p.pad) return;
    } else {
        t = gx;
        py = gy;
        if (t >= p.wp4 || py >= p.hp) return;
    }
    int sy = pad_index(py - p.pad, p.ih, PADMODE, false);
    int row = (z * (p.ih >> UP) + (max(sy, 0) >> UP)) * (p.iw >> UP);
    vec4 v;
    [[unroll]] for (int j = 0; j < 4; j++) {
        int px = t * 4 + j;
        int sx = pad_index(px - p.pad, p.iw, PADMODE, true);
        bool inside = sy >= 0 && sx >= 0 && px < p.iw + 2 * p.pad;
        float f = texelFetch(x, row + (max(sx, 0) >> UP)).r; // always fetch: no divergent call
        v[j] = inside ? f : 0.0;
    }
#endif
    imageStore(xp, (z * p.hp + py) * p.wp4 + t, v);
}
