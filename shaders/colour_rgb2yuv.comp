#version 450
// colour_rgb2yuv.comp - RGB tensor (1, 3, th, tw) -> planar frame bytes: rgb_to_yuv of
// gen/gen_ops.h. Each invocation owns whole 32-bit words of the frame, N = 4 / BPS samples
// of one plane row, so no two invocations write the same word and no atomics are needed.
// Row starts are word aligned (offsets and strides are multiples of 4); the last word of a
// row may also hold padding bytes: only then is the word read back, so they keep their
// values.
// CHROMA == 0: grid (words of a plane-0 row, frame rows), writes plane 0.
// CHROMA == 1: grid (words of a plane-1 row, chroma rows), writes planes 1 and 2 (the same
//   geometry) from the mean RGB of each 2^SUBX x 2^SUBY block inside the frame: the
//   conversion is affine, so the mean of RGB gives the mean of Pb and Pr (box filter).
// Codes: dot(a[p].xyz, rgb) + a[p].w (range, inverse matrix and (v + 1) / 2 folded by the
// planner), floor(x + 0.5), clamped to the codes a sample holds.
// The tensor is read through an RGBA texel view. For ROT 0 and 2 the frame samples of one
// word (or of one block row of a chroma word, up to 8) are consecutive floats of one tensor
// row: NT = 2 or 3 fetches per channel, issued before any arithmetic. For ROT 1 and 3 they
// lie in one tensor column: one fetch per sample and channel.
#include "common/base.glsl"
layout(constant_id = 3) const int ROT = 0;    // rotation / 90 (clockwise)
layout(constant_id = 4) const int SUBX = 0;   // log2 block size along x (0 for plane 0)
layout(constant_id = 5) const int SUBY = 0;   // and along y
layout(constant_id = 6) const int BPS = 1;    // bytes per sample: 1 or 2
layout(constant_id = 7) const int CHROMA = 0; // 0: plane 0; 1: planes 1 and 2

const int N = 4 / BPS;      // samples per word
const int BX = 1 << SUBX;   // block width
const int M = N * BX;       // frame columns per word and block row, <= 8
const int NT = (M + 6) / 4; // texels covering M consecutive floats at any alignment

layout(binding = 0, std430) buffer Dst { uint dst[]; };
layout(binding = 1) uniform textureBuffer rgb4; // RGBA view of the tensor
layout(push_constant) uniform PC {
    int fw, fh;     // frame size as decoded
    int tw, th;     // tensor size
    uint off[3];    // plane byte offsets
    uint stride[3]; // plane row strides in bytes
    int lo0, hi0;   // clamp range of plane 0
    int lo1, hi1;   // and of planes 1, 2
    int ntex;       // texels in the RGBA view
    int pad_;
    vec4 a[3]; // code of plane p = dot(a[p].xyz, rgb) + a[p].w
} p;

// Floats e .. e + 3 of the view from the texel a holding e and the next one b, r = e & 3
// (constant swizzles: a dynamic vector index costs a lane-by-lane loop on lavapipe).
vec4 shift4(vec4 a, vec4 b, int r)
{
    return r == 0 ? a : r == 1 ? vec4(a.yzw, b.x) : r == 2 ? vec4(a.zw, b.xy) : vec4(a.w, b.xyz);
}

