#version 450
// conv2d_pad.comp - xpad (n, c, hp, wp) from x (n, c, ih, iw): element (py, px) reads
// x at (py - pad, px - pad) mapped by the padding mode (gen_pad_index); columns past
// iw + 2 * pad are zero (row alignment for conv2d_fwd_tx.comp).
#include "common/base.glsl"
layout(constant_id = 3) const int PADMODE = 0;
layout(std430, binding = 0) writeonly buffer O { float xp[]; };
layout(std430, binding = 1) readonly buffer I { float x[]; };
layout(push_constant) uniform PC { int nc, ih, iw, hp, wp, pad; } p;
void main()
{
    uint total = uint(p.nc) * uint(p.hp) * uint(p.wp);
    for (uint e = grid_first(); e < total; e += grid_stride()) {
        int px = int(e % uint(p.wp));
        int r = int(e / uint(p.wp));
        int py = r % p.hp, z = r / p.hp;
        float v = 0.0;
        if (px < p.iw + 2 * p.pad) {
            int sy = pad_index(py - p.pad, p.ih, PADMODE, false);
            int sx = pad_index(px - p.pad, p.iw, PADMODE, true);
            if (sy >= 0 && sx >= 0) v = x[(z * p.ih + sy) * p.iw + sx];
        }
        xp[e] = v;
    }
}
