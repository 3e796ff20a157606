/*
 * pl_eval.c - quality figures of a model on a video (see pl_eval.h): the generator runs on
 * the device at a reduced size; the statistics are accumulated on the CPU in double.
 */
#include "pipeline/pl_eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/vg_error.h"
#include "common/vg_log.h"
#include "pipeline/pl_frame_rgb.h"
#include "pipeline/pl_input.h"

#define NF        5 /* style features per pixel: R, G, B, luma gradient x and y */
#define HIST_BINS 8

/* Second moments of the features and a colour histogram of a set of pictures. */
typedef struct style_stats {
    double gram[NF * NF];
    double hist[HIST_BINS * HIST_BINS * HIST_BINS];
    double n;
} style_stats;

static float luma(const float *rgb, size_t plane, size_t i)
{
    /* [-1, 1] -> [0, 1] luma, BT.601 weights */
    return 0.5f * (0.299f * rgb[i] + 0.587f * rgb[plane + i] + 0.114f * rgb[2 * plane + i]) + 0.5f;
}

/* Sobel gradients of luma L (w x h) at interior pixels; border gradients are 0. */
static void sobel(const float *L, int w, int h, float *gx, float *gy)
{
    memset(gx, 0, (size_t)w * h * sizeof(float));
    memset(gy, 0, (size_t)w * h * sizeof(float));
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            const float *p = L + (size_t)y * w + x;
            gx[(size_t)y * w + x] =
                (p[-w + 1] + 2 * p[1] + p[w + 1] - p[-w - 1] - 2 * p[-1] - p[w - 1]) * 0.125f;
            gy[(size_t)y * w + x] =
                (p[w - 1] + 2 * p[w] + p[w + 1] - p[-w - 1] - 2 * p[-w] - p[-w + 1]) * 0.125f;
        }
}

static void add_stats(style_stats *s, const float *rgb, const float *gx, const float *gy, int w,
                      int h)
{
    size_t plane = (size_t)w * h;
    for (size_t i = 0; i < plane; i++) {
        double f[NF] = {0.5 * rgb[i] + 0.5, 0.5 * rgb[plane + i] + 0.5,
                        0.5 * rgb[2 * plane + i] + 0.5, gx[i], gy[i]};
        for (int a = 0; a < NF; a++)
            for (int b = 0; b < NF; b++) s->gram[a * NF + b] += f[a] * f[b];
        int bin[3];
        for (int c = 0; c < 3; c++) {
            int k = (int)(f[c] * HIST_BINS);
            bin[c] = k < 0 ? 0 : k >= HIST_BINS ? HIST_BINS - 1 : k;
        }
        s->hist[(bin[0] * HIST_BINS + bin[1]) * HIST_BINS + bin[2]] += 1;
    }
    s->n += (double)plane;
}

/* Relative Gram distance |Ga - Gs|_F / |Gs|_F and histogram total-variation distance. */
static void distances(const style_stats *a, const style_stats *s, double *gram, double *hist)
{
    double num = 0, den = 0, tv = 0;
    for (int k = 0; k < NF * NF; k++) {
        double ga = a->gram[k] / a->n, gs = s->gram[k] / s->n;
        num += (ga - gs) * (ga - gs);
        den += gs * gs;
    }
    for (int k = 0; k < HIST_BINS * HIST_BINS * HIST_BINS; k++)
        tv += fabs(a->hist[k] / a->n - s->hist[k] / s->n);
    *gram = sqrt(num / (den > 0 ? den : 1));
    *hist = 0.5 * tv;
}

static int style_reference(const pl_eval_opts *o, style_stats *s)
{
    for (int i = 0; i < o->nstyle; i++) {
        int w, h;
        float *rgb = NULL;
        int ret = pl_image_load_rgb(o->style[i], o->side * 2, 32, &w, &h, &rgb);
        if (ret < 0) return ret;
        size_t plane = (size_t)w * h;
        float *L = malloc(plane * sizeof(float) * 3);
        if (!L) {
            free(rgb);
            return VG_ERR_NOMEM;
        }
        float *gx = L + plane, *gy = L + 2 * plane;
        for (size_t k = 0; k < plane; k++) L[k] = luma(rgb, plane, k);
        sobel(L, w, h, gx, gy);
        add_stats(s, rgb, gx, gy, w, h);
        free(L);
        free(rgb);
    }
    return VG_OK;
}

