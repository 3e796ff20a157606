#version 450
// window.comp - out (np, oh, ow) = the f x f box average of in (np, ih, iw) starting at
// (x0, y0), indices outside mapped by the padding mode (gen_ops.h window): a tile with its
// context (f = 1) or a box downscale. in is read as R32F texels (a whole frame may exceed
// the storage-buffer range), out written as a storage buffer (3-channel tiles: small).
// Grid (x, y, plane), one output pixel per invocation.
#include "common/base.glsl"
layout(push_constant) uniform P { int ih, iw, oh, ow, x0, y0, f, mode; float scale; } p;
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(binding = 1) uniform textureBuffer xt;

void main()
{
    uint x = gl_GlobalInvocationID.x, yy = gl_GlobalInvocationID.y, pl = gl_GlobalInvocationID.z;
    if (x >= uint(p.ow) || yy >= uint(p.oh)) return;
    uint base = pl * uint(p.ih) * uint(p.iw);
    float s = 0.0;
    for (int dy = 0; dy < p.f; dy++) {
        int sy = pad_index(p.y0 + p.f * int(yy) + dy, p.ih, p.mode, false);
        if (sy < 0) continue;
        for (int dx = 0; dx < p.f; dx++) {
            int sx = pad_index(p.x0 + p.f * int(x) + dx, p.iw, p.mode, true);
            if (sx >= 0) s += texelFetch(xt, int(base + uint(sy) * uint(p.iw) + uint(sx))).r;
        }
    }
    y[(pl * uint(p.oh) + yy) * uint(p.ow) + x] = s * p.scale;
}
