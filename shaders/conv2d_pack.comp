#version 450
// conv2d_pack.comp - wpk [nob][ic][K][K][M] from w (oc, ic, K, K): output channel
// ob * M + m, zero where that is >= oc (the last block may be partial).
#include "common/base.glsl"
layout(constant_id = 3) const int K = 3;
layout(constant_id = 4) const int M = 8;
layout(std430, binding = 0) writeonly buffer O { float wp[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(push_constant) uniform PC { int ic, oc, nob; } p;
void main()
{
    uint total = uint(p.nob) * uint(p.ic) * uint(K * K * M);
    for (uint e = grid_first(); e < total; e += grid_stride()) {
        int m = int(e % uint(M));
        int r = int(e / uint(M));
        int kk = r % (K * K);
        r /= K * K;
        int i = r % p.ic, ob = r / p.ic;
        int o = ob * M + m;
        wp[e] = o < p.oc ? w[(o * p.ic + i) * K * K + kk] : 0.0;
    }
}
