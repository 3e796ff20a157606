/*
 * cpu_colour.c - the CPU backend's colour ops (yuv_to_rgb, rgb_to_yuv of gen/gen_ops.h),
 * threaded by rows. Like the Vulkan kernels, normalization and matrix are folded into one
 * float affine map per output channel (worked out in double once per call), so a pixel
 * costs three multiply-adds per channel; the reference (gen/ref/ref_colour.c) keeps the
 * formulas unfolded in double, and test_colour holds the two together (1e-6 on RGB, codes
 * equal or off by one at a .5 boundary).
 */
#include <math.h>

#include "gen/cpu/cpu_priv.h"

typedef struct colour_job {
    const gen_yuv_desc *d;
    int rotation, th, tw, pw, ph;
    float *rgb;
    uint8_t *packed;
    /* yuv_to_rgb: rgb[c] = a[c][0] code0 + a[c][1] code1 + a[c][2] code2 + a[c][3] */
    float a[3][4];
    /* rgb_to_yuv: plane value v[p] = k[p][0] R + k[p][1] G + k[p][2] B + k[p][3] (rgb in
       [-1, 1]); code = floor(v + 0.5) clamped to lo..hi */
    float k[3][4];
    int lo[3], hi[3];
} colour_job;

#define Y2R_SPAN 256 /* tensor columns per pass of the upright fast path */

/* Rotation 0: the codes of a span of one frame row as floats (columns past the picture
 * mirrored), then the affine map in loops the compiler vectorizes. */
static void y2r_row_upright(const colour_job *j, int y)
{
    const gen_yuv_desc *d = j->d;
    const size_t plane = (size_t)j->th * (size_t)j->tw;
    float *r = j->rgb + (size_t)y * j->tw, *g = r + plane, *b = g + plane;
    const int sy = gen_pad_reflect(y, j->ph);
    const unsigned mask = (1u << d->bits) - 1u;
    float c[3][Y2R_SPAN];
    for (int x0 = 0; x0 < j->tw; x0 += Y2R_SPAN) {
        const int n = j->tw - x0 < Y2R_SPAN ? j->tw - x0 : Y2R_SPAN;
        for (int p = 0; p < 3; p++) {
            const int lw = p ? d->log2_cw : 0, lh = p ? d->log2_ch : 0;
            const uint8_t *s = j->packed + d->offset[p] + (size_t)(sy >> lh) * d->stride[p];
            float *cp = c[p];
            if (d->bits == 8 && x0 + n <= j->pw && lw <= 1) { /* inside the picture */
                const uint8_t *sp = s + (x0 >> lw);
                if (lw == 0)
                    for (int i = 0; i < n; i++) cp[i] = (float)sp[i];
                else
                    for (int i = 0; i < n / 2; i++) cp[2 * i] = cp[2 * i + 1] = (float)sp[i];
                if (lw && (n & 1)) cp[n - 1] = (float)sp[n / 2];
                continue;
            }
            for (int i = 0; i < n; i++) {
                int sx = x0 + i < j->pw ? x0 + i : gen_pad_reflect(x0 + i, j->pw);
                sx >>= lw;
                cp[i] = d->bits == 8
                            ? (float)s[sx]
                            : (float)(((unsigned)s[2 * sx] | (unsigned)s[2 * sx + 1] << 8) & mask);
            }
        }
        const float(*a)[4] = j->a;
        for (int i = 0; i < n; i++)
            r[x0 + i] = a[0][0] * c[0][i] + a[0][1] * c[1][i] + a[0][2] * c[2][i] + a[0][3];
        for (int i = 0; i < n; i++)
            g[x0 + i] = a[1][0] * c[0][i] + a[1][1] * c[1][i] + a[1][2] * c[2][i] + a[1][3];
        for (int i = 0; i < n; i++)
            b[x0 + i] = a[2][0] * c[0][i] + a[2][1] * c[1][i] + a[2][2] * c[2][i] + a[2][3];
    }
}

