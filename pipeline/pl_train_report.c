/*
 * pl_train_report.c - the training CSV, preview grid and loss plot. The plot is drawn
 * into an RGB image with plain line rasterization (no text: the CSV header names the
 * series in the same colour order, listed in docs/training.md).
 */
#include "pipeline/pl_train_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "pipeline/pl_png.h"

static int push(pl_train_report *r, int64_t step, const double *v)
{
    if (r->rows == r->cap) {
        int64_t cap = r->cap ? 2 * r->cap : 1024;
        double *h = realloc(r->hist, (size_t)cap * r->n * sizeof(double));
        if (!h) return VG_ERR_NOMEM;
        r->hist = h;
        int64_t *s = realloc(r->steps, (size_t)cap * sizeof(int64_t));
        if (!s) return VG_ERR_NOMEM;
        r->steps = s;
        r->cap = cap;
    }
    memcpy(r->hist + r->rows * r->n, v, (size_t)r->n * sizeof(double));
    r->steps[r->rows++] = step;
    return VG_OK;
}

int pl_train_report_open(pl_train_report *r, const char *base, const char *const *names, int n,
                         int64_t resume_step)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->base, sizeof(r->base), "%s", base);
    r->names = names;
    r->n = n;
    char path[4200];
    snprintf(path, sizeof(path), "%s.train.csv", base);
    if (resume_step >= 0) {
        /* keep the rows the checkpoint covers; later ones will be recomputed */
        FILE *old = fopen(path, "r");
        char line[2048];
        while (old && fgets(line, sizeof(line), old)) {
            char *p = line, *end;
            long long step = strtoll(p, &end, 10);
            if (end == p || step > resume_step) continue;
            p = strchr(end, ',');
            if (p) p = strchr(p + 1, ','); /* skip the phase */
            double v[64] = {0};
            for (int i = 0; p && i < n && i < 64; i++) {
                v[i] = strtod(p + 1, &end);
                p = strchr(end, ',');
            }
            push(r, step, v);
        }
        if (old) fclose(old);
    }
    r->csv = fopen(path, "w");
    if (!r->csv) {
        vg_warn("%s: cannot write the training log", path);
        return VG_OK;
    }
    fprintf(r->csv, "step,phase");
    for (int i = 0; i < n; i++) fprintf(r->csv, ",%s", names[i]);
    fprintf(r->csv, "\n");
    for (int64_t k = 0; k < r->rows; k++) {
        fprintf(r->csv, "%lld,%s", (long long)r->steps[k], "resumed");
        for (int i = 0; i < n; i++) fprintf(r->csv, ",%.6g", r->hist[k * n + i]);
        fprintf(r->csv, "\n");
    }
    fflush(r->csv);
    return VG_OK;
}

void pl_train_report_row(pl_train_report *r, int64_t step, const char *phase, const double *v)
{
    push(r, step, v);
    if (!r->csv) return;
    fprintf(r->csv, "%lld,%s", (long long)step, phase);
    for (int i = 0; i < r->n; i++) fprintf(r->csv, ",%.6g", v[i]);
    fprintf(r->csv, "\n");
    if (step % 20 == 0) fflush(r->csv);
}

void pl_train_report_preview(pl_train_report *r, gen_backend *be, gen_tensor content,
                             gen_tensor out, gen_tensor style)
{
    int S = content.h;
    size_t one = (size_t)3 * S * S;
    float *img = malloc(3 * one * sizeof(float)), *grid = malloc(3 * one * sizeof(float));
    gen_tensor views[3] = {content, out, style};
    pl_image pi = {0};
    if (!img || !grid || pl_image_alloc(&pi, 3 * S, S, 8) < 0) goto done;
    for (int k = 0; k < 3; k++) {
        gen_tensor first = views[k];
        first.n = 1; /* the first image of the batch */
        if (gen_tensor_download(be, first, img + k * one) < 0) goto done;
    }
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < S; y++)
            for (int k = 0; k < 3; k++)
                memcpy(grid + ((size_t)c * S + y) * 3 * S + (size_t)k * S,
                       img + k * one + ((size_t)c * S + y) * S, (size_t)S * sizeof(float));
    pl_image_from_planar(&pi, grid);
    char path[4200];
    snprintf(path, sizeof(path), "%s.preview.png", r->base);
    if (pl_png_write(path, &pi, 1) < 0) vg_warn("%s: preview not written", path);
done:
    pl_image_free(&pi);
    free(img);
    free(grid);
}

static void plot_line(unsigned char *rgb, int w, int h, int x0, int y0, int x1, int y1,
                      const unsigned char *col)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        if (x0 >= 0 && x0 < w && y0 >= 0 && y0 < h) memcpy(rgb + ((size_t)y0 * w + x0) * 3, col, 3);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) err += dy, x0 += sx;
        if (e2 <= dx) err += dx, y0 += sy;
    }
}

void pl_train_report_plot(pl_train_report *r)
{
    static const unsigned char colours[][3] = {{31, 119, 180},  {255, 127, 14},  {44, 160, 44},
                                               {214, 39, 40},   {148, 103, 189}, {140, 86, 75},
                                               {227, 119, 194}, {127, 127, 127}, {188, 189, 34}};
    const int W = 960, H = 480, M = 20;
    if (r->rows < 2) return;
    pl_image img = {0};
    if (pl_image_alloc(&img, W, H, 8) < 0) return;
    unsigned char *rgb = img.data;
    memset(rgb, 255, (size_t)W * H * 3);
    unsigned char grey[3] = {200, 200, 200};
    plot_line(rgb, W, H, M, H - M, W - M, H - M, grey);
    plot_line(rgb, W, H, M, M, M, H - M, grey);
    int64_t s0 = r->steps[0], s1 = r->steps[r->rows - 1];
    for (int i = 0; i < r->n; i++) {
        /* log scale between the series' 2nd and 98th percentile-ish extremes */
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t k = 0; k < r->rows; k++) {
            double v = r->hist[k * r->n + i];
            if (v > 0 && isfinite(v)) lo = fmin(lo, log10(v)), hi = fmax(hi, log10(v));
        }
        if (!(hi > lo)) continue;
        int px = -1, py = -1;
        for (int64_t k = 0; k < r->rows; k++) {
            double v = r->hist[k * r->n + i];
            if (!(v > 0 && isfinite(v))) continue;
            int x = M + (int)((double)(r->steps[k] - s0) / (double)(s1 - s0 + 1) * (W - 2 * M));
            int y = H - M - (int)((log10(v) - lo) / (hi - lo) * (H - 2 * M));
            if (px >= 0) plot_line(rgb, W, H, px, py, x, y, colours[i % 9]);
            px = x, py = y;
        }
    }
    char path[4200];
    snprintf(path, sizeof(path), "%s.loss.png", r->base);
    if (pl_png_write(path, &img, 1) < 0) vg_warn("%s: loss plot not written", path);
    pl_image_free(&img);
}

void pl_train_report_close(pl_train_report *r)
{
    if (r->csv) fclose(r->csv);
    free(r->hist);
    free(r->steps);
    memset(r, 0, sizeof(*r));
}
