#version 450
// colour_yuv2rgb.comp - planar frame bytes -> RGB tensor (1, 3, th, tw): yuv_to_rgb of
// gen/gen_ops.h. One invocation computes 4 consecutive pixels of one tensor row on a grid
// (tw / 4, th) without divisions: it mirrors them into the picture (reflect fill), maps
// them to frame samples by the rotation, reads the three codes of each and applies one
// affine map per channel that the planner folded from range, matrix and 2 E' - 1
// (gen/vk/vk_ops_colour.c): out_c = m[c] . (code - zero) - 1.
// Frame bytes are 32-bit words of a storage buffer, unpacked with shifts: bit-exact on
// every device, where a float texel view of arbitrary bytes might flush denormal or quiet
// NaN bit patterns. Storage-buffer loads run lane by lane on lavapipe, so few are issued:
// for ROT 0 and 2 rows stay rows and the reflect map is 1-Lipschitz, so the 4 samples of a
// plane lie within 4 (8-bit) or 8 (16-bit) consecutive bytes of one row: 1 to 3 words
// (one for the aligned 8-bit case). For ROT 1 and 3 the 4 pixels come from 4 frame rows:
// one word each, fewer where rows repeat (chroma of 4:2:0).
// -DIMG_OUT: tw % 4 == 0, one RGBA image store per channel; otherwise element by element
// through a storage buffer.
#include "common/base.glsl"
layout(constant_id = 3) const int ROT = 0;      // rotation / 90 (clockwise)
layout(constant_id = 4) const int SUBX = 0;     // log2 chroma subsampling along x
layout(constant_id = 5) const int SUBY = 0;     // and along y
layout(constant_id = 6) const int BPS = 1;      // bytes per sample: 1 or 2
layout(constant_id = 7) const uint MASK = 255u; // 2^bits - 1
#ifdef IMG_OUT
layout(binding = 0, rgba32f) uniform writeonly imageBuffer dst4;
#else
layout(binding = 0, std430) writeonly buffer Dst { float dst[]; };
#endif
layout(binding = 1, std430) readonly buffer Src { uint src[]; };
layout(push_constant) uniform PC {
    int fw, fh;     // frame size as decoded
    int pw, ph;     // upright picture size
    int tw, th;     // tensor size
    uint off[3];    // plane byte offsets
    uint stride[3]; // plane row strides in bytes
    vec4 m[3];      // channel c (R, G, B) = dot(m[c].xyz, code - zero.xyz) - 1
    vec4 zero;      // code of value 0 per plane
} p;

// Codes of plane pl at columns x (within 3 of each other) of row y. The samples lie in one
// window of at most 4 (8-bit) or 8 (16-bit) bytes; the second and third word are loaded
// only where the window reaches them (a masked lane skips its load), so every load stays
// on sample bytes and an aligned 8-bit window costs one.
vec4 codes_row(int pl, ivec4 x, int y)
{
    int x0 = min(min(x.x, x.y), min(x.z, x.w)), x1 = max(max(x.x, x.y), max(x.z, x.w));
    uint b = p.off[pl] + uint(y) * p.stride[pl] + uint(x0 * BPS);
    uint last = (b & 3u) + uint((x1 - x0 + 1) * BPS - 1); // last byte, from the first word
    uint w0 = src[b >> 2], w1 = 0u, w2 = 0u;
    if (last >= 4u) w1 = src[(b >> 2) + 1u];
    if (BPS == 2 && last >= 8u) w2 = src[(b >> 2) + 2u];
    vec4 c;
    [[unroll]] for (int k = 0; k < 4; k++) {
        uint r = (b & 3u) + uint((x[k] - x0) * BPS); // first byte of sample k
        uint w = r < 4u ? w0 : r < 8u ? w1 : w2;
        c[k] = float((w >> ((r & 3u) * 8u)) & MASK);
    }
    return c;
}

// Codes of plane pl at column x of rows y; a word already loaded for the previous row (the
// same chroma row, or a mirrored one) is not loaded again.
vec4 codes_col(int pl, int x, ivec4 y)
{
    vec4 c;
    uint prev = 0xffffffffu, w = 0u;
    [[unroll]] for (int k = 0; k < 4; k++) {
        uint b = p.off[pl] + uint(y[k]) * p.stride[pl] + uint(x * BPS);
        if ((b >> 2) != prev) w = src[b >> 2];
        prev = b >> 2;
        c[k] = float((w >> ((b & 3u) * 8u)) & MASK);
    }
    return c;
}

void main()
{
    int gx = int(gl_GlobalInvocationID.x), oy = int(gl_GlobalInvocationID.y);
    int ox0 = 4 * gx;
    if (ox0 >= p.tw || oy >= p.th) return;
    // upright picture pixels (reflect fill outside); pixels past tw are computed, not stored
    int y = pad_reflect(oy, p.ph);
    ivec4 x;
    [[unroll]] for (int k = 0; k < 4; k++) x[k] = pad_reflect(min(ox0 + k, p.tw - 1), p.pw);

    vec4 c0, c1, c2;
    if (ROT == 0 || ROT == 2) {
        ivec4 sx = ROT == 0 ? x : ivec4(p.fw - 1) - x;
        int sy = ROT == 0 ? y : p.fh - 1 - y;
        c0 = codes_row(0, sx, sy);
        c1 = codes_row(1, sx >> SUBX, sy >> SUBY);
        c2 = codes_row(2, sx >> SUBX, sy >> SUBY);
    } else {
        int sx = ROT == 1 ? y : p.fw - 1 - y;
        ivec4 sy = ROT == 1 ? ivec4(p.fh - 1) - x : x;
        c0 = codes_col(0, sx, sy);
        c1 = codes_col(1, sx >> SUBX, sy >> SUBY);
        c2 = codes_col(2, sx >> SUBX, sy >> SUBY);
    }
    c0 -= p.zero.x;
    c1 -= p.zero.y;
    c2 -= p.zero.z;
    vec4 v[3];
    [[unroll]] for (int c = 0; c < 3; c++) v[c] = p.m[c].x * c0 + p.m[c].y * c1 + p.m[c].z * c2 - 1.0;

#ifdef IMG_OUT
    int t = oy * (p.tw >> 2) + gx, plane4 = p.th * (p.tw >> 2);
    [[unroll]] for (int c = 0; c < 3; c++) imageStore(dst4, c * plane4 + t, v[c]);
#else
    int e = oy * p.tw + ox0, plane = p.th * p.tw;
    [[unroll]] for (int c = 0; c < 3; c++)
        [[unroll]] for (int k = 0; k < 4; k++)
            if (ox0 + k < p.tw) dst[c * plane + e + k] = v[c][k];
#endif
}
