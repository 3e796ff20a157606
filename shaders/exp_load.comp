#version 450
// exp_load.comp - experiment: cost of load flavours on this device.
#include "common/base.glsl"
layout(constant_id = 3) const int MODE = 0;
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(binding = 1) uniform samplerBuffer xt;
layout(std430, binding = 2) readonly buffer X { float x[]; };
layout(push_constant) uniform P { uint len; float a, b; } p;
void main()
{
    uint lane = gl_LocalInvocationID.x;
    uint g = gl_WorkGroupID.x;
    float acc = 0.0, acc2 = 0.0;
    uint base = (g * 64u) & 1048575u;
    [[unroll]] for (uint r = 0; r < 256u; r++) {
        if (MODE == 0) acc += x[base + r * 8u + lane];                    // divergent SSBO
        else if (MODE == 1) acc += texelFetch(xt, int(base + r * 8u + lane)).r; // divergent texel
        else if (MODE == 2) acc += x[base + r * 8u];                      // uniform SSBO
        else if (MODE == 3) { acc = fma(acc, x[base + r], p.b); acc2 = fma(acc2, x[base + r], p.a); }
        else if (MODE == 4) acc = fma(acc, p.a, p.b);          // ALU only
        else if (MODE == 5) { vec4 t = texelFetch(xt, int(base + r * 8u + lane)); acc += t.x + t.y; acc2 += t.z + t.w; }
    }
    y[gl_GlobalInvocationID.x] = acc + acc2;
}
