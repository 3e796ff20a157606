#version 450
// conv2d_bwd_wtx.comp - partial sums of the weight gradient of conv2d:
//   dw (oc, ic, K, K)[o][i][ky][kx] = sum over n, oy, ox of
//       dout (n, oc, oh, ow)[o][oy][ox] * xpad (n, ic, hp, wp4 texels)[i][oy S + ky][ox S + kx]
// with xpad the padded input (conv2d_bwd_pad.comp: padding mode applied, rows a multiple of
// 4 floats, zeros past the padded width). Not the data or bias gradient.
// Each invocation keeps MO output channels x K taps kx of one unit u = i * K + ky and runs
// over the positions of a chunk of rows of one image, 4 consecutive ox per step. The lanes
// of a group take consecutive units and the same positions, so the dout fetches (MO RGBA
// texels, 4 positions each) have the same coordinate in every lane and broadcast, and
// only the xpad window is fetched per lane; all fetches come before the call-free block
// of multiply-adds (lavapipe: see conv2d_fwd_tx.comp). DOUT_R: ow % 4 != 0, dout read as
// 4 R32F values per step, zero past the row.
// Every invocation writes its MO x K sums (K rounded up to 4) to part [P][units][MO][KP4]
// (RGBA texels, P = n * nchunk, unit = ob * ic * K + u); conv2d_bwd_wsum.comp adds them
// into dw in a fixed order, so the result is deterministic.
// Group (unit block, n * nchunk + chunk, ob).
#include "common/base.glsl"
#ifndef K
#define K 3
#endif
#ifndef S
#define S 1
#endif
#ifndef MO
#define MO 8
#endif
layout(constant_id = 3) const int DOUT_R = 0;
layout(binding = 0, rgba32f) uniform writeonly imageBuffer part;
layout(binding = 1) uniform samplerBuffer dq4; // dout, RGBA view (ow % 4 == 0)
layout(binding = 2) uniform samplerBuffer dq;  // dout, R32F view
layout(binding = 3) uniform samplerBuffer xin; // xpad
layout(push_constant) uniform PC { int ic, oc, oh, ow, hp, wp4, ntx, rows, nchunk; } p;

const int KP4 = (K + 3) / 4;
const int NV = 3 * S + K;    // xpad floats one step reads
const int NT = (NV + 3) / 4; // texels holding them

void main()
{
    int nu = p.ic * K;
    int u = int(gl_GlobalInvocationID.x);
    int uc = min(u, nu - 1); // lanes past the last unit compute a copy, store nothing
    int i = uc / K, ky = uc - (uc / K) * K;
    int chunk = int(gl_WorkGroupID.y);
    int n = chunk / p.nchunk;
    int y0 = (chunk - n * p.nchunk) * p.rows;
    int y1 = min(y0 + p.rows, p.oh);
    int ob = int(gl_WorkGroupID.z);
    float acc[MO][K];
    [[unroll]] for (int m = 0; m < MO; m++)
        [[unroll]] for (int kx = 0; kx < K; kx++) acc[m][kx] = 0.0;
    int dplane[MO]; // first float of each channel's dout plane
    [[unroll]] for (int m = 0; m < MO; m++)
        dplane[m] = (n * p.oc + min(ob * MO + m, p.oc - 1)) * p.oh * p.ow;
    for (int oy = y0; oy < y1; oy++) {
        int xrow = ((n * p.ic + i) * p.hp + oy * S + ky) * p.wp4;
        for (int xt = 0; xt < p.ntx; xt++) {
            vec4 d[MO];
            if (DOUT_R == 0) {
                [[unroll]] for (int m = 0; m < MO; m++)
                    d[m] = texelFetch(dq4, (dplane[m] + oy * p.ow) / 4 + xt);
            } else {
                [[unroll]] for (int m = 0; m < MO; m++)
                    [[unroll]] for (int j = 0; j < 4; j++) {
                        int ox = xt * 4 + j;
                        float f = texelFetch(dq, dplane[m] + oy * p.ow + min(ox, p.ow - 1)).r;
                        d[m][j] = ox < p.ow ? f : 0.0;
                    }
            }
            float v[NT * 4];
            [[unroll]] for (int t = 0; t < NT; t++) {
                vec4 q = texelFetch(xin, xrow + xt * S + t);
                v[4 * t] = q.x;
                v[4 * t + 1] = q.y;
                v[4 * t + 2] = q.z;
                v[4 * t + 3] = q.w;
            }
            [[unroll]] for (int m = 0; m < MO; m++)
                [[unroll]] for (int kx = 0; kx < K; kx++)
                    [[unroll]] for (int j = 0; j < 4; j++) acc[m][kx] += d[m][j] * v[j * S + kx];
        }
    }
    if (u >= nu) return;
    int t0 = ((chunk * int(gl_NumWorkGroups.z) + ob) * nu + u) * MO * KP4;
    [[unroll]] for (int m = 0; m < MO; m++)
        [[unroll]] for (int q = 0; q < KP4; q++) {
            vec4 s = vec4(0.0);
            [[unroll]] for (int c = 0; c < 4; c++)
                if (4 * q + c < K) s[c] = acc[m][4 * q + c];
            imageStore(part, t0 + m * KP4 + q, s);
        }
}
