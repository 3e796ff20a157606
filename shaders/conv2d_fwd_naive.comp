#version 450
// conv2d_fwd_naive.comp - direct convolution, one invocation per output element.
// The simple variant, kept for shapes the tiled kernel does not take.
// out (n, oc, oh, ow) = b + sum w (oc, ic, K, K) * pad(in (n, ic, ih, iw)); see gen_ops.h.
#include "common/base.glsl"
layout(constant_id = 3) const int K = 3;
layout(constant_id = 4) const int S = 1;
layout(constant_id = 5) const int PADMODE = 0;
layout(constant_id = 6) const int HAS_BIAS = 0;
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer I { float x[]; };
layout(std430, binding = 2) readonly buffer W { float w[]; };
layout(std430, binding = 3) readonly buffer B { float b[]; };
layout(push_constant) uniform P { int n, ic, ih, iw, oc, oh, ow, pad; } p;
void main()
{
    int ox = int(gl_GlobalInvocationID.x), oy = int(gl_GlobalInvocationID.y);
    int z = int(gl_GlobalInvocationID.z); // n * oc + o
    if (ox >= p.ow || oy >= p.oh || z >= p.n * p.oc) return;
    int n = z / p.oc, o = z % p.oc;
    float acc = HAS_BIAS != 0 ? b[o] : 0.0;
    for (int i = 0; i < p.ic; i++) {
        int xbase = (n * p.ic + i) * p.ih;
        int wbase = (o * p.ic + i) * K * K;
        for (int ky = 0; ky < K; ky++) {
            int sy = pad_index(oy * S + ky - p.pad, p.ih, PADMODE, false);
            if (sy < 0) continue;
            for (int kx = 0; kx < K; kx++) {
                int sx = pad_index(ox * S + kx - p.pad, p.iw, PADMODE, true);
                if (sx < 0) continue;
                acc += w[wbase + ky * K + kx] * x[(xbase + sy) * p.iw + sx];
            }
        }
    }
    y[(z * p.oh + oy) * p.ow + ox] = acc;
}
