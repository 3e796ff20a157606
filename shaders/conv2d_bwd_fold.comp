#version 450
// conv2d_bwd_fold.comp - adds the gradient that reached padding positions to the pixels
// they were read from (gen_pad_index): din (n, ic, ih, iw) += over the border rows and
// columns of the padded input. conv2d_bwd_data.comp wrote the interior gradient into din
// and the border gradient into bpad (n * ic, hp, ws4 texels; padded column px at float
// px - pad + cl). Reflect, replicate and circular only: zero padding drops the border.
// A border position maps at most pad pixels inward (anywhere when the image is smaller),
// so the grid covers only texels within pad of an edge: every texel of the nr edge rows,
// then the tl left and ntexw - tr0 right edge texels of the middle rows. One invocation
// adds to 4 consecutive pixels of a row (one RGBA texel with -DIMG_OUT, iw % 4 == 0).
#include "common/base.glsl"
layout(constant_id = 3) const int PADMODE = 0;
#ifdef IMG_OUT
layout(binding = 0, rgba32f) uniform imageBuffer dimg;
#else
layout(std430, binding = 0) buffer DI { float din[]; };
#endif
layout(binding = 1) uniform textureBuffer bp;  // bpad, R32F view
layout(binding = 2) uniform textureBuffer bp4; // bpad, RGBA view
layout(push_constant) uniform PC {
    int nc, ih, iw, hp, ws4, pad, cl, ntexw, nr, tl, tr0, nedge;
} p;

// Border columns of padded row `row` (first float of the row) that map into x .. x + 3.
vec4 border_cols(int row, int x)
{
    vec4 v = vec4(0.0);
    for (int c = 0; c < 2 * p.pad; c++) {
        int px = c < p.pad ? c : p.iw + c; // [0, pad) and [iw + pad, iw + 2 pad)
        int sx = pad_index(px - p.pad, p.iw, PADMODE, true) - x;
        if (sx >= 0 && sx < 4) {
            float f = texelFetch(bp, row + px - p.pad + p.cl).r;
            v += vec4(sx == 0, sx == 1, sx == 2, sx == 3) * f;
        }
    }
    return v;
}

void main()
{
    int q = int(gl_GlobalInvocationID.x), z = int(gl_GlobalInvocationID.z);
    if (q >= p.nedge || z >= p.nc) return;
    int y, tx;
    bool edge_row = q < p.nr * p.ntexw;
    if (edge_row) {
        int j = q / p.ntexw;
        tx = q - j * p.ntexw;
        y = j <= p.pad ? j : p.ih - p.nr + j;
    } else {
        int nme = p.tl + p.ntexw - p.tr0, q2 = q - p.nr * p.ntexw;
        int r = q2 / nme, e = q2 - r * nme;
        y = p.pad + 1 + r;
        tx = e < p.tl ? e : p.tr0 + e - p.tl;
    }
    int x = 4 * tx;
    bool xborder = x <= p.pad || x + 3 >= p.iw - 1 - p.pad;
    vec4 v = vec4(0.0);
    if (xborder) v += border_cols((z * p.hp + y + p.pad) * p.ws4 * 4, x);
    if (edge_row) {
        for (int c = 0; c < 2 * p.pad; c++) {
            int py = c < p.pad ? c : p.ih + c; // [0, pad) and [ih + pad, ih + 2 pad)
            if (pad_index(py - p.pad, p.ih, PADMODE, false) != y) continue;
            int row = (z * p.hp + py) * p.ws4 * 4;
            v += texelFetch(bp4, (row + x + p.cl) / 4); // cl % 4 == 0: aligned
            if (xborder) v += border_cols(row, x);
        }
    }
#ifdef IMG_OUT
    int t = ((z * p.ih + y) * p.iw + x) / 4;
    imageStore(dimg, t, imageLoad(dimg, t) + v);
#else
    int e0 = (z * p.ih + y) * p.iw + x;
    [[unroll]] for (int j = 0; j < 4; j++)
        if (x + j < p.iw) din[e0 + j] += v[j];
#endif
}
