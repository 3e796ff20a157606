#version 450
// conv2d_bwd_bias.comp - db (oc) += sum over (n, y, x) of dout (n, oc, oh, ow). One work
// group per channel; lane l adds texels l, l + lanes, ... of every image (RGBA fetches when
// ALIGNED: oh * ow % 4 == 0, else R32F), then lane 0 adds the lanes' sums in order: the
// result is the same every run.
#include "common/base.glsl"
layout(constant_id = 3) const int ALIGNED = 0;
layout(std430, binding = 0) buffer DB { float db[]; };
layout(binding = 1) uniform textureBuffer dq;  // dout, R32F view
layout(binding = 2) uniform textureBuffer dq4; // dout, RGBA view
layout(push_constant) uniform PC { int n, oc, hw; } p;
shared float red[256];
void main()
{
    int o = int(gl_WorkGroupID.x);
    int lane = int(gl_LocalInvocationID.x), nl = int(gl_WorkGroupSize.x);
    vec4 s4 = vec4(0.0);
    float s = 0.0;
    for (int n = 0; n < p.n; n++) {
        int base = (n * p.oc + o) * p.hw;
        if (ALIGNED != 0) {
            for (int t = lane; t < p.hw / 4; t += nl) s4 += texelFetch(dq4, base / 4 + t);
        } else {
            for (int t = lane; t < p.hw; t += nl) s += texelFetch(dq, base + t).r;
        }
    }
    red[lane] = (s4.x + s4.y) + (s4.z + s4.w) + s;
    barrier();
    if (lane == 0) {
        float total = 0.0;
        for (int l = 0; l < nl; l++) total += red[l];
        db[o] += total;
    }
}
