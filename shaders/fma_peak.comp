#version 450
// fma_peak.comp - FMA throughput probe: out[i] = checksum of 16 independent chains of
// ROUNDS fused multiply-adds each (2 * 16 * ROUNDS FLOP per invocation). out: len floats.
#include "common/base.glsl"
layout(constant_id = 3) const int ROUNDS = 1024;
layout(std430, binding = 0) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint len; float a, b; } p;
void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= p.len) return;
    float x[16];
    [[unroll]] for (int j = 0; j < 16; j++) x[j] = float(i + uint(j));
    for (int r = 0; r < ROUNDS; r++) {
        [[unroll]] for (int j = 0; j < 16; j++) x[j] = fma(x[j], p.a, p.b);
    }
    float s = 0.0;
    [[unroll]] for (int j = 0; j < 16; j++) s += x[j];
    o[i] = s;
}
