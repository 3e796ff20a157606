#version 450
// conv2d_bwd_fold.comp - din (n, ic, ih, iw) (=, or += with ACC) from dpad, the gradient
// with respect to the padded input (conv2d_bwd_dtx.comp; rows of ws4 texels, padded column
// px stored at float px + e): each padded position sends its gradient to the pixel it was
// read from (gen_pad_index): the interior one-to-one, border rows and columns of the
// reflect, replicate and circular modes add to their source pixel, zero padding drops them.
// One invocation writes 4 consecutive pixels of a row (one RGBA texel with -DIMG_OUT,
// iw % 4 == 0; else 4 lane-by-lane storage-buffer stores). The interior texel of a padded
// row is two aligned RGBA fetches and a shift (SHIFT = (pad + e) mod 4); only invocations
// within pad of an image edge search the border rows and columns.
#include "common/base.glsl"
layout(constant_id = 3) const int PADMODE = 0;
layout(constant_id = 4) const int ACC = 0;
layout(constant_id = 5) const int SHIFT = 0;
#ifdef IMG_OUT
layout(binding = 0, rgba32f) uniform imageBuffer dimg;
#else
layout(std430, binding = 0) buffer DI { float din[]; };
#endif
layout(binding = 1) uniform samplerBuffer dp;  // dpad, R32F view
layout(binding = 2) uniform samplerBuffer dp4; // dpad, RGBA view
layout(push_constant) uniform PC { int nc, ih, iw, hp, ws4, pad, e; } p;

// The 4 pixels x .. x + 3 of padded row py, folded along x.
vec4 fold_row(int z, int py, int x, bool xborder)
{
    int row = (z * p.hp + py) * p.ws4 * 4 + p.e; // float of padded column 0
    int s0 = row + x + p.pad;                    // s0 - SHIFT is a multiple of 4
    vec4 a = texelFetch(dp4, (s0 - SHIFT) / 4);
    vec4 b = SHIFT == 0 ? a : texelFetch(dp4, (s0 - SHIFT) / 4 + 1);
    vec4 v = SHIFT == 0 ? a
           : SHIFT == 1 ? vec4(a.yzw, b.x)
           : SHIFT == 2 ? vec4(a.zw, b.xy)
                        : vec4(a.w, b.xyz);
    if (PADMODE != PAD_ZERO && xborder) {
        // border columns [0, pad) and [iw + pad, iw + 2 pad)
        for (int c = 0; c < 2 * p.pad; c++) {
            int px = c < p.pad ? c : p.iw + c;
            int sx = pad_index(px - p.pad, p.iw, PADMODE, true) - x;
            if (sx >= 0 && sx < 4) {
                float f = texelFetch(dp, row + px).r;
                v += vec4(sx == 0, sx == 1, sx == 2, sx == 3) * f;
            }
        }
    }
    return v;
}

void main()
{
    int x = int(gl_GlobalInvocationID.x) * 4, y = int(gl_GlobalInvocationID.y);
    int z = int(gl_GlobalInvocationID.z);
    if (x >= p.iw || y >= p.ih || z >= p.nc) return;
    // only pixels within pad of an edge receive border gradients (see gen_pad_index: a
    // border position maps at most pad pixels inward, or anywhere when the image is smaller)
    bool xborder = x <= p.pad || x + 3 >= p.iw - 1 - p.pad;
    bool yborder = y <= p.pad || y >= p.ih - 1 - p.pad;
    vec4 v = fold_row(z, y + p.pad, x, xborder);
    if (PADMODE != PAD_ZERO && yborder) {
        for (int c = 0; c < 2 * p.pad; c++) {
            int py = c < p.pad ? c : p.ih + c;
            if (pad_index(py - p.pad, p.ih, PADMODE, false) == y) v += fold_row(z, py, x, xborder);
        }
    }
#ifdef IMG_OUT
    int t = (z * p.ih + y) * (p.iw / 4) + x / 4;
    if (ACC != 0) v += imageLoad(dimg, t);
    imageStore(dimg, t, v);
#else
    int e0 = (z * p.ih + y) * p.iw + x;
    [[unroll]] for (int j = 0; j < 4; j++)
        if (x + j < p.iw) din[e0 + j] = ACC != 0 ? din[e0 + j] + v[j] : v[j];
#endif
}
