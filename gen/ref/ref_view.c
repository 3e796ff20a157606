/*
 * ref_view.c - the plain-C reference of view_render (gen/gen_ops.h): the OpenXR viewer's
 * per-eye picture of a virtual screen, a curved screen or an equirectangular sphere, one
 * ray per output pixel, written straight from the formulas in gen_ops.h.
 *
 * It computes in float, in the same order as shaders/view_render.comp, because the op's
 * promise is "within 1 code of the reference" and double here would only move the
 * rounding boundaries away from the device's. It is not a renderer for production: no
 * filtering beyond bilinear, one thread.
 */
#include "gen/ref/gen_ref.h"

#include <math.h>

#define VIEW_PI 3.14159265358979f

/* A ray's hit in source texture coordinates (u, v); returns 0 on a miss. Comparisons are
 * written as !(inside) so that NaN misses. */
static int view_hit(gen_view_layout layout, const float *pr, const float o[3], const float d[3],
                    float *u, float *v)
{
    float sw = pr[GEN_VIEW_SCREEN_W], sh = pr[GEN_VIEW_SCREEN_H];
    float dist = pr[GEN_VIEW_SCREEN_DIST];
    switch (layout) {
    case GEN_VIEW_SCREEN: {
        if (!(d[2] < 0.0f && o[2] > -dist)) return 0; /* front side only, t > 0 */
        float t = (-dist - o[2]) / d[2];
        float px = o[0] + t * d[0], py = o[1] + t * d[1];
        if (!(fabsf(px) <= 0.5f * sw && fabsf(py) <= 0.5f * sh)) return 0;
        *u = (px + 0.5f * sw) / sw;
        *v = (0.5f * sh - py) / sh;
        return 1;
    }
    case GEN_VIEW_CURVED: {
        float a = d[0] * d[0] + d[2] * d[2];
        float b = o[0] * d[0] + o[2] * d[2];
        float c = o[0] * o[0] + o[2] * o[2] - dist * dist;
        float disc = b * b - a * c;
        if (!(a > 0.0f && disc >= 0.0f)) return 0;
        float s = sqrtf(disc);
        float t = b <= 0.0f ? (s - b) / a : -c / (b + s); /* far root, no cancellation */
        if (!(t > 0.0f)) return 0;
        float px = o[0] + t * d[0], py = o[1] + t * d[1], pz = o[2] + t * d[2];
        float theta = atan2f(px, -pz);
        if (!(fabsf(theta) <= 0.5f * sw / dist && fabsf(py) <= 0.5f * sh)) return 0;
        *u = theta * dist / sw + 0.5f;
        *v = (0.5f * sh - py) / sh;
        return 1;
    }
    case GEN_VIEW_EQUI180:
    case GEN_VIEW_EQUI360: {
        float lon = d[0] == 0.0f && d[2] == 0.0f ? 0.0f : atan2f(d[0], -d[2]);
        float lat = atan2f(d[1], sqrtf(d[0] * d[0] + d[2] * d[2]));
        if (layout == GEN_VIEW_EQUI180) {
            if (!(fabsf(lon) <= 0.5f * VIEW_PI)) return 0;
            *u = 0.5f + lon / VIEW_PI;
        } else {
            *u = 0.5f + lon / (2.0f * VIEW_PI);
        }
        *v = 0.5f - lat / VIEW_PI;
        return 1;
    }
    default:
        return 0;
    }
}

/* floor(s) of a source coordinate as an int, NaN and far outside pinned to [-1, n]. */
static int view_floor(float s, int n)
{
    if (!(s >= -1.0f)) return -1;
    if (s > (float)n) return n;
    return (int)floorf(s);
}

static int view_clamp(int i, int n)
{
    return i < 0 ? 0 : i >= n ? n - 1 : i;
}

static uint32_t view_byte(float c)
{
    c = c < 0.0f ? 0.0f : c > 1.0f ? 1.0f : c; /* NaN stays NaN: caught below */
    float b = floorf(c * 255.0f + 0.5f);
    return b >= 0.0f && b <= 255.0f ? (uint32_t)b : 0u;
}

void gen_ref_view_render(gen_view_layout layout, int h, int w, uint32_t *out, int sh, int sw,
                         const float *src, const float *params)
{
    const float *pr = params, *m = params + GEN_VIEW_ROT;
    float L = pr[GEN_VIEW_TAN_LEFT], R = pr[GEN_VIEW_TAN_RIGHT];
    float D = pr[GEN_VIEW_TAN_DOWN], U = pr[GEN_VIEW_TAN_UP];
    const float *o = params + GEN_VIEW_POS;
    int content = pr[GEN_VIEW_CONTENT] != 0.0f;
    uint32_t room = view_byte(pr[GEN_VIEW_ROOM]) | view_byte(pr[GEN_VIEW_ROOM + 1]) << 8 |
                    view_byte(pr[GEN_VIEW_ROOM + 2]) << 16 | 0xff000000u;
    size_t plane = (size_t)sh * (size_t)sw;
    int wrap = layout == GEN_VIEW_EQUI360;

    for (int y = 0; y < h; y++) {
        float ty = U - ((float)y + 0.5f) / (float)h * (U - D);
        for (int x = 0; x < w; x++) {
            float tx = L + ((float)x + 0.5f) / (float)w * (R - L);
            /* d = M (tx, ty, -1): not normalized, no test below depends on its length */
            float d[3];
            for (int i = 0; i < 3; i++) d[i] = m[3 * i] * tx + m[3 * i + 1] * ty - m[3 * i + 2];
            float u, v;
            uint32_t *dst = &out[(size_t)y * w + x];
            if (!content || !view_hit(layout, pr, o, d, &u, &v)) {
                *dst = room;
                continue;
            }
            float sx = u * (float)sw - 0.5f, sy = v * (float)sh - 0.5f;
            int x0 = view_floor(sx, sw), y0 = view_floor(sy, sh);
            float fx = sx - (float)x0, fy = sy - (float)y0;
            if (!(fx >= 0.0f && fx <= 1.0f)) fx = 0.0f; /* pinned (NaN or far outside) */
            if (!(fy >= 0.0f && fy <= 1.0f)) fy = 0.0f;
            int x1 = x0 + 1;
            if (wrap) {
                x0 = x0 < 0 ? x0 + sw : x0;
                x1 = x1 >= sw ? x1 - sw : x1;
            }
            x0 = view_clamp(x0, sw), x1 = view_clamp(x1, sw);
            int y1 = view_clamp(y0 + 1, sh);
            y0 = view_clamp(y0, sh);
            uint32_t word = 0xff000000u;
            for (int c = 0; c < 3; c++) {
                const float *p = src + (size_t)c * plane;
                float s00 = p[(size_t)y0 * sw + x0], s01 = p[(size_t)y0 * sw + x1];
                float s10 = p[(size_t)y1 * sw + x0], s11 = p[(size_t)y1 * sw + x1];
                float s = (1.0f - fy) * ((1.0f - fx) * s00 + fx * s01) +
                          fy * ((1.0f - fx) * s10 + fx * s11);
                word |= view_byte(s * 0.5f + 0.5f) << (8 * c);
            }
            *dst = word;
        }
    }
}
