#version 450
// upsample.comp - 2x upsampling, nearest or bilinear (align_corners = false), see gen_ops.h.
// in (np, h, w) -> out (np, 2h, 2w), np = n * c planes. One invocation per input pixel:
// forward writes its 2x2 output block from its 3x3 neighbourhood; with -DBWD it gathers
// din (= or +=) from the <= 4x4 outputs that read it (the exact adjoint, same weights).
#include "common/base.glsl"
layout(constant_id = 3) const int BILINEAR = 0;
layout(constant_id = 4) const int ACC = 0; // BWD: 0 overwrites din (never reads it), 1 adds
layout(push_constant) uniform P { uint len, h, w; } p; // len = np * h * w

#if !defined(BWD) && defined(TEXEL)
// -DTEXEL (output width % 4 == 0): one invocation per output texel, grid (texel column,
// output row, plane) so no index needs a division; x read as R32F texels.
layout(binding = 0, rgba32f) uniform writeonly imageBuffer yimg;
layout(binding = 1) uniform textureBuffer xt;
float X(uint pl, uint i, uint j)
{
    return texelFetch(xt, int((pl * p.h + i) * p.w + j)).r;
}
void main()
{
    uint q = gl_GlobalInvocationID.x, oy = gl_GlobalInvocationID.y, pl = gl_GlobalInvocationID.z;
    uint w = p.w, h = p.h, ow4 = w / 2u; // texels per output row (2w / 4)
    if (q >= ow4 || oy >= 2u * h || pl >= p.len / (h * w)) return;
    uint i = oy >> 1u, j0 = 2u * q; // input row, first of the two input columns
    vec4 v;
    if (BILINEAR == 0) {
        float a = X(pl, i, j0), b = X(pl, i, j0 + 1u);
        v = vec4(a, a, b, b);
    } else {
        // rows: even output row 2i reads (i-1, i) with (1/4, 3/4) (row 0: only row 0);
        // odd row 2i+1 reads (i, min(i+1, h-1)) with (3/4, 1/4). Same products as the
        // reference and the buffer variant.
        bool even = (oy & 1u) == 0u;
        uint r0 = even ? (i > 0u ? i - 1u : 0u) : i, r1 = even ? i : min(i + 1u, h - 1u);
        float a0 = even ? (i > 0u ? 0.25 : 0.0) : 0.75, a1 = even ? (i > 0u ? 0.75 : 1.0) : 0.25;
        uint c[4] = uint[4](j0 > 0u ? j0 - 1u : 0u, j0, j0 + 1u, min(j0 + 2u, w - 1u));
        float rA[4], rB[4];
        [[unroll]] for (int k = 0; k < 4; k++) {
            rA[k] = X(pl, r0, c[k]);
            rB[k] = X(pl, r1, c[k]);
        }
        // horizontal first (as the buffer variant): output columns 2j0 .. 2j0+3: (2j0)
        // reads (j0-1, j0) with (1/4, 3/4), or only j0 at the left edge; (2j0+1) reads
        // (j0, j0+1) with (3/4, 1/4); then column j0+1 likewise
        float b0 = j0 > 0u ? 0.25 : 0.0, b1 = j0 > 0u ? 0.75 : 1.0;
        vec4 hA = vec4(b0 * rA[0] + b1 * rA[1], 0.75 * rA[1] + 0.25 * rA[2],
                       0.25 * rA[1] + 0.75 * rA[2], 0.75 * rA[2] + 0.25 * rA[3]);
        vec4 hB = vec4(b0 * rB[0] + b1 * rB[1], 0.75 * rB[1] + 0.25 * rB[2],
                       0.25 * rB[1] + 0.75 * rB[2], 0.75 * rB[2] + 0.25 * rB[3]);
        v = a0 * hA + a1 * hB;
    }
    imageStore(yimg, int((pl * 2u * h + oy) * ow4 + q), v);
}
#elif !defined(BWD)
layout(std430, binding = 0) writeonly buffer O { float y[]; };
layout(std430, binding = 1) readonly buffer I { float x[]; };
void main()
{
    uint w = p.w, h = p.h, ow = 2u * w;
    for (uint idx = grid_first(); idx < p.len; idx += grid_stride()) {
        uint j = idx % w, r = idx / w, i = r % h, pl = r / h;
        uint ob = (pl * 2u * h + 2u * i) * ow + 2u * j; // out (2i, 2j)
        if (BILINEAR == 0) {
            float v = x[idx];
            y[ob] = v;
            y[ob + 1u] = v;
            y[ob + ow] = v;
            y[ob + ow + 1u] = v;
            continue;
        }
        // Output row 2i reads rows (i-1, i) with weights (1/4, 3/4), or only row 0 when
        // i == 0 (source coordinate clamped to 0); row 2i+1 reads (i, min(i+1, h-1)) with
        // (3/4, 1/4). Columns alike. Same products and order as the reference.
        uint im = i > 0u ? i - 1u : 0u, ip = min(i + 1u, h - 1u);
        uint jm = j > 0u ? j - 1u : 0u, jp = min(j + 1u, w - 1u);
        float a0 = i > 0u ? 0.25 : 0.0, a1 = i > 0u ? 0.75 : 1.0; // row 2i
        float b0 = j > 0u ? 0.25 : 0.0, b1 = j > 0u ? 0.75 : 1.0; // col 2j
        uint base = pl * h * w;
        float v[3][3];
        uint rows[3] = uint[3](im, i, ip), cols[3] = uint[3](jm, j, jp);
        [[unroll]] for (int ry = 0; ry < 3; ry++)
            [[unroll]] for (int rx = 0; rx < 3; rx++)
                v[ry][rx] = x[base + rows[ry] * w + cols[rx]];
        // horizontal passes for the three rows: left output (2j) and right output (2j+1)
        float hl[3], hr[3];
        [[unroll]] for (int ry = 0; ry < 3; ry++) {
            hl[ry] = b0 * v[ry][0] + b1 * v[ry][1];
            hr[ry] = 0.75 * v[ry][1] + 0.25 * v[ry][2];
        }
        y[ob] = a0 * hl[0] + a1 * hl[1];
        y[ob + 1u] = a0 * hr[0] + a1 * hr[1];
        y[ob + ow] = 0.75 * hl[1] + 0.25 * hl[2];
        y[ob + ow + 1u] = 0.75 * hr[1] + 0.25 * hr[2];
    }
}
#else
layout(std430, binding = 0) buffer DI { float din[]; };
layout(std430, binding = 1) readonly buffer DO { float dout[]; };

