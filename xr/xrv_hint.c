/*
 * xrv_hint.c - the controls hint picture: decoding, placement, offscreen blending
 * (xrv_hint.h).
 */
#include "xr/xrv_hint.h"

#include <math.h>
#include <stdlib.h>

#include "common/vg_error.h"

int xrv_hint_load(const unsigned char *png, size_t size, xrv_hint *h)
{
    *h = (xrv_hint){0};
    pl_image img = {0};
    int ret = pl_png_read_mem(png, size, "the embedded controls hint", 4096, &img);
    if (ret < 0) return ret;
    h->rgba = malloc((size_t)img.width * img.height * sizeof(uint32_t));
    if (!h->rgba) {
        pl_image_free(&img);
        return VG_ERR_NOMEM;
    }
    h->w = img.width;
    h->h = img.height;
    const unsigned a = (unsigned)lroundf(XRV_HINT_ALPHA * 255.0f);
    for (int y = 0; y < img.height; y++) {
        const unsigned char *row = (const unsigned char *)img.data + (size_t)y * img.stride;
        for (int x = 0; x < img.width; x++) {
            uint32_t px = 0;
            for (int c = 0; c < 3; c++) {
                unsigned v =
                    img.bits == 8 ? row[3 * x + c] : ((const uint16_t *)row)[3 * x + c] >> 8;
                px |= (uint32_t)((v * a + 127) / 255) << (8 * c);
            }
            h->rgba[(size_t)y * img.width + x] = px | (uint32_t)a << 24;
        }
    }
    pl_image_free(&img);
    return VG_OK;
}

void xrv_hint_free(xrv_hint *h)
{
    free(h->rgba);
    *h = (xrv_hint){0};
}

void xrv_hint_rect(const xrv_hint *h, float eye_x, float tx, float ty, int w, int hgt, float r[4])
{
    const float hw = XRV_HINT_WIDTH, hh = XRV_HINT_WIDTH * (float)h->h / (float)h->w;
    const float d = -XRV_HINT_Z;
    /* a plane facing the eye: its projection is the rectangle of its corners */
    float u0 = (-hw / 2 - eye_x) / d / tx, u1 = (hw / 2 - eye_x) / d / tx;
    float v0 = (XRV_HINT_Y + hh / 2) / d / ty, v1 = (XRV_HINT_Y - hh / 2) / d / ty;
    r[0] = (u0 + 1.0f) * 0.5f * (float)w;
    r[2] = (u1 + 1.0f) * 0.5f * (float)w;
    r[1] = (1.0f - v0) * 0.5f * (float)hgt;
    r[3] = (1.0f - v1) * 0.5f * (float)hgt;
}

/* Channel c (0..3) of hint pixel (x, y), clamped to the picture. */
static float texel(const xrv_hint *h, int x, int y, int c)
{
    x = x < 0 ? 0 : x >= h->w ? h->w - 1 : x;
    y = y < 0 ? 0 : y >= h->h ? h->h - 1 : y;
    return (float)((h->rgba[(size_t)y * h->w + x] >> (8 * c)) & 255u);
}

void xrv_hint_blend(const xrv_hint *h, const float r[4], pl_image *img)
{
    /* hint pixels per image pixel; minified, each image pixel averages n x m bilinear
       samples over its footprint (a box filter), so small text stays legible */
    const float sx = (float)h->w / (r[2] - r[0]), sy = (float)h->h / (r[3] - r[1]);
    const int n = sx > 1.0f ? (int)ceilf(sx) : 1, m = sy > 1.0f ? (int)ceilf(sy) : 1;
    int x0 = (int)ceilf(r[0] - 0.5f), x1 = (int)ceilf(r[2] - 0.5f);
    int y0 = (int)ceilf(r[1] - 0.5f), y1 = (int)ceilf(r[3] - 0.5f);
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > img->width) x1 = img->width;
    if (y1 > img->height) y1 = img->height;
    for (int y = y0; y < y1; y++) {
        unsigned char *row = (unsigned char *)img->data + (size_t)y * img->stride;
        for (int x = x0; x < x1; x++) {
            float v[4] = {0, 0, 0, 0};
            for (int j = 0; j < m; j++) {
                float fy = ((float)y + ((float)j + 0.5f) / (float)m - r[1]) * sy - 0.5f;
                int iy = (int)floorf(fy);
                float wy = fy - (float)iy;
                for (int i = 0; i < n; i++) {
                    float fx = ((float)x + ((float)i + 0.5f) / (float)n - r[0]) * sx - 0.5f;
                    int ix = (int)floorf(fx);
                    float wx = fx - (float)ix;
                    for (int c = 0; c < 4; c++)
                        v[c] += (1 - wy) * ((1 - wx) * texel(h, ix, iy, c) +
                                            wx * texel(h, ix + 1, iy, c)) +
                                wy * ((1 - wx) * texel(h, ix, iy + 1, c) +
                                      wx * texel(h, ix + 1, iy + 1, c));
                }
            }
            for (int c = 0; c < 4; c++) v[c] /= (float)(n * m);
            float keep = 1.0f - v[3] / 255.0f;
            for (int c = 0; c < 3; c++) {
                float o = v[c] + keep * (float)row[3 * x + c];
                row[3 * x + c] = (unsigned char)(o > 255.0f ? 255 : lroundf(o));
            }
        }
    }
}
