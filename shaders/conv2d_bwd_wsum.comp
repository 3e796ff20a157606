#version 450
// conv2d_bwd_wsum.comp - dw (oc, ic, K, K) += the sum of the P partial weight gradients of
// conv2d_bwd_weight.comp (part [P][units][MO][KP4] RGBA texels), added in order p = 0 .. P-1 so
// every run gives the same bits. One invocation per texel of a partial (4 taps kx).
#include "common/base.glsl"
layout(constant_id = 3) const int K = 3;
layout(constant_id = 4) const int MO = 8;
layout(std430, binding = 0) buffer DW { float dw[]; };
layout(binding = 1) uniform textureBuffer part;
layout(push_constant) uniform PC { int ic, oc, nunits, np; } p;

const int KP4 = (K + 3) / 4;

void main()
{
    int per = p.nunits * MO * KP4; // texels of one partial
    for (int e = int(grid_first()); e < per; e += int(grid_stride())) {
        vec4 s = vec4(0.0);
        for (int q = 0; q < p.np; q++) s += texelFetch(part, q * per + e);
        int kq = e % KP4, r = e / KP4;
        int m = r % MO, unit = r / MO;
        int ky = unit % K, r2 = unit / K;
        int i = r2 % p.ic, ob = r2 / p.ic;
        int o = ob * MO + m;
        if (o >= p.oc) continue;
        int w0 = ((o * p.ic + i) * K + ky) * K;
        [[unroll]] for (int c = 0; c < 4; c++) {
            int kx = kq * 4 + c;
            if (kx < K) dw[w0 + kx] += s[c];
        }
    }
}