// The adjoint of the forward taps along one axis of n inputs: input i is read by outputs
// 2i-1 (1/4), 2i (3/4), 2i+1 (3/4), 2i+2 (1/4), except at the edges, where the clamped
// source coordinate gives output 0 all of input 0 and output 2n-1 all of input n-1 (and
// outputs -1, 2n do not exist). w[k] weights output 2i-1+k; o[k] is that output clamped
// into range (its weight is then 0).
void taps(int i, int n, out vec4 w, out ivec4 o)
{
    bool first = i == 0, last = i == n - 1;
    w = vec4(first ? 0.0 : 0.25, first ? 1.0 : 0.75, last ? 1.0 : 0.75, last ? 0.0 : 0.25);
    o = clamp(ivec4(2 * i - 1, 2 * i, 2 * i + 1, 2 * i + 2), ivec4(0), ivec4(2 * n - 1));
}

void main()
{
    int w = int(p.w), h = int(p.h), ow = 2 * w;
    for (uint idx = grid_first(); idx < p.len; idx += grid_stride()) {
        int j = int(idx % p.w), r = int(idx / p.w), i = r % h, pl = r / h;
        uint ob = uint(pl) * uint(4 * h * w);
        float g;
        if (BILINEAR == 0) {
            uint o = ob + uint(2 * i * ow + 2 * j);
            g = (dout[o] + dout[o + 1u]) + (dout[o + uint(ow)] + dout[o + uint(ow) + 1u]);
        } else {
            vec4 wy, wx;
            ivec4 oy, ox;
            taps(i, h, wy, oy);
            taps(j, w, wx, ox);
            g = 0.0;
            [[unroll]] for (int a = 0; a < 4; a++) {
                uint rb = ob + uint(oy[a] * ow);
                vec4 v = vec4(dout[rb + uint(ox.x)], dout[rb + uint(ox.y)], dout[rb + uint(ox.z)],
                              dout[rb + uint(ox.w)]);
                g += wy[a] * dot(wx, v);
            }
        }
        din[idx] = ACC != 0 ? din[idx] + g : g;
    }
}
#endif
