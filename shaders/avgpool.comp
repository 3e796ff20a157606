#version 450
// avgpool.comp - average pooling, kernel k, stride s, no padding (gen_ops.h):
// in (np, h, w) -> out (np, oh, ow), oh = (h - k) / s + 1, np = n * c planes.
// Forward: one invocation per output. With -DBWD: one invocation per input pixel gathers
// din (= or +=) sum of dout / k^2 over the windows that cover it (0 when none does).
#include "common/base.glsl"
layout(constant_id = 3) const int ACC = 0; // BWD: 0 overwrites din (never reads it), 1 adds
layout(push_constant) uniform P { uint len, h, w, oh, ow, k, s; } p;

#ifndef BWD
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer I { float x[]; };
void main()
{
    float kk = float(p.k * p.k);
    for (uint idx = grid_first(); idx < p.len; idx += grid_stride()) { // len = np * oh * ow
        uint ox = idx % p.ow, r = idx / p.ow, oy = r % p.oh, pl = r / p.oh;
        uint b = (pl * p.h + oy * p.s) * p.w + ox * p.s;
        float sum = 0.0;
        for (uint ky = 0u; ky < p.k; ky++)
            for (uint kx = 0u; kx < p.k; kx++) sum += x[b + ky * p.w + kx];
        y[idx] = sum / kk;
    }
}
#else
layout(std430, binding = 0) buffer DI { float din[]; };
layout(std430, binding = 1) readonly buffer DO { float dout[]; };
void main()
{
    int k = int(p.k), s = int(p.s), oh = int(p.oh), ow = int(p.ow);
    float kk = float(k * k);
    for (uint idx = grid_first(); idx < p.len; idx += grid_stride()) { // len = np * h * w
        int x = int(idx % p.w), r = int(idx / p.w), y = r % int(p.h), pl = r / int(p.h);
        // windows oy with oy*s <= y < oy*s + k, i.e. ceil((y-k+1)/s) <= oy <= floor(y/s)
        int y0 = max(y - k + s, 0) / s, y1 = min(y / s, oh - 1);
        int x0 = max(x - k + s, 0) / s, x1 = min(x / s, ow - 1);
        float g = 0.0;
        for (int oy = y0; oy <= y1; oy++)
            for (int ox = x0; ox <= x1; ox++) g += dout[(pl * oh + oy) * ow + ox];
        g /= kk;
        din[idx] = ACC != 0 ? din[idx] + g : g;
    }
}
#endif