/* The temporal hold of vrgen stylize on graph g's output, with its state in *hb; the state
 * starts reset. */
static int hold_prog(gen_backend *be, gen_graph *g, const pl_eval_opts *o, gen_buf **hb,
                     gen_prog **ph)
{
    gen_tensor x = gen_graph_input(g), y = gen_graph_output(g);
    gen_arena a = {0};
    gen_tensor pl, res;
    int ret = VG_OK;
    for (int pass = 0; pass < 2; pass++) {
        a.used = 0;
        pl = gen_arena_take(&a, x.n, 1, x.h, x.w);
        res = gen_arena_take(&a, x.n, 3, x.h, x.w);
        if (pass == 0 && (ret = gen_buf_create(be, a.used, &a.buf)) < 0) return ret;
    }
    *hb = a.buf;
    gen_prog *p0 = NULL;
    if ((ret = gen_prog_create(be, &p0)) == VG_OK) {
        gen_temporal_reset(p0, pl, res);
        if ((ret = gen_prog_compile(p0)) == VG_OK) ret = gen_prog_run(p0);
    }
    gen_prog_destroy(&p0);
    if (ret == VG_OK && (ret = gen_prog_create(be, ph)) == VG_OK) {
        gen_temporal_hold(*ph, y, x, pl, res, o->hold_still, o->hold_rate);
        ret = gen_prog_compile(*ph);
    }
    return ret;
}

