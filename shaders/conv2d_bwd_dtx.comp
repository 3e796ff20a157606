#version 450
// conv2d_bwd_dtx.comp - the data gradient of conv2d with respect to the PADDED input:
//   dpad (n, ic, hp, wp)[py][px] = sum over o, ky, kx with (py - ky) % S == 0 and
//   (px - kx) % S == 0 of  w (oc, ic, K, K)[o][i][ky][kx] * dout (n, oc, oh, ow)[o][(py - ky) / S][(px - kx) / S]
// (hp = ih + 2 pad, wp = iw + 2 pad). It writes dpad into scratch; conv2d_bwd_fold.comp then
// sums it into din through the padding map. Not the weight or bias gradient.
//
// Built like conv2d_fwd_tx.comp, for lavapipe: dout comes framed by zeros (conv2d_bwd_pad.comp:
// TD rows on top, LD floats on the left, zeros past the image), so every read is in range
// and unconditional; weights come packed [nib][oc][K][K][M] (conv2d_bwd_pack.comp); both are
// read as RGBA32F texel buffers (a fetch serves all 8 SIMD lanes; the weight fetch has the
// same coordinate in every lane and broadcasts), all fetches of a kernel row come before its
// call-free block of multiply-adds. Each invocation computes M input channels x J = 4 S
// consecutive stored columns of one row; group (x tile, py, n * nib + ib).
// Stored column c holds padded column px = c - E. S == 1: E is free (the planner picks the
// one that aligns the fold's reads; it only moves the frame). S == 2: E is fixed here, and
// only the taps kx with the parity of px - E contribute, so no multiply is wasted on zeros.
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
layout(binding = 0, rgba32f) uniform writeonly imageBuffer dp; // dpad (n * ic, hp, ws4)
layout(binding = 1) uniform samplerBuffer dq;                  // framed dout (n * oc, dh, dw4)
layout(binding = 2) uniform samplerBuffer wpk;                 // packed weights
layout(push_constant) uniform PC { int ic, oc, hp, ws4, dh, dw4, nib; } p;

const int J = 4 * S;
#if S == 1
// dout column for tap kx: c - kx + 4 A (the frame's left margin is E + 4 A)
const int A = (K + 2) / 4; // ceil((K - 1) / 4)
const int NT = A + 1;      // texels of the window
const int NKY = K;         // kernel rows per output row
#else
// E for the usual pad = K / 2 puts the fold's reads on texel boundaries
const int E = (4 - (K / 2) % 4) % 4;
// dout column for tap kx: 4 gx + (jj - E - kx) / 2 + 4 B (the frame's left margin is 4 B)
const int B = ((K + 3) / 2 + 3) / 4;
const int NT = B + 1;
const int NKY = (K + 1) / 2;
#endif

void main()
{
    int py = int(gl_WorkGroupID.y);
    int n = int(gl_WorkGroupID.z) / p.nib;
    int ib = int(gl_WorkGroupID.z) % p.nib;
    int gx = int(gl_GlobalInvocationID.x);
    float acc[M][J];
    [[unroll]] for (int m = 0; m < M; m++)
        [[unroll]] for (int j = 0; j < J; j++) acc[m][j] = 0.0;
    for (int o = 0; o < p.oc; o++) {
        int plane = (n * p.oc + o) * p.dh;
        [[unroll]] for (int t = 0; t < NKY; t++) {
#if S == 1
            int ky = t, r = py + K - 1 - ky;
#else
            int ky = (py & 1) + 2 * t, r = ((py - ky) >> 1) + K / 2; // rows of py's parity
            if (ky >= K) continue; // uniform: py is the group's
#endif
            int base = (plane + r) * p.dw4 + gx;
            float v[NT * 4];
            [[unroll]] for (int q = 0; q < NT; q++) {
                vec4 f = texelFetch(dq, base + q);
                v[4 * q] = f.x;
                v[4 * q + 1] = f.y;
                v[4 * q + 2] = f.z;
                v[4 * q + 3] = f.w;
            }
            int wb = ((ib * p.oc + o) * K + ky) * K * (M / 4);
            vec4 wq[K * (M / 4)];
            [[unroll]] for (int q = 0; q < K * (M / 4); q++) wq[q] = texelFetch(wpk, wb + q);
            [[unroll]] for (int kx = 0; kx < K; kx++)
                [[unroll]] for (int m = 0; m < M; m++)
                    [[unroll]] for (int j = 0; j < J; j++) {
#if S == 1
                        acc[m][j] += wq[kx * (M / 4) + m / 4][m % 4] * v[4 * A + j - kx];
#else
                        if (((j - E - kx) & 1) == 0)
                            acc[m][j] += wq[kx * (M / 4) + m / 4][m % 4] *
                                         v[4 * B + ((j - E - kx) >> 1)];
#endif
                    }
        }
    }
    [[unroll]] for (int m = 0; m < M; m++) {
        int i = ib * M + m;
        if (i < p.ic) {
            int row = ((n * p.ic + i) * p.hp + py) * p.ws4 + gx * (J / 4);
            imageStore(dp, row, vec4(acc[m][0], acc[m][1], acc[m][2], acc[m][3]));
#if S == 2
            imageStore(dp, row + 1, vec4(acc[m][4], acc[m][5], acc[m][6], acc[m][7]));
#endif
        }
    }
}
