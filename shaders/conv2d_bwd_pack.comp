#version 450
// conv2d_bwd_pack.comp - the weights of the data gradient, transposed: wpk [nib][oc][K][K][M]
// from w (oc, ic, K, K), holding input channel ib * M + m (zero where that is >= ic), so
// conv2d_bwd_data.comp reads the M input channels of one tap as M / 4 RGBA texels.
#include "common/base.glsl"
layout(constant_id = 3) const int K = 3;
layout(constant_id = 4) const int M = 8;
layout(std430, binding = 0) writeonly buffer O { float wp[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(push_constant) uniform PC { int ic, oc, nib; } p;
void main()
{
    uint total = uint(p.nib) * uint(p.oc) * uint(K * K * M);
    for (uint e = grid_first(); e < total; e += grid_stride()) {
        int m = int(e % uint(M));
        int r = int(e / uint(M));
        int kk = r % (K * K);
        r /= K * K;
        int o = r % p.oc, ib = r / p.oc;
        int i = ib * M + m;
        wp[e] = i < p.ic ? w[(o * p.ic + i) * K * K + kk] : 0.0;
    }
}
