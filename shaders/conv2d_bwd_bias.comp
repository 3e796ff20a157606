#version 450
// conv2d_bwd_bias.comp - db (oc) += sum over (n, y, x) of dout (n, oc, oh, ow).
// One work group per output channel, shared-memory tree reduction.
#include "common/base.glsl"
layout(std430, binding = 0) buffer DB { float db[]; };
layout(std430, binding = 1) readonly buffer DO { float dout[]; };
layout(push_constant) uniform P { int n, oc, hw; } p;
shared float red[256];
void main()
{
    int o = int(gl_WorkGroupID.x);
    int lid = int(gl_LocalInvocationID.x), nl = int(gl_WorkGroupSize.x);
    float acc = 0.0;
    for (int q = lid; q < p.n * p.hw; q += nl) {
        int n = q / p.hw, r = q % p.hw;
        acc += dout[(n * p.oc + o) * p.hw + r];
    }
    red[lid] = acc;
    barrier();
    for (int s = nl / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        barrier();
    }
    if (lid == 0) db[o] += red[0];
}
