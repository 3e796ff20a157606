#version 450
// conv2d_fwd_tx.comp - direct convolution for CPU-class Vulkan devices (lavapipe) and GPUs:
// out (n, oc, oh, ow) = b + sum w (oc, ic, K, K) * xpad (n, ic, hp, wp).
// Inputs come pre-padded (conv2d_pad.comp: the padding mode is already applied, rows are a
// multiple of 4 floats) and weights pre-packed (conv2d_pack.comp: [ob][ic][K][K][M]), both
// read as RGBA32F texel buffers: on lavapipe a texel fetch gathers all lanes at once while a
// storage buffer load runs lane by lane, and a fetch with the same coordinate in every lane
// yields four broadcast weights. Each invocation computes M output channels x 4 consecutive
// pixels of one row; group (x tile, n * nob + ob, oy): the groups of one row, which read
// the same input rows, run one after the other (on lavapipe groups run in x, y, z order),
// so those rows are read from cache instead of from memory once per output block.
// -DDIRECT (K 3, S 2, pad 1, iw % 4 == 0): no padded copy. The stride-2 convolutions read
// 4x their output's pixels, so padding their input cost as much as the arithmetic (on
// lavapipe, 3.1 of 8.5 ms for the first one at 320x240). Here hp and wp4 are the input's
// height and texels per row; the invocation fetches the 3 texels holding input columns
// 2 x0 - 4 .. 2 x0 + 7 of the row the padding map gives (so the same 3 fetches a padded row
// needs), uses columns 2 x0 - 1 .. 2 x0 + 7, and only column -1 (x0 == 0) takes the
// padding mode: a select, not a branch. Column iw is never read (ow = iw / 2).
#include "common/base.glsl"
#ifndef K
#define K 3
#endif
#ifndef S
#define S 1
#endif
#ifndef M
#define M 8
#endif
layout(constant_id = 3) const int HAS_BIAS = 0;
layout(constant_id = 4) const int PADMODE = 0; // DIRECT only
#ifdef IMG_OUT
// ow % 4 == 0: rows hold whole texels, so each invocation stores one RGBA per channel
layout(binding = 0, rgba32f) uniform writeonly imageBuffer yimg;
#else
layout(std430, binding = 0) writeonly buffer O { float y[]; };
#endif
layout(binding = 1) uniform textureBuffer xin; // padded input (DIRECT: the input itself)
layout(binding = 2) uniform textureBuffer wpk; // packed weights
layout(std430, binding = 3) readonly buffer B { float b[]; };
layout(push_constant) uniform PC { int n, ic, hp, wp4, oc, oh, ow, nob; } p;

const int NV = 3 * S + K;        // input floats one row of 4 outputs reads
const int NT = (NV + 3) / 4;     // texels holding them

void main()
{
    int oy = int(gl_WorkGroupID.z);
    int n = int(gl_WorkGroupID.y) / p.nob;
    int ob = int(gl_WorkGroupID.y) % p.nob;
    int x0 = int(gl_GlobalInvocationID.x) * 4; // first of this invocation's 4 outputs
    float acc[M][4];
    [[unroll]] for (int m = 0; m < M; m++) {
        float bias = 0.0;
        if (HAS_BIAS != 0) bias = b[min(ob * M + m, p.oc - 1)];
        [[unroll]] for (int j = 0; j < 4; j++) acc[m][j] = bias;
    }
#ifdef DIRECT
    // the rows each kernel row reads, through the padding map, and the texels of a row
    // (clamped: column -1 and lanes past the end fetch something, then select or discard)
    // are the same for every input channel: worked out once, so the loop stays branch-free
    int rowo[K];
    float rz[K];
    [[unroll]] for (int ky = 0; ky < K; ky++) {
        int sy = pad_index(oy * 2 + ky - 1, p.hp, PADMODE, false);
        rowo[ky] = max(sy, 0) * p.wp4;
        rz[ky] = sy < 0 ? 0.0 : 1.0;
    }
    int tt[3];
    [[unroll]] for (int t = 0; t < 3; t++) tt[t] = clamp(x0 / 2 - 1 + t, 0, p.wp4 - 1);
#endif
    for (int i = 0; i < p.ic; i++) {
        [[unroll]] for (int ky = 0; ky < K; ky++) {
#ifdef DIRECT
            int rowt = (n * p.ic + i) * p.hp * p.wp4 + rowo[ky];
            float u[12];
            [[unroll]] for (int t = 0; t < 3; t++) {
                vec4 q = texelFetch(xin, rowt + tt[t]);
                u[4 * t] = q.x;
                u[4 * t + 1] = q.y;
                u[4 * t + 2] = q.z;
                u[4 * t + 3] = q.w;
            }
            float edge = PADMODE == PAD_REFLECT     ? u[5]  // column 1 (texel 0 is u[4..7])
                       : PADMODE == PAD_REPLICATE   ? u[4]  // column 0
                       : PADMODE == PAD_CIRCULAR_X  ? texelFetch(xin, rowt + p.wp4 - 1).w
                                                    : 0.0;
            float v[NV];
            [[unroll]] for (int j = 0; j < NV; j++) v[j] = u[3 + j];
            v[0] = x0 == 0 ? edge : v[0];
            if (PADMODE == PAD_ZERO) // rows above or below the image
                [[unroll]] for (int j = 0; j < NV; j++) v[j] *= rz[ky];
#else
            int base = ((n * p.ic + i) * p.hp + oy * S + ky) * p.wp4 + (x0 * S) / 4;
            float v[NT * 4];
            [[unroll]] for (int t = 0; t < NT; t++) {
                vec4 q = texelFetch(xin, base + t);
                v[4 * t] = q.x;
                v[4 * t + 1] = q.y;
                v[4 * t + 2] = q.z;
                v[4 * t + 3] = q.w;
            }
#endif
            // every fetch of this row before any arithmetic: on lavapipe a fetch is a call,
            // which spills live vector registers, so keep the accumulator block call-free
            int wb = ((ob * p.ic + i) * K + ky) * K * (M / 4);
            vec4 wq[K * (M / 4)];
            [[unroll]] for (int q = 0; q < K * (M / 4); q++) wq[q] = texelFetch(wpk, wb + q);
            [[unroll]] for (int kx = 0; kx < K; kx++)
                [[unroll]] for (int m = 0; m < M; m++)
                    [[unroll]] for (int j = 0; j < 4; j++)
                        acc[m][j] += wq[kx * (M / 4) + m / 4][m % 4] * v[j * S + kx];
        }
    }
    [[unroll]] for (int m = 0; m < M; m++) {
        int o = ob * M + m;
        int row = ((n * p.oc + o) * p.oh + oy) * p.ow;
#ifdef IMG_OUT
        if (o < p.oc && x0 < p.ow)
            imageStore(yimg, (row + x0) / 4, vec4(acc[m][0], acc[m][1], acc[m][2], acc[m][3]));
#else
        [[unroll]] for (int j = 0; j < 4; j++)
            if (o < p.oc && x0 + j < p.ow) y[row + x0 + j] = acc[m][j];
#endif
    }
}