// Tensor RGB of frame samples (sx0 + k, sy), k < M. Samples past the frame's last column
// get unspecified values (the caller ignores them); every fetch stays inside the view.
void fetch_run(int sx0, int sy, out vec3 px[8])
{
    if (ROT == 0 || ROT == 2) {
        // The run is M consecutive floats of tensor row oy starting at column ox0 (for ROT 2
        // in reverse order); ox0 may lie before the row for the last, partial run of ROT 2.
        int oy = ROT == 0 ? sy : p.fh - 1 - sy;
        int ox0 = ROT == 0 ? sx0 : p.fw - sx0 - M;
        vec4 t[3][3];
        int r[3];
        [[unroll]] for (int c = 0; c < 3; c++) {
            int e0 = (c * p.th + oy) * p.tw + ox0;
            r[c] = e0 & 3;
            [[unroll]] for (int i = 0; i < NT; i++)
                t[c][i] = texelFetch(rgb4, clamp((e0 >> 2) + i, 0, p.ntex - 1));
        }
        [[unroll]] for (int c = 0; c < 3; c++) {
            vec4 w0 = shift4(t[c][0], t[c][1], r[c]);
            vec4 w1 = NT == 3 ? shift4(t[c][1], t[c][2], r[c]) : vec4(0.0);
            [[unroll]] for (int k = 0; k < M; k++) {
                int i = ROT == 0 ? k : M - 1 - k; // float i of the run
                px[k][c] = i < 4 ? w0[i] : w1[i - 4];
            }
        }
    } else {
        // one tensor column: a fetch per sample and channel
        int ox = ROT == 1 ? p.fh - 1 - sy : sy;
        [[unroll]] for (int k = 0; k < M; k++) {
            int sx = min(sx0 + k, p.fw - 1);
            int oy = ROT == 1 ? sx : p.fw - 1 - sx;
            [[unroll]] for (int c = 0; c < 3; c++) {
                int e = (c * p.th + oy) * p.tw + ox;
                vec4 v = texelFetch(rgb4, e >> 2);
                int r = e & 3;
                px[k][c] = r == 0 ? v.x : r == 1 ? v.y : r == 2 ? v.z : v.w;
            }
        }
    }
}

uint code(int pl, vec3 v, int lo, int hi)
{
    float x = floor(dot(p.a[pl].xyz, v) + p.a[pl].w + 0.5);
    return uint(clamp(x, float(lo), float(hi)));
}

// Stores word v at byte b (a multiple of 4) of which the low `bytes` bytes are samples.
void put(uint b, uint v, int bytes)
{
    uint i = b >> 2;
    if (bytes < 4) {
        uint mask = (1u << (8 * bytes)) - 1u;
        v = (dst[i] & ~mask) | v;
    }
    dst[i] = v;
}

void main()
{
    int gx = int(gl_GlobalInvocationID.x), gy = int(gl_GlobalInvocationID.y);
    int cw = (p.fw + BX - 1) >> SUBX, chh = (p.fh + (1 << SUBY) - 1) >> SUBY;
    int x0 = gx * N;
    if (x0 >= cw || gy >= chh) return;
    int nvalid = min(N, cw - x0);

    vec3 sum[4] = vec3[4](vec3(0.0), vec3(0.0), vec3(0.0), vec3(0.0));
    float cnt[4] = float[4](0.0, 0.0, 0.0, 0.0);
    [[unroll]] for (int r = 0; r < (1 << SUBY); r++) {
        int sy = (gy << SUBY) + r;
        if (sy < p.fh) { // false only for the last chroma row of an odd height
            vec3 px[8];
            fetch_run(x0 << SUBX, sy, px);
            [[unroll]] for (int j = 0; j < N; j++)
                [[unroll]] for (int i = 0; i < BX; i++)
                    if (((x0 + j) << SUBX) + i < p.fw) {
                        sum[j] += px[j * BX + i];
                        cnt[j] += 1.0;
                    }
        }
    }

    uint w1 = 0u, w2 = 0u;
    [[unroll]] for (int j = 0; j < N; j++) {
        vec3 v = sum[j] / max(cnt[j], 1.0); // cnt is 1, 2 or 4: exact
        uint sh = uint(j * 8 * BPS);
        if (j < nvalid) {
            if (CHROMA == 0) {
                w1 |= code(0, v, p.lo0, p.hi0) << sh;
            } else {
                w1 |= code(1, v, p.lo1, p.hi1) << sh;
                w2 |= code(2, v, p.lo1, p.hi1) << sh;
            }
        }
    }
    int bytes = nvalid * BPS;
    uint rowb = uint(gy) * p.stride[CHROMA] + uint(x0 * BPS);
    put(p.off[CHROMA] + rowb, w1, bytes);
    if (CHROMA == 1) put(p.off[2] + uint(gy) * p.stride[2] + uint(x0 * BPS), w2, bytes);
}
