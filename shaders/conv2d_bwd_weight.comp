#version 450
// conv2d_bwd_weight.comp - dw (oc, ic, K, K) += sum over (n, oy, ox) of
// dout (n, oc, oh, ow) * pad(in (n, ic, ih, iw)) at (oy*S + ky - pad, ox*S + kx - pad).
// One work group per (o, i, ky): its invocations split the positions, each keeps K taps,
// then a shared-memory tree sums them.
#include "common/base.glsl"
layout(constant_id = 3) const int K = 3;
layout(constant_id = 4) const int S = 1;
layout(constant_id = 5) const int PADMODE = 0;
layout(std430, binding = 0) buffer DW { float dw[]; };
layout(std430, binding = 1) readonly buffer DO { float dout[]; };
layout(std430, binding = 2) readonly buffer I { float x[]; };
layout(push_constant) uniform P { int n, ic, ih, iw, oc, oh, ow, pad; } p;
shared float red[256];

void main()
{
    int g = int(gl_WorkGroupID.x) + int(gl_WorkGroupID.y) * int(gl_NumWorkGroups.x);
    if (g >= p.oc * p.ic * K) return; // uniform across the group
    int ky = g % K, oi = g / K;
    int o = oi / p.ic, i = oi % p.ic;
    int lid = int(gl_LocalInvocationID.x), nl = int(gl_WorkGroupSize.x);
    float acc[9];
    for (int kx = 0; kx < K; kx++) acc[kx] = 0.0;
    int per_image = p.oh * p.ow;
    for (int q = lid; q < p.n * per_image; q += nl) {
        int n = q / per_image, r = q % per_image;
        int oy = r / p.ow, ox = r % p.ow;
        float d = dout[(n * p.oc + o) * per_image + r];
        int sy = pad_index(oy * S + ky - p.pad, p.ih, PADMODE, false);
        if (sy < 0) continue;
        int row = ((n * p.ic + i) * p.ih + sy) * p.iw;
        for (int kx = 0; kx < K; kx++) {
            int sx = pad_index(ox * S + kx - p.pad, p.iw, PADMODE, true);
            if (sx >= 0) acc[kx] += d * x[row + sx];
        }
    }
    for (int kx = 0; kx < K; kx++) {
        red[lid] = acc[kx];
        barrier();
        for (int s = nl / 2; s > 0; s >>= 1) {
            if (lid < s) red[lid] += red[lid + s];
            barrier();
        }
        if (lid == 0) dw[((o * p.ic + i) * K + ky) * K + kx] += red[0];
        barrier();
    }
}
