#version 450
// conv2d_bwd_weight.comp - partial sums of the weight gradient of conv2d:
//   dw (oc, ic, K, K)[o][i][ky][kx] = sum over n, oy, ox of
//       dout (n, oc, oh, ow)[o][oy][ox] * in (n, ic, ih, iw)[i][map(oy S + ky - pad)][map(ox S + kx - pad)]
// with map the padding map (gen_pad_index; zero mode reads 0 outside). Not the data or bias
// gradient.
// Each invocation keeps MO output channels x KY kernel rows x K taps kx of one input
// channel and runs over the positions of a chunk of rows of one image, 4 consecutive ox
// per step. The lanes of a group take consecutive units (i, row block) and the same
// positions, so the dout fetches (MO RGBA texels, 4 positions each) have the same
// coordinate in every lane and broadcast; only the input window is fetched per lane. All
// fetches of a step come before its call-free block of multiply-adds (lavapipe: see
// conv2d_fwd_tx.comp); MO x KY x K accumulators make each fetch feed many of them.
// Input: DIRECT (iw % 4 == 0) reads in itself for the steps xa .. xb, whose window lies
// inside the row: aligned RGBA fetches and a shift by SHX = (-pad) mod 4, the row through
// the padding map. The windows of the other (edge) steps come padded from xedge
// (conv2d_bwd_pad.comp: per padded row, the left windows then the right ones, we4 texels);
// a separate loop for them keeps the hot loop small, which matters on lavapipe (a loop
// that can also take the padding map runs 1.5x slower). Otherwise (iw % 4 != 0) every step
// reads xpad (conv2d_bwd_pad.comp: the whole padded input, wp4 texels per row, zeros past
// the padded width).
// DOUT_R: ow % 4 != 0, dout read as 4 R32F values per step, zero past the row.
// Every invocation writes its MO x K sums of each row (K rounded up to 4) to part
// [P][units][MO][KP4] (RGBA texels, P = n * nchunk, unit = (ob * ic + i) * K + ky);
// conv2d_bwd_wsum.comp adds them into dw in a fixed order, so the result is deterministic.
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
#ifndef KY
#define KY 1 // kernel rows per invocation, a divisor of K
#endif
layout(constant_id = 3) const int DOUT_R = 0;
layout(constant_id = 4) const int DIRECT = 0;
layout(constant_id = 5) const int PADMODE = 0;
layout(constant_id = 6) const int SHX = 0;
layout(binding = 0, rgba32f) uniform writeonly imageBuffer part;
layout(binding = 1) uniform textureBuffer dq4; // dout, RGBA view (ow % 4 == 0)
layout(binding = 2) uniform textureBuffer dq;  // dout, R32F view
layout(binding = 3) uniform textureBuffer xin;   // xpad, or in (RGBA view) when DIRECT
layout(binding = 4) uniform textureBuffer xedge; // DIRECT: the edge windows, padded
layout(push_constant) uniform PC {
    int ic, oc, oh, ow, hp, wp4, ntx, rows, nchunk, ih, iw, pad, xa, xb, nedge, we4, wsk;
} p;

const int KP4 = (K + 3) / 4;
const int NV = 3 * S + K;    // input floats one step reads
const int NT = (NV + 3) / 4; // texels holding them
const int NKB = K / KY;      // row blocks per input channel

vec4 shifted(vec4 a, vec4 b)
{
    return SHX == 0 ? a
         : SHX == 1 ? vec4(a.yzw, b.x)
         : SHX == 2 ? vec4(a.zw, b.xy)
                    : vec4(a.w, b.xyz);
}

// dout of step xt: MO texels of 4 positions, the same coordinate in every lane
#define FETCH_DOUT(xt)                                                                         \
    if (DOUT_R == 0) {                                                                         \
        [[unroll]] for (int m = 0; m < MO; m++)                                                \
            d[m] = texelFetch(dq4, (dplane[m] + oy * p.ow) / 4 + (xt));                         \
    } else {                                                                                   \
        [[unroll]] for (int m = 0; m < MO; m++)                                                \
            [[unroll]] for (int j = 0; j < 4; j++) {                                           \
                int ox = (xt) * 4 + j;                                                         \
                float f = texelFetch(dq, dplane[m] + oy * p.ow + min(ox, p.ow - 1)).r;          \
                d[m][j] = ox < p.ow ? f : 0.0;                                                 \
            }                                                                                  \
    }
// zero padding rows read from row 0 count nothing
#define ZERO_ROWS                                                                              \
    if (DIRECT != 0 && PADMODE == PAD_ZERO) {                                                  \
        [[unroll]] for (int r = 0; r < KY; r++)                                                \
            [[unroll]] for (int q = 0; q < NV; q++) v[r][q] *= keep[r];                        \
    }
#define ACCUMULATE                                                                             \
    [[unroll]] for (int m = 0; m < MO; m++)                                                    \
        [[unroll]] for (int r = 0; r < KY; r++)                                                \
            [[unroll]] for (int kx = 0; kx < K; kx++)                                          \
                [[unroll]] for (int j = 0; j < 4; j++) acc[m][r][kx] += d[m][j] * v[r][j * S + kx];

