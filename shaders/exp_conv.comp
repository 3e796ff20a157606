#version 450
// exp_conv.comp - experiment: 3x3 s1 conv on a pre-padded input (pitch multiple of 4) with
// vec4 texel fetches and subgroup broadcasts of packed weights. Lane = 4 output pixels.
#extension GL_KHR_shader_subgroup_ballot : enable
#include "common/base.glsl"
#define K 3
#ifndef M
#define M 6
#endif
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(binding = 1) uniform samplerBuffer xin;   // padded input, RGBA32F texels
layout(binding = 2) uniform samplerBuffer wpk;   // packed weights, 8 texels per (ob, i, ky)
layout(push_constant) uniform PC { int n, ic, hp, wp4, oc, oh, ow, nob; } p;
void main()
{
    int lane = int(gl_LocalInvocationID.x);
    int oy = int(gl_WorkGroupID.y);
    int n = int(gl_WorkGroupID.z) / p.nob;
    int ob = int(gl_WorkGroupID.z) % p.nob;
    int x4 = int(gl_WorkGroupID.x) * 8 + lane; // texel column of this lane's 4 outputs
    float acc[M][4];
    [[unroll]] for (int m = 0; m < M; m++) [[unroll]] for (int j = 0; j < 4; j++) acc[m][j] = 0.0;
#ifdef IC_UNROLL
    [[unroll]] for (int i = 0; i < IC_UNROLL; i++) {
#else
    for (int i = 0; i < p.ic; i++) {
#endif
        [[unroll]] for (int ky = 0; ky < K; ky++) {
            int base = ((n * p.ic + i) * p.hp + oy + ky) * p.wp4 + x4;
            vec4 v0 = texelFetch(xin, base);
            vec4 v1 = texelFetch(xin, base + 1);
            float v[8] = float[8](v0.x, v0.y, v0.z, v0.w, v1.x, v1.y, v1.z, v1.w);
            vec4 wv = texelFetch(wpk, ((ob * p.ic + i) * K + ky) * 8 + lane);
            [[unroll]] for (int kx = 0; kx < K; kx++) {
                [[unroll]] for (int m = 0; m < M; m++) {
                    const int idx = kx * M + m;
                    float w = subgroupBroadcast(wv[idx % 4], idx / 4);
                    [[unroll]] for (int j = 0; j < 4; j++) acc[m][j] = fma(w, v[j + kx], acc[m][j]);
                }
            }
        }
    }
    [[unroll]] for (int m = 0; m < M; m++) {
        int o = ob * M + m;
        [[unroll]] for (int j = 0; j < 4; j++) {
            int ox = x4 * 4 + j;
            if (o < p.oc && ox < p.ow) y[((n * p.oc + o) * p.oh + oy) * p.ow + ox] = acc[m][j];
        }
    }
}
