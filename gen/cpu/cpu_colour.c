/*
 * cpu_colour.c - the CPU backend's colour ops (yuv_to_rgb, rgb_to_yuv of gen/gen_ops.h),
 * threaded by rows. Like the Vulkan kernels, normalization and matrix are folded into one
 * float affine map per output channel (worked out in double once per call), so a pixel
 * costs three multiply-adds per channel; the reference (gen/ref/ref_colour.c) keeps the
 * formulas unfolded in double, and test_colour holds the two together (1e-6 on RGB, codes
 * equal or off by one at a .5 boundary). The row loops are built for AVX-512, AVX2 and the
 * baseline and picked at load time (CPU_CLONES); without contraction every build computes
 * the same floats.
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

#define Y2R_SPAN 256 /* tensor columns per pass */

/* Item = tensor row y: the codes of a span of the row as floats (from the frame's rows,
 * or for a rotated frame its columns; columns past the picture mirrored), then the affine
 * map in loops the compiler vectorizes. */
CPU_CLONES static void y2r_row(void *ctx, int y, int worker)
{
    const colour_job *j = ctx;
    const gen_yuv_desc *d = j->d;
    const size_t plane = (size_t)j->th * (size_t)j->tw;
    float *r = j->rgb + (size_t)y * j->tw, *g = r + plane, *b = g + plane;
    const int py = gen_pad_reflect(y, j->ph);
    float c[3][Y2R_SPAN];
    (void)worker;
    for (int x0 = 0; x0 < j->tw; x0 += Y2R_SPAN) {
        const int n = j->tw - x0 < Y2R_SPAN ? j->tw - x0 : Y2R_SPAN;
        for (int p = 0; p < 3; p++) {
            const int lw = p ? d->log2_cw : 0, lh = p ? d->log2_ch : 0;
            float *cp = c[p];
            if (j->rotation == 0 && d->bits == 8 && x0 + n <= j->pw && lw <= 1) {
                const uint8_t *sp =
                    j->packed + d->offset[p] + (size_t)(py >> lh) * d->stride[p] + (x0 >> lw);
                if (lw == 0)
                    for (int i = 0; i < n; i++) cp[i] = (float)sp[i];
                else
                    for (int i = 0; i < n / 2; i++) cp[2 * i] = cp[2 * i + 1] = (float)sp[i];
                if (lw && (n & 1)) cp[n - 1] = (float)sp[n / 2];
                continue;
            }
            /* inside the picture the frame sample moves by (dx, dy) a column */
            int sx, sy, sx1, sy1, i = 0;
            gen_yuv_upright_to_frame(d, j->rotation, x0, py, &sx, &sy);
            gen_yuv_upright_to_frame(d, j->rotation, x0 + 1, py, &sx1, &sy1);
            for (const int dx = sx1 - sx, dy = sy1 - sy; i < n && x0 + i < j->pw; i++)
                cp[i] = (float)gen_yuv_read_code(d, j->packed, p, (sx + i * dx) >> lw,
                                                 (sy + i * dy) >> lh);
            for (; i < n; i++) {
                gen_yuv_upright_to_frame(d, j->rotation, gen_pad_reflect(x0 + i, j->pw), py, &sx,
                                         &sy);
                cp[i] = (float)gen_yuv_read_code(d, j->packed, p, sx >> lw, sy >> lh);
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

#define R2Y_SPAN 256 /* luma columns per pass (even) */

/* Codes floor(v[c] + k3 + 0.5) of plane p clamped to lo..hi, written from column cx0 of
 * the plane row `row`. Clamping the argument first (NaN to lo) makes it non-negative, so
 * truncation is the floor; every loop vectorizes. */
static inline __attribute__((always_inline)) void
write_codes(const colour_job *j, int p, uint8_t *row, int cx0, const float *v, int n)
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

/* Channel c of frame row sy, frame columns x0 .. x0 + n - 1: in place in the tensor for
 * an upright frame, else gathered into buf (a frame row of a rotated frame is a tensor row
 * read backwards, 180, or a tensor column, 90 and 270). */
static inline __attribute__((always_inline)) const float *
frame_row(const colour_job *j, int c, int sy, int x0, int n, float *buf)
{
    int x, y, x1, y1;
    gen_yuv_frame_to_upright(j->d, j->rotation, x0, sy, &x, &y);
    const float *s = j->rgb + ((size_t)c * (size_t)j->th + (size_t)y) * (size_t)j->tw + x;
    if (j->rotation == 0) return s;
    gen_yuv_frame_to_upright(j->d, j->rotation, x0 + 1, sy, &x1, &y1);
    const ptrdiff_t step = (ptrdiff_t)(y1 - y) * j->tw + (x1 - x);
    for (int i = 0; i < n; i++) buf[i] = s[i * step];
    return buf;
}

/* Item = chroma row cy: the luma rows it covers and its two chroma rows, in one pass over
 * the RGB of those frame rows (each pixel read once), R2Y_SPAN columns at a time. The
 * conversion is affine, so a chroma sample is the matrix applied to its block's mean RGB:
 * the same value as the mean of the per-pixel chroma, for a quarter of the work at 4:2:0. */
CPU_CLONES static void r2y_rows(void *ctx, int cy, int worker)
{
    const colour_job *j = ctx;
    const gen_yuv_desc *d = j->d;
    const float(*k)[4] = j->k;
    const int lw = d->log2_cw, lh = d->log2_ch;
    const int sy0 = cy << lh, sy1 = (cy + 1) << lh < d->height ? (cy + 1) << lh : d->height;
    uint8_t *crow[3];
    for (int p = 1; p < 3; p++) crow[p] = j->packed + d->offset[p] + (size_t)cy * d->stride[p];
    float buf[3][R2Y_SPAN], sum[3][R2Y_SPAN], blk[3][R2Y_SPAN], t[R2Y_SPAN];
    (void)worker;
    for (int x0 = 0; x0 < d->width; x0 += R2Y_SPAN) {
        const int n = d->width - x0 < R2Y_SPAN ? d->width - x0 : R2Y_SPAN;
        const int nc = (n + (1 << lw) - 1) >> lw, full = n >> lw; /* codes; of whole width */
        for (int sy = sy0; sy < sy1; sy++) {
            const float *v[3];
            for (int c = 0; c < 3; c++) v[c] = frame_row(j, c, sy, x0, n, buf[c]);
            for (int i = 0; i < n; i++)
                t[i] = k[0][0] * v[0][i] + k[0][1] * v[1][i] + k[0][2] * v[2][i];
            write_codes(j, 0, j->packed + d->offset[0] + (size_t)sy * d->stride[0], x0, t, n);
            for (int c = 0; c < 3; c++) {
                float *sc = sum[c];
                const float *vc = v[c];
                if (sy == sy0)
                    for (int i = 0; i < n; i++) sc[i] = vc[i];
                else
                    for (int i = 0; i < n; i++) sc[i] += vc[i];
            }
        }
        /* block sums across the columns: blk[c][cx] */
        for (int c = 0; c < 3; c++) {
            const float *sc = sum[c];
            float *bc = blk[c];
            if (lw == 0)
                for (int i = 0; i < n; i++) bc[i] = sc[i];
            else if (lw == 1)
                for (int i = 0; i < full; i++) bc[i] = sc[2 * i] + sc[2 * i + 1];
            else
                for (int i = 0; i < full; i++) {
                    float acc = sc[i << lw];
                    for (int q = 1; q < 1 << lw; q++) acc += sc[(i << lw) + q];
                    bc[i] = acc;
                }
            if (nc > full) { /* a last, narrow block */
                float acc = 0.0f;
                for (int i = full << lw; i < n; i++) acc += sc[i];
                bc[full] = acc;
            }
        }
        const float inv = 1.0f / (float)((1 << lw) * (sy1 - sy0));
        for (int p = 1; p < 3; p++) {
            for (int i = 0; i < full; i++)
                t[i] = (k[p][0] * blk[0][i] + k[p][1] * blk[1][i] + k[p][2] * blk[2][i]) * inv;
            if (nc > full)
                t[full] =
                    (k[p][0] * blk[0][full] + k[p][1] * blk[1][full] + k[p][2] * blk[2][full]) /
                    (float)((n - (full << lw)) * (sy1 - sy0));
            write_codes(j, p, crow[p], x0 >> lw, t, nc);
        }
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
    cpu_pool_run(be->pool, gen_yuv_plane_h(j.d, 1), r2y_rows, &j);
}