void main()
{
    int nu = p.ic * NKB;
    int u = int(gl_GlobalInvocationID.x);
    int uc = min(u, nu - 1); // lanes past the last unit compute a copy, store nothing
    int i = uc / NKB, ky0 = (uc - i * NKB) * KY;
    int chunk = int(gl_WorkGroupID.y);
    int n = chunk / p.nchunk;
    int y0 = (chunk - n * p.nchunk) * p.rows;
    int y1 = min(y0 + p.rows, p.oh);
    int ob = int(gl_WorkGroupID.z);
    float acc[MO][KY][K];
    [[unroll]] for (int m = 0; m < MO; m++)
        [[unroll]] for (int r = 0; r < KY; r++)
            [[unroll]] for (int kx = 0; kx < K; kx++) acc[m][r][kx] = 0.0;
    int dplane[MO]; // first float of each channel's dout plane
    [[unroll]] for (int m = 0; m < MO; m++)
        dplane[m] = (n * p.oc + min(ob * MO + m, p.oc - 1)) * p.oh * p.ow;
    // steps xa .. xb read aligned texels (all of them from xpad), the others xedge
    int xa = DIRECT != 0 ? min(p.xa, p.ntx) : 0;
    int xb = DIRECT != 0 ? max(min(p.xb, p.ntx - 1), xa - 1) : p.ntx - 1;
    for (int oy = y0; oy < y1; oy++) {
        // first float of each kernel row's input row; keep[r] == 0: a zero-padding row
        int xrow[KY], erow[KY]; // erow: first texel of the row's edge windows in xedge
        float keep[KY];
        [[unroll]] for (int r = 0; r < KY; r++) {
            if (DIRECT != 0) {
                int sy = pad_index(oy * S + ky0 + r - p.pad, p.ih, PADMODE, false);
                xrow[r] = ((n * p.ic + i) * p.ih + max(sy, 0)) * p.iw;
                keep[r] = sy >= 0 ? 1.0 : 0.0;
                erow[r] = ((n * p.ic + i) * p.hp + oy * S + ky0 + r) * p.we4;
            } else {
                xrow[r] = ((n * p.ic + i) * p.hp + oy * S + ky0 + r) * p.wp4 * 4;
                keep[r] = 1.0;
                erow[r] = 0;
            }
        }
        // the steps whose window lies inside the row (all of them from xpad), then the edge
        // steps from xedge: two loops keep the padding map out of the hot one
        for (int xt = xa; xt <= xb; xt++) {
            vec4 d[MO];
            float v[KY][NT * 4];
            FETCH_DOUT(xt)
            int x0 = xt * 4 * S; // padded column of the window's first float
            [[unroll]] for (int r = 0; r < KY; r++) {
                vec4 a[NT + 1];
                int t0 = DIRECT != 0 ? (xrow[r] + x0 - p.pad - SHX) / 4 : (xrow[r] + x0) / 4;
                [[unroll]] for (int t = 0; t < NT; t++) a[t] = texelFetch(xin, t0 + t);
                // one texel more only where the shift pushes the window over the next
                a[NT] = DIRECT == 0 || SHX + NV <= 4 * NT ? a[NT - 1] : texelFetch(xin, t0 + NT);
                [[unroll]] for (int t = 0; t < NT; t++) {
                    vec4 q = DIRECT != 0 ? shifted(a[t], a[t + 1]) : a[t];
                    v[r][4 * t] = q.x;
                    v[r][4 * t + 1] = q.y;
                    v[r][4 * t + 2] = q.z;
                    v[r][4 * t + 3] = q.w;
                }
            }
            ZERO_ROWS
            ACCUMULATE
        }
        for (int e = 0; e < p.nedge; e++) {
            int xt = e < xa ? e : xb + 1 + e - xa;
            vec4 d[MO];
            float v[KY][NT * 4];
            FETCH_DOUT(xt)
            [[unroll]] for (int r = 0; r < KY; r++) {
                int t0 = erow[r] + e * S + (e < xa ? 0 : p.wsk);
                [[unroll]] for (int t = 0; t < NT; t++) {
                    vec4 q = texelFetch(xedge, t0 + t);
                    v[r][4 * t] = q.x;
                    v[r][4 * t + 1] = q.y;
                    v[r][4 * t + 2] = q.z;
                    v[r][4 * t + 3] = q.w;
                }
            }
            ACCUMULATE
        }
    }
    if (u >= nu) return;
    [[unroll]] for (int r = 0; r < KY; r++) {
        int unit = (ob * p.ic + i) * K + ky0 + r;
        int t0 = (chunk * int(gl_NumWorkGroups.z) * p.ic * K + unit) * MO * KP4;
        [[unroll]] for (int m = 0; m < MO; m++)
            [[unroll]] for (int q = 0; q < KP4; q++) {
                vec4 s = vec4(0.0);
                [[unroll]] for (int c = 0; c < 4; c++)
                    if (4 * q + c < K) s[c] = acc[m][r][4 * q + c];
                imageStore(part, t0 + m * KP4 + q, s);
            }
    }
}
