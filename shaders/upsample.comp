#version 450
// upsample.comp - 2x upsampling, nearest or bilinear (align_corners = false), see gen_ops.h.
// in (np, h, w) -> out (np, 2h, 2w), np = n * c planes. One invocation per input pixel:
// forward writes its 2x2 output block from its 3x3 neighbourhood; with -DBWD it gathers
// din (= or +=) from the <= 4x4 outputs that read it (the exact adjoint, same weights).
#include "common/base.glsl"
layout(constant_id = 3) const int BILINEAR = 0;
layout(constant_id = 4) const int ACC = 0; // BWD: 0 overwrites din (never reads it), 1 adds
layout(push_constant) uniform P { uint len, h, w; } p; // len = np * h * w

#ifndef BWD
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

// Weight with which output index o (axis of 2n) reads input index i: the reference's tap,
// source s = max((o + 0.5) / 2 - 0.5, 0), i0 = floor(s), i1 = min(i0 + 1, n - 1).
float tap(int o, int i, int n)
{
    float s = max((float(o) + 0.5) * 0.5 - 0.5, 0.0);
    int a = int(s), b = min(a + 1, n - 1);
    float l1 = s - float(a);
    return (a == i ? 1.0 - l1 : 0.0) + (b == i ? l1 : 0.0);
}

void main()
{
    int w = int(p.w), h = int(p.h), ow = 2 * w, oh = 2 * h;
    for (uint idx = grid_first(); idx < p.len; idx += grid_stride()) {
        int j = int(idx % p.w), r = int(idx / p.w), i = r % h, pl = r / h;
        uint ob = uint(pl) * uint(oh * ow);
        float g = 0.0;
        if (BILINEAR == 0) {
            uint o = ob + uint(2 * i * ow + 2 * j);
            g = (dout[o] + dout[o + 1u]) + (dout[o + uint(ow)] + dout[o + uint(ow) + 1u]);
        } else {
            // outputs 2i-1 .. 2i+2 are the only ones whose taps can reach input i
            [[unroll]] for (int dy = -1; dy <= 2; dy++) {
                int oy = 2 * i + dy;
                if (oy < 0 || oy >= oh) continue;
                float wy = tap(oy, i, h);
                if (wy == 0.0) continue;
                float row = 0.0;
                [[unroll]] for (int dx = -1; dx <= 2; dx++) {
                    int ox = 2 * j + dx;
                    if (ox < 0 || ox >= ow) continue;
                    float wx = tap(ox, j, w);
                    if (wx != 0.0) row += wx * dout[ob + uint(oy * ow + ox)];
                }
                g += wy * row;
            }
        }
        din[idx] = ACC != 0 ? din[idx] + g : g;
    }
}
#endif