/* Item = tensor row y. */
static void y2r_row(void *ctx, int y, int worker)
{
    const colour_job *j = ctx;
    const gen_yuv_desc *d = j->d;
    if (j->rotation == 0) {
        y2r_row_upright(j, y);
        return;
    }
    const size_t plane = (size_t)j->th * (size_t)j->tw;
    float *r = j->rgb + (size_t)y * j->tw, *g = r + plane, *b = g + plane;
    const int py = gen_pad_reflect(y, j->ph);
    for (int x = 0; x < j->tw; x++) {
        int sx, sy;
        gen_yuv_upright_to_frame(d, j->rotation, gen_pad_reflect(x, j->pw), py, &sx, &sy);
        float c0 = (float)gen_yuv_read_code(d, j->packed, 0, sx, sy);
        float c1 = (float)gen_yuv_read_code(d, j->packed, 1, sx >> d->log2_cw, sy >> d->log2_ch);
        float c2 = (float)gen_yuv_read_code(d, j->packed, 2, sx >> d->log2_cw, sy >> d->log2_ch);
        r[x] = j->a[0][0] * c0 + j->a[0][1] * c1 + j->a[0][2] * c2 + j->a[0][3];
        g[x] = j->a[1][0] * c0 + j->a[1][1] * c1 + j->a[1][2] * c2 + j->a[1][3];
        b[x] = j->a[2][0] * c0 + j->a[2][1] * c1 + j->a[2][2] * c2 + j->a[2][3];
    }
}

void cpu_yuv_to_rgb(cpu_backend *be, const gen_node *nd)
{
    colour_job j = {&nd->yuv, nd->rotation, nd->t[0].h, nd->t[0].w};
    gen_yuv_picture_size(j.d, j.rotation, &j.pw, &j.ph);
    j.rgb = cpu_ptr(nd->t[0]);
    j.packed = (uint8_t *)cpu_ptr(nd->t[1]);
    double m[3][3], inv[3][3], zero[3], scale[3];
    gen_yuv_matrix(j.d->cs, m, inv);
    for (int p = 0; p < 3; p++) {
        int lo, hi;
        gen_yuv_plane_range(j.d, p, &zero[p], &scale[p], &lo, &hi);
    }
    /* out = 2 (sum_p m[c][p] (code_p - zero_p) / scale_p) - 1 */
    for (int c = 0; c < 3; c++) {
        double bias = -1.0;
        for (int p = 0; p < 3; p++) {
            j.a[c][p] = (float)(2.0 * m[c][p] / scale[p]);
            bias -= 2.0 * m[c][p] * zero[p] / scale[p];
        }
        j.a[c][3] = (float)bias;
    }
    cpu_pool_run(be->pool, j.th, y2r_row, &j);
}

static inline void put_code(const colour_job *j, int p, int cx, int cy, float mean)
{
    float code = floorf(mean + j->k[p][3] + 0.5f);
    if (!(code >= (float)j->lo[p])) code = (float)j->lo[p]; /* NaN too */
    if (code > (float)j->hi[p]) code = (float)j->hi[p];
    gen_yuv_write_code(j->d, j->packed, p, cx, cy, (unsigned)code);
}

#define R2Y_SPAN 256 /* luma columns per pass of the upright fast path (even) */

/* Codes floor(v[c] + k3 + 0.5) of plane p clamped to lo..hi, written from column cx0 of
 * the plane row `row`. Clamping the argument first (NaN to lo) makes it non-negative, so
 * truncation is the floor; every loop vectorizes. */
static void write_codes(const colour_job *j, int p, uint8_t *row, int cx0, const float *v, int n)
{
    const float lo = (float)j->lo[p], hi = (float)j->hi[p], off = j->k[p][3] + 0.5f;
    int code[R2Y_SPAN];
    for (int c = 0; c < n; c++) {
        float x = v[c] + off;
        x = x >= lo ? x : lo;
        code[c] = (int)(x <= hi ? x : hi);
    }
    if (j->d->bits == 8)
        for (int c = 0; c < n; c++) row[cx0 + c] = (uint8_t)code[c];
    else
        for (int c = 0; c < n; c++) {
            row[2 * (cx0 + c)] = (uint8_t)(code[c] & 0xff);
            row[2 * (cx0 + c) + 1] = (uint8_t)(code[c] >> 8);
        }
}

/* Rotation 0, item = chroma row cy: the luma rows it covers and its two chroma rows, in
 * one pass over the RGB rows (each pixel read once), 256 columns at a time. */
