#version 450
// conv2d_bwd_data.comp - din (n, ic, ih, iw) (=, or += with ACC) = the adjoint of conv2d:
// gradients reach the padded input position they were read from, then fold back through
// the padding map (a mirrored or clamped read sends its gradient to its source pixel; zero
// padding drops it). One invocation per input element; see gen_ops.h.
#include "common/base.glsl"
layout(constant_id = 3) const int K = 3;
layout(constant_id = 4) const int S = 1;
layout(constant_id = 5) const int PADMODE = 0;
layout(constant_id = 6) const int ACC = 0;
layout(std430, binding = 0) buffer DI { float din[]; };
layout(std430, binding = 1) readonly buffer DO { float dout[]; };
layout(std430, binding = 2) readonly buffer W { float w[]; };
layout(push_constant) uniform P { int n, ic, ih, iw, oc, oh, ow, pad; } p;

// Gradient arriving at padded position (py, px) of image n, channel i.
float dpad(int n, int i, int py, int px)
{
    float acc = 0.0;
    for (int ky = 0; ky < K; ky++) {
        int ty = py - ky;
        if (ty < 0 || ty % S != 0 || ty / S >= p.oh) continue;
        for (int kx = 0; kx < K; kx++) {
            int tx = px - kx;
            if (tx < 0 || tx % S != 0 || tx / S >= p.ow) continue;
            int oy = ty / S, ox = tx / S;
            for (int o = 0; o < p.oc; o++)
                acc += w[((o * p.ic + i) * K + ky) * K + kx] *
                       dout[((n * p.oc + o) * p.oh + oy) * p.ow + ox];
        }
    }
    return acc;
}

void main()
{
    int x = int(gl_GlobalInvocationID.x), y = int(gl_GlobalInvocationID.y);
    int z = int(gl_GlobalInvocationID.z); // n * ic + i
    if (x >= p.iw || y >= p.ih || z >= p.n * p.ic) return;
    int n = z / p.ic, i = z % p.ic;
    int hp = p.ih + 2 * p.pad, wp = p.iw + 2 * p.pad;
    // padded rows (columns) whose reads map to y (x): the interior one, and border rows
    // that mirror or clamp onto it
    float acc = 0.0;
    for (int cy = -1; cy < 2 * p.pad; cy++) {
        int py = cy < 0 ? y + p.pad : (cy < p.pad ? cy : p.ih + cy);
        if (cy >= 0 && pad_index(py - p.pad, p.ih, PADMODE, false) != y) continue;
        if (py >= hp) continue;
        for (int cx = -1; cx < 2 * p.pad; cx++) {
            int px = cx < 0 ? x + p.pad : (cx < p.pad ? cx : p.iw + cx);
            if (cx >= 0 && pad_index(px - p.pad, p.iw, PADMODE, true) != x) continue;
            if (px >= wp) continue;
            acc += dpad(n, i, py, px);
        }
    }
    uint idx = uint((z * p.ih + y) * p.iw + x);
    din[idx] = ACC != 0 ? din[idx] + acc : acc;
}