int pl_eval(gen_backend *be, gen_net *gen, const pl_eval_opts *o, pl_eval_result *r)
{
    memset(r, 0, sizeof(*r));
    r->flicker = r->flicker_net = r->gram_ratio = r->hist_ratio = NAN;
    pl_input_opts io = {.path = o->video, .start = -1, .duration = -1, .max_frames = o->max_frames};
    pl_input *in = NULL;
    gen_graph *g = NULL;
    gen_prog *p = NULL, *ph = NULL;
    gen_buf *hb = NULL;
    float *xin = NULL, *xout = NULL, *prev_in = NULL, *prev_out = NULL, *prev_net = NULL;
    float *work = NULL;
    style_stats *st = calloc(3, sizeof(style_stats)); /* style, input, output */
    int ret = st ? VG_OK : VG_ERR_NOMEM;
    if (ret == VG_OK && o->nstyle > 0) ret = style_reference(o, &st[0]);
    if (ret == VG_OK) ret = pl_input_open(&io, &in);
    if (ret < 0) goto done;
    const pl_video_info *vi = pl_input_video(in);
    int w, h;
    pl_fit_side(vi->width, vi->height, o->side, &w, &h);
    w = w / 4 * 4;
    h = h / 4 * 4;
    if (w < 16 || h < 16) {
        vg_error("%s: %dx%d is too small to evaluate", o->video, vi->width, vi->height);
        ret = VG_ERR_FORMAT;
        goto done;
    }
    size_t plane = (size_t)w * h;
    if ((ret = gen_graph_create(gen, 1, h, w, GEN_GRAPH_NO_FEATURE, &g)) < 0 ||
        (ret = gen_prog_create(be, &p)) < 0)
        goto done;
    gen_graph_forward(g, p);
    if ((ret = gen_prog_compile(p)) < 0) goto done;
    if (o->hold_still > 0 && (ret = hold_prog(be, g, o, &hb, &ph)) < 0) goto done;
    xout = malloc(3 * plane * sizeof(float));
    prev_in = malloc(plane * sizeof(float));
    prev_out = malloc(plane * sizeof(float));
    prev_net = malloc(plane * sizeof(float));
    work = malloc(6 * plane * sizeof(float));
    if (!xout || !prev_in || !prev_out || !prev_net || !work) {
        ret = VG_ERR_NOMEM;
        goto done;
    }
    double flick_out = 0, flick_net = 0, flick_in = 0, nstatic = 0, npix = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, ne = 0;
    for (;;) {
        AVFrame *f = NULL;
        AVPacket *pk = NULL;
        ret = pl_input_read(in, &f, &pk);
        av_packet_free(&pk);
        if (ret == VG_EOF) break;
        if (ret < 0) goto done;
        if (!f) continue;
        ret = pl_frame_to_rgb(f, w, h, &xin);
        av_frame_free(&f);
        if (ret < 0) goto done;
        if ((ret = gen_tensor_upload(be, gen_graph_input(g), xin)) < 0 ||
            (ret = gen_prog_run(p)) < 0 ||
            (ret = gen_tensor_download(be, gen_graph_output(g), xout)) < 0)
            goto done;
        float *Li = work, *Lo = work + plane, *gxi = work + 2 * plane, *gyi = work + 3 * plane;
        /* Ln (the network's own luma) borrows gxo until sobel() below overwrites it */
        float *gxo = work + 4 * plane, *gyo = work + 5 * plane, *Ln = gxo;
        for (size_t k = 0; k < plane; k++) {
            Li[k] = luma(xin, plane, k);
            Lo[k] = Ln[k] = luma(xout, plane, k);
        }
        if (ph && ((ret = gen_prog_run(ph)) < 0 ||
                   (ret = gen_tensor_download(be, gen_graph_output(g), xout)) < 0))
            goto done;
        if (ph)
            for (size_t k = 0; k < plane; k++) Lo[k] = luma(xout, plane, k);
        if (r->frames > 0)
            for (size_t k = 0; k < plane; k++) {
                double di = fabs(Li[k] - prev_in[k]);
                if (di < 1.5 / 255) {
                    flick_in += di;
                    flick_out += fabs(Lo[k] - prev_out[k]);
                    flick_net += fabs(Ln[k] - prev_net[k]);
                    nstatic++;
                }
                npix++;
            }
        memcpy(prev_in, Li, plane * sizeof(float));
        memcpy(prev_out, Lo, plane * sizeof(float));
        memcpy(prev_net, Ln, plane * sizeof(float));
        sobel(Li, w, h, gxi, gyi);
        sobel(Lo, w, h, gxo, gyo);
        for (size_t k = 0; k < plane; k++) {
            double a = hypot(gxi[k], gyi[k]), b = hypot(gxo[k], gyo[k]);
            sx += a, sy += b, sxx += a * a, syy += b * b, sxy += a * b, ne++;
        }
        if (o->nstyle > 0) {
            add_stats(&st[1], xin, gxi, gyi, w, h);
            add_stats(&st[2], xout, gxo, gyo, w, h);
        }
        free(xin);
        xin = NULL;
        r->frames++;
    }
    ret = VG_OK;
    if (r->frames == 0) {
        vg_error("%s: no video frames to evaluate", o->video);
        ret = VG_ERR_FORMAT;
        goto done;
    }
    /* a small floor keeps the ratio finite where static pixels do not change at all */
    const double eps = 0.5 / 255;
    if (nstatic > 0) {
        r->flicker = (flick_out / nstatic + eps) / (flick_in / nstatic + eps);
        r->flicker_net = (flick_net / nstatic + eps) / (flick_in / nstatic + eps);
    }
    r->static_share = npix > 0 ? nstatic / npix : 0;
    double cov = sxy / ne - (sx / ne) * (sy / ne);
    double va = sxx / ne - (sx / ne) * (sx / ne), vb = syy / ne - (sy / ne) * (sy / ne);
    r->edge_corr = va > 0 && vb > 0 ? cov / sqrt(va * vb) : 0;
    if (o->nstyle > 0) {
        distances(&st[1], &st[0], &r->gram_in, &r->hist_in);
        distances(&st[2], &st[0], &r->gram_out, &r->hist_out);
        r->gram_ratio = r->gram_out / (r->gram_in > 0 ? r->gram_in : 1);
        r->hist_ratio = r->hist_out / (r->hist_in > 0 ? r->hist_in : 1);
    }
done:
    free(xin);
    free(xout);
    free(prev_in);
    free(prev_out);
    free(prev_net);
    free(work);
    free(st);
    gen_prog_destroy(&ph);
    gen_buf_destroy(&hb);
    gen_prog_destroy(&p);
    gen_graph_destroy(&g);
    pl_input_close(&in);
    return ret;
}