static void r2y_rows_upright(const colour_job *j, int cy)
{
    const gen_yuv_desc *d = j->d;
    const size_t plane = (size_t)j->th * (size_t)j->tw;
    const float(*k)[4] = j->k;
    const int lw = d->log2_cw, lh = d->log2_ch;
    const int sy0 = cy << lh, sy1 = (cy + 1) << lh < d->height ? (cy + 1) << lh : d->height;
    uint8_t *crow[3];
    for (int p = 1; p < 3; p++) crow[p] = j->packed + d->offset[p] + (size_t)cy * d->stride[p];
    float t[3][R2Y_SPAN], acc[3][R2Y_SPAN];
    for (int x0 = 0; x0 < d->width; x0 += R2Y_SPAN) {
        const int n = d->width - x0 < R2Y_SPAN ? d->width - x0 : R2Y_SPAN;
        const int nc = (n + (1 << lw) - 1) >> lw, full = n >> lw; /* codes; of whole width */
        for (int p = 1; p < 3; p++)
            for (int c = 0; c < nc; c++) acc[p][c] = 0.0f;
        for (int sy = sy0; sy < sy1; sy++) {
            const float *r = j->rgb + (size_t)sy * j->tw + x0, *g = r + plane, *b = g + plane;
            for (int p = 0; p < 3; p++)
                for (int i = 0; i < n; i++)
                    t[p][i] = k[p][0] * r[i] + k[p][1] * g[i] + k[p][2] * b[i];
            write_codes(j, 0, j->packed + d->offset[0] + (size_t)sy * d->stride[0], x0, t[0], n);
            for (int p = 1; p < 3; p++) {
                float *a = acc[p];
                const float *tp = t[p];
                if (lw == 0)
                    for (int i = 0; i < n; i++) a[i] += tp[i];
                else if (lw == 1)
                    for (int c = 0; c < full; c++) a[c] += tp[2 * c] + tp[2 * c + 1];
                else
                    for (int i = 0; i < full << lw; i++) a[i >> lw] += tp[i];
                for (int i = full << lw; i < n; i++) a[i >> lw] += tp[i]; /* a last, narrow code */
            }
        }
        const float inv = 1.0f / (float)((1 << lw) * (sy1 - sy0));
        for (int p = 1; p < 3; p++) {
            for (int c = 0; c < full; c++) acc[p][c] *= inv;
            if (nc > full) acc[p][full] /= (float)((n - (full << lw)) * (sy1 - sy0));
            write_codes(j, p, crow[p], x0 >> lw, acc[p], nc);
        }
    }
}

static void r2y_rows(void *ctx, int cy, int worker)
{
    r2y_rows_upright(ctx, cy);
}

/* Rotated frames, item = a row of one plane: items [0, h0) luma, then the rows of plane 1, then
 * plane 2. */
static void r2y_row(void *ctx, int item, int worker)
{
    const colour_job *j = ctx;
    const gen_yuv_desc *d = j->d;
    int p = 0, cy = item;
    while (cy >= gen_yuv_plane_h(d, p)) cy -= gen_yuv_plane_h(d, p++);
    const size_t plane = (size_t)j->th * (size_t)j->tw;
    const float *k = j->k[p];
    const int lw = p ? d->log2_cw : 0, lh = p ? d->log2_ch : 0;
    for (int cx = 0; cx < gen_yuv_plane_w(d, p); cx++) {
        float sum = 0.0f;
        int count = 0;
        for (int sy = cy << lh; sy < (cy + 1) << lh && sy < d->height; sy++)
            for (int sx = cx << lw; sx < (cx + 1) << lw && sx < d->width; sx++) {
                int x, y;
                gen_yuv_frame_to_upright(d, j->rotation, sx, sy, &x, &y);
                size_t i = (size_t)y * (size_t)j->tw + (size_t)x;
                sum += k[0] * j->rgb[i] + k[1] * j->rgb[plane + i] + k[2] * j->rgb[2 * plane + i];
                count++;
            }
        put_code(j, p, cx, cy, sum / (float)count);
    }
}

void cpu_rgb_to_yuv(cpu_backend *be, const gen_node *nd)
{
    colour_job j = {&nd->yuv, nd->rotation, nd->t[1].h, nd->t[1].w};
    gen_yuv_picture_size(j.d, j.rotation, &j.pw, &j.ph);
    j.packed = (uint8_t *)cpu_ptr(nd->t[0]);
    j.rgb = cpu_ptr(nd->t[1]);
    double fwd[3][3], inv[3][3];
    gen_yuv_matrix(j.d->cs, fwd, inv);
    for (int p = 0; p < 3; p++) {
        double zero, scale;
        gen_yuv_plane_range(j.d, p, &zero, &scale, &j.lo[p], &j.hi[p]);
        gen_yuv_code_map(j.d, p, inv, j.k[p]);
    }
    if (j.rotation == 0) {
        cpu_pool_run(be->pool, gen_yuv_plane_h(j.d, 1), r2y_rows, &j);
        return;
    }
    int rows = 0;
    for (int p = 0; p < 3; p++) rows += gen_yuv_plane_h(j.d, p);
    cpu_pool_run(be->pool, rows, r2y_row, &j);
}
