/*
 * ref_colour.c - reference colour conversion between planar frames and RGB tensors,
 * written straight from the formulas in gen/gen_ops.h: normalize each code, apply the
 * matrix in double, one pixel at a time. The Vulkan kernels fold the same maths into one
 * affine map per channel; this file deliberately does not, so a folding error shows.
 */
#include "gen/ref/gen_ref_colour.h"

#include <math.h>

#include "common/vg_assert.h"

void gen_ref_yuv_to_rgb(const gen_yuv_desc *d, int rotation, int th, int tw, float *rgb,
                        const uint8_t *packed)
{
    int pw, ph;
    gen_yuv_picture_size(d, rotation, &pw, &ph);
    VG_ASSERT(th >= ph && tw >= pw);
    double kr, kb, zero[3], scale[3];
    gen_yuv_kr_kb(d->cs, &kr, &kb);
    double kg = 1.0 - kr - kb;
    for (int p = 0; p < 3; p++) {
        int lo, hi;
        gen_yuv_plane_range(d, p, &zero[p], &scale[p], &lo, &hi);
    }
    size_t plane = (size_t)th * (size_t)tw;
    for (int y = 0; y < th; y++) {
        for (int x = 0; x < tw; x++) {
            int sx, sy;
            gen_yuv_upright_to_frame(d, rotation, gen_pad_reflect(x, pw), gen_pad_reflect(y, ph),
                                     &sx, &sy);
            double v[3]; /* normalized plane values: Y', Pb, Pr or G', B', R' */
            for (int p = 0; p < 3; p++) {
                int cx = p ? sx >> d->log2_cw : sx, cy = p ? sy >> d->log2_ch : sy;
                v[p] = ((double)gen_yuv_read_code(d, packed, p, cx, cy) - zero[p]) / scale[p];
            }
            double r, g, b;
            if (d->cs == GEN_CS_RGB) {
                g = v[0], b = v[1], r = v[2];
            } else {
                r = v[0] + 2.0 * (1.0 - kr) * v[2];
                g = v[0] - 2.0 * kb * (1.0 - kb) / kg * v[1] - 2.0 * kr * (1.0 - kr) / kg * v[2];
                b = v[0] + 2.0 * (1.0 - kb) * v[1];
            }
            size_t i = (size_t)y * (size_t)tw + (size_t)x;
            rgb[i] = (float)(2.0 * r - 1.0);
            rgb[plane + i] = (float)(2.0 * g - 1.0);
            rgb[2 * plane + i] = (float)(2.0 * b - 1.0);
        }
    }
}

void gen_ref_rgb_to_yuv(const gen_yuv_desc *d, int rotation, int th, int tw, uint8_t *packed,
                        const float *rgb)
{
    int pw, ph;
    gen_yuv_picture_size(d, rotation, &pw, &ph);
    VG_ASSERT(th >= ph && tw >= pw);
    double kr, kb;
    gen_yuv_kr_kb(d->cs, &kr, &kb);
    double kg = 1.0 - kr - kb;
    size_t plane = (size_t)th * (size_t)tw;
    for (int p = 0; p < 3; p++) {
        double zero, scale;
        int lo, hi;
        gen_yuv_plane_range(d, p, &zero, &scale, &lo, &hi);
        int lw = p ? d->log2_cw : 0, lh = p ? d->log2_ch : 0;
        for (int cy = 0; cy < gen_yuv_plane_h(d, p); cy++) {
            for (int cx = 0; cx < gen_yuv_plane_w(d, p); cx++) {
                /* box average of the block's samples inside the frame */
                double sum = 0.0;
                int count = 0;
                for (int sy = cy << lh; sy < (cy + 1) << lh && sy < d->height; sy++) {
                    for (int sx = cx << lw; sx < (cx + 1) << lw && sx < d->width; sx++) {
                        int x, y;
                        gen_yuv_frame_to_upright(d, rotation, sx, sy, &x, &y);
                        size_t i = (size_t)y * (size_t)tw + (size_t)x;
                        double r = ((double)rgb[i] + 1.0) / 2.0;
                        double g = ((double)rgb[plane + i] + 1.0) / 2.0;
                        double b = ((double)rgb[2 * plane + i] + 1.0) / 2.0;
                        double yy = kr * r + kg * g + kb * b, v;
                        if (d->cs == GEN_CS_RGB)
                            v = p == 0 ? g : p == 1 ? b : r;
                        else if (p == 0)
                            v = yy;
                        else if (p == 1)
                            v = (b - yy) / (2.0 * (1.0 - kb));
                        else
                            v = (r - yy) / (2.0 * (1.0 - kr));
                        sum += v;
                        count++;
                    }
                }
                double code = floor(zero + scale * (sum / count) + 0.5);
                if (!(code >= lo)) code = lo; /* NaN too */
                if (code > hi) code = hi;
                gen_yuv_write_code(d, packed, p, cx, cy, (unsigned)code);
            }
        }
    }
}
